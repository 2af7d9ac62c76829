"""The patient's pages under /p/: the only paths a clinic's reverse proxy exposes
(docs/patient-pages.md). No account, no staff navigation, no link out of /p/.

Open the link → date of birth → the form → thank you. The token leaves the address
bar at once (the session holds the link), and an unknown, expired, finished or
elsewhere-opened link looks the same as a wrong date of birth.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django_ratelimit.core import is_ratelimited

from clinic import intake_links
from planning.intake import AREAS, planned_regions, submit_intake

from ..models import ConsentText
from .forms import BirthDateForm, IntakeForm

NOT_OPENED = (
    "We could not open a form with this link and date of birth. Check the date, or "
    "ask the clinic for a new link."
)
STAFF_SESSION = (
    "This browser is signed in to the clinic's system. Open the link on the patient's "
    "own device, or use 'Hand this tablet to the patient'."
)
TOO_MANY = "Too many tries. Please wait an hour or ask the clinic for a new link."


def _page(request, template: str, context: dict, status: int = 200):
    response = render(request, f"patient/{template}", context, status=status)
    # No Referer leaves for another site ("no-referrer" here would make Chromium send
    # "Origin: null" with the forms, which the CSRF check refuses); no search engine
    # keeps these pages.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@login_not_required
@never_cache
def open_link(request, token: str):
    """The emailed / QR address: holds the link in this device's session, then shows
    the date-of-birth page without the token in the address."""
    if is_ratelimited(
        request, group="intake-open", key="ip", rate=settings.INTAKE_DOB_RATE_PER_ADDRESS,
        method="GET", increment=True,
    ):  # fmt: skip
        return _page(request, "closed.html", {"message": TOO_MANY}, status=429)
    if request.user.is_authenticated:  # a staff session never holds a patient's link
        return _page(request, "closed.html", {"message": STAFF_SESSION}, status=403)
    intake_links.open_link(token=token, session=request.session)
    response = redirect("patient:start")
    response["Referrer-Policy"] = "no-referrer"  # the only response with the token in view
    return response


def _attempt_key(group, request):
    return intake_links.attempt_key(request.session)


@login_not_required
@never_cache
def start(request):
    form = BirthDateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        limited = is_ratelimited(
            request, group="intake-dob-link", key=_attempt_key,
            rate=settings.INTAKE_DOB_RATE_PER_LINK, method="POST", increment=True,
        ) | is_ratelimited(
            request, group="intake-dob-ip", key="ip",
            rate=settings.INTAKE_DOB_RATE_PER_ADDRESS, method="POST", increment=True,
        )  # fmt: skip
        if limited:
            return _page(request, "start.html", {"form": form, "message": TOO_MANY}, 429)
        if intake_links.verify_birth_date(
            session=request.session, date_of_birth=form.cleaned_data["date_of_birth"]
        ):
            request.session.cycle_key()  # a new session id once the patient is known
            return redirect("patient:intake")
        return _page(request, "start.html", {"form": BirthDateForm(), "message": NOT_OPENED})
    status = 400 if request.method == "POST" else 200
    return _page(request, "start.html", {"form": form}, status=status)


@login_not_required
@never_cache
def intake(request):
    link = intake_links.verified_link(session=request.session)
    if link is None:
        return _page(request, "closed.html", {"message": NOT_OPENED})
    form = IntakeForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                submit_intake(
                    link=link,
                    data=form.intake_answers(),
                    selfie=form.cleaned_data.get("selfie"),
                )
            except ValidationError as exc:
                field = "selfie" if getattr(exc, "code", "") == "invalid_photo" else None
                form.add_error(field, exc)
            else:
                kiosk = link.kiosk
                if kiosk:  # the clinic's tablet: nothing of this patient stays on it
                    request.session.flush()
                else:
                    request.session.pop(intake_links.SESSION_KEY, None)
                request.session["patient_intake_done"] = {"kiosk": kiosk}
                return redirect("patient:done")
        status = 400
    appointment = link.appointment
    return _page(
        request,
        "intake.html",
        {
            "form": form,
            "first_name": appointment.patient.first_name,
            "when": appointment.local_start,
            "place": appointment.location.name,
            "areas": AREAS,
            "consent": ConsentText.objects.current(),
            "planned_regions": planned_regions(
                patient_id=appointment.patient_id, today=timezone.localdate()
            ),
        },
        status=status,
    )


@login_not_required
@never_cache
def done(request):
    state = request.session.get("patient_intake_done") or {}
    return _page(request, "done.html", {"kiosk": state.get("kiosk", False)})
