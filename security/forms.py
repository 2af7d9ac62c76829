from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
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


class ForgotPasswordForm(PasswordResetForm):
    """Django's reset request, also for active staff who never chose a password (an
    invitation that expired): the link lets them choose one. Django's own form skips
    them, so they were told to check a mail that never came."""

    def get_users(self, email):
        from django.contrib.auth import get_user_model

        users = get_user_model()._default_manager.filter(email__iexact=email, is_active=True)
        return (u for u in users if u.email.casefold() == email.casefold())
