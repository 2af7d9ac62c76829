from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_otp import login as otp_login
from django_ratelimit.decorators import ratelimit

from audit.events import record
from audit.models import Action
from clinic.access import role_required
from clinic.roles import Role

from . import onboarding, two_factor
from .forms import ForgotPasswordForm, TokenForm
from .middleware import second_factor_exempt
from .sessions import clock_for, now_ts, touch


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("home")


@never_cache
@second_factor_exempt
@role_required(*Role.values)
def two_factor_status(request):
    user = request.user
    return render(
        request,
        "security/two_factor.html",
        {
            "has_device": two_factor.has_authenticator(user),
            "verified": user.is_verified(),
            "backup_codes_left": two_factor.backup_codes_left(user=user),
        },
    )


@never_cache
@second_factor_exempt
@role_required(*Role.values)
def two_factor_setup(request):
    user = request.user
    if two_factor.has_authenticator(user) and not user.is_verified():
        # Replacing an authenticator needs the current one (or a backup code) first.
        return redirect(f"{_verify_url()}?next={request.path}")
    device = two_factor.pending_totp(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.confirm_totp(device=device, token=form.cleaned_data["token"])
        if codes is None:
            form.add_error("token", "That code did not match. Check the clock of your phone.")
        else:
            otp_login(request, device)
            record(request=request, action=Action.OTP_DEVICE, obj=device)
            return render(
                request,
                "security/backup_codes.html",
                {"codes": codes, "next": _next_url(request)},
            )
    return render(
        request,
        "security/two_factor_setup.html",
        {
            "form": form,
            "secret": two_factor.base32_secret(device),
            "qr_svg": two_factor.qr_svg(device),
            "next": request.GET.get("next", ""),
        },
    )


def _verify_url() -> str:
    return reverse("security:two_factor_verify")


@never_cache
@second_factor_exempt
@role_required(*Role.values)
def two_factor_verify(request):
    user = request.user
    if not two_factor.has_authenticator(user):
        return redirect("security:two_factor_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor.verify_second_factor(user=user, token=form.cleaned_data["token"])
        if device is None:
            record(request=request, action=Action.OTP_FAILED, obj=user)
            form.add_error("token", "That code did not match. Try the newest code.")
        else:
            otp_login(request, device)
            request.session.cycle_key()  # a new session id for the stronger sign-in
            record(request=request, action=Action.OTP_VERIFIED, obj=device)
            return redirect(_next_url(request))
    return render(
        request,
        "security/two_factor_verify.html",
        {"form": form, "next": _next_url(request) if request.GET.get("next") else ""},
    )


@never_cache
@require_POST
@role_required(*Role.values)
def backup_codes(request):
    if not request.user.is_verified():
        messages.error(request, "Enter a code from your authenticator first.")
        return redirect(f"{_verify_url()}?next=/account/two-factor/")
    codes = two_factor.new_backup_codes(user=request.user)
    record(
        request=request,
        action=Action.OTP_DEVICE,
        obj=request.user,
        detail={"backup_codes": "replaced"},
    )
    return render(request, "security/backup_codes.html", {"codes": codes, "next": ""})


def _clock_json(request) -> JsonResponse:
    clock = clock_for(request.session)
    return JsonResponse(
        {
            "now": now_ts(),
            "ends_at": clock.ends_at if clock else None,
            "absolute_ends_at": clock.absolute_ends_at if clock else None,
        }
    )


@never_cache
@second_factor_exempt
@require_GET
@role_required(*Role.values)
def session_status(request):
    """When this session ends. Reading it is not activity (see SessionTimeoutMiddleware)."""
    return _clock_json(request)


@never_cache
@second_factor_exempt
@require_POST
@role_required(*Role.values)
def session_keepalive(request):
    """The page saw the user working (typing, tapping): the idle clock starts again."""
    touch(request.session, at=now_ts(), force=True)
    return _clock_json(request)


def locked_out(request, credentials=None, *args, **kwargs):
    """django-axes' lockout page (AXES_LOCKOUT_CALLABLE)."""
    from .lockout import cool_off

    minutes = int(cool_off(request).total_seconds() // 60)
    wait = f"{minutes} minutes" if minutes < 120 else f"{minutes // 60} hours"
    return render(request, "registration/lockout.html", {"wait": wait}, status=429)


class ForgotPasswordView(auth_views.PasswordResetView):
    """Django's reset request, limited per address and per email. Over the limit
    the answer is the same "check your email" page and no mail goes: the page
    never tells whether an address has an account."""

    success_url = reverse_lazy("password_reset_done")
    form_class = ForgotPasswordForm

    @method_decorator(ratelimit(key="ip", rate=onboarding.RESET_RATE, method="POST", block=False))
    @method_decorator(
        ratelimit(key="post:email", rate=onboarding.RESET_RATE, method="POST", block=False)
    )
    def post(self, request, *args, **kwargs):
        if getattr(request, "limited", False):
            return redirect(self.success_url)
        return super().post(request, *args, **kwargs)


class ChoosePasswordView(auth_views.PasswordResetConfirmView):
    """The invitation's and the reset's link: the password is the user's own."""

    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        onboarding.chose_own_password(form.user)
        return response


class ChangePasswordView(auth_views.PasswordChangeView):
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        onboarding.chose_own_password(form.user)
        return response
