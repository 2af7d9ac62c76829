from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from clinic.roles import CLINICAL_ROLES

from .sessions import expiry_reason, now_ts, touch


class PermissionsPolicyMiddleware:
    """Permissions-Policy: the camera for our own pages (clinical photos), nothing else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class SessionTimeoutMiddleware:
    """Ends a session after SESSION_IDLE_TIMEOUT seconds without a request, and
    SESSION_ABSOLUTE_LIFETIME seconds after sign-in, whatever the activity.
    The session-status endpoint reads the clock without counting as activity."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            at = now_ts()
            reason = expiry_reason(request.session, at=at)
            if reason:
                request.logout_reason = reason
                logout(request)
                minutes = settings.SESSION_IDLE_TIMEOUT // 60
                messages.info(
                    request,
                    f"You were signed out after {minutes} minutes without activity."
                    if reason == "idle timeout"
                    else "Your session reached its maximum length. Please sign in again.",
                )
            elif request.path_info != reverse("security:session_status"):
                touch(request.session, at=at)
        return self.get_response(request)


def needs_second_factor(user) -> bool:
    return bool(
        settings.REQUIRE_2FA
        and user.is_authenticated
        and user.has_role(*CLINICAL_ROLES)
        and not user.is_verified()
    )


class TwoFactorMiddleware:
    """With REQUIRE_2FA, injectors and clinic admins pass a second factor
    (TOTP or a backup code) before any page but the few that get them there;
    Django's admin included."""

    EXEMPT = {"login", "logout", "healthz"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "second_factor_exempt", False):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in self.EXEMPT:
            return None
        user = getattr(request, "user", None)
        if user is None or not needs_second_factor(user):
            return None
        from .two_factor import has_authenticator

        target = (
            "security:two_factor_verify" if has_authenticator(user) else "security:two_factor_setup"
        )
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")


def second_factor_exempt(view):
    view.second_factor_exempt = True
    return view


class PasswordChangeRequiredMiddleware:
    """A password an admin typed is replaced at the next sign-in: until then every
    page but the password change (and the pages that get there) leads to it."""

    EXEMPT = {"login", "logout", "healthz", "password_change", "password_change_done"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.must_change_password:
            return None
        if getattr(view_func, "second_factor_exempt", False):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in self.EXEMPT:
            return None
        return redirect(
            f"{reverse('password_change')}?{urlencode({'next': request.get_full_path()})}"
        )
