from django import forms


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
