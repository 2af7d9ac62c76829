from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code",
        max_length=16,
        strip=True,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "class": "form-control-lg",
            }
        ),
        help_text="The 6-digit code from your authenticator app, or one of your backup codes.",
    )


class SignInForm(AuthenticationForm):
    """Django's sign-in form, with the email's length checked before anything
    else sees it (Django sets the field's max_length after it is built, so the
    browser alone enforced it; an overlong name made django-axes fail)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].validators.append(MaxLengthValidator(254))
