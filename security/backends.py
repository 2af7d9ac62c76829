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
