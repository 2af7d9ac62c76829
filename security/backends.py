from axes.backends import AxesStandaloneBackend


class LoginProtectionBackend(AxesStandaloneBackend):
    """django-axes' lockout for every sign-in made through a web request.

    ``authenticate()`` without a request (management commands, the test
    client's ``login()``) has no client to lock out; it passes through to the
    model backend instead of failing.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def axes_username(request, credentials) -> str | None:
    """The sign-in name django-axes counts failures against (AXES_USERNAME_CALLABLE):
    the email typed, cut to the length of an email address so an overlong
    value cannot break the record of the attempt."""
    if credentials:
        value = credentials.get("username")
    else:
        value = request.POST.get("username") if request is not None else None
    return str(value).strip().lower()[:254] if value else None
