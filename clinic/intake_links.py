"""The pre-visit intake link's life: made by the front desk, opened once per device
session, unlocked by the date of birth, finished by the patient's answers.

The token is shown once (email, QR code) and only its SHA-256 is stored. A link
works until 72 hours after it was made or the end of its appointment, whichever is
first; making a new one retires the old. The first device session that opens it
holds it: another browser (a forwarded email, a guessed address) gets the same page
as an unknown link, and so does a wrong date of birth. The answers themselves never
pass through here (``planning.intake``).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .models import Appointment, IntakeLink

SESSION_KEY = "patient_intake"
LINK_HOURS = 72
# Kinds a patient fills an intake for (a review has its own screening rule).
INTAKE_KINDS = (Appointment.Kind.CONSULTATION, Appointment.Kind.TREATMENT)


class IntakeRefused(Exception):
    """The front desk asked for a link the appointment cannot have; ``str`` says why."""


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class NewLink:
    link: IntakeLink
    token: str  # shown once (the URL, the QR code), never stored
    url: str


def link_url(token: str) -> str:
    """The patient's address: PATIENT_BASE_URL (what the reverse proxy exposes) + /p/…"""
    path = reverse("patient:open", args=[token])
    return f"{settings.PATIENT_BASE_URL.rstrip('/')}{path}"


def refusal(appointment: Appointment, now: datetime.datetime) -> str | None:
    if appointment.kind not in INTAKE_KINDS:
        return "An intake is sent for a consultation or a treatment only."
    if appointment.status != Appointment.Status.BOOKED:
        return "An intake is sent for a booked appointment only."
    if appointment.ends_at <= now:
        return "This appointment is over."
    return None


@transaction.atomic
def create_link(
    *, appointment: Appointment, by, kiosk: bool = False, now: datetime.datetime | None = None
) -> NewLink:
    """A new link for the appointment (the older ones stop working)."""
    now = now or timezone.now()
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if (why := refusal(appointment, now)) is not None:
        raise IntakeRefused(why)
    IntakeLink.objects.filter(
        appointment=appointment, revoked_at__isnull=True, completed_at__isnull=True
    ).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    link = IntakeLink.objects.create(
        appointment=appointment,
        token_hash=_hash(token),
        kiosk=kiosk,
        created_by=by,
        created_at=now,
        expires_at=min(now + datetime.timedelta(hours=LINK_HOURS), appointment.ends_at),
    )
    return NewLink(link=link, token=token, url=link_url(token))


def email_link(*, new: NewLink) -> bool:
    """Email the link to the patient: the place, the time and the link, no clinical word."""
    appointment = new.link.appointment
    patient = appointment.patient
    if not patient.email:
        return False
    start = appointment.local_start
    send_mail(
        f"Your form before your visit on {start:%A %B %-d}",
        f"Dear {patient.first_name},\n\n"
        f"Before your visit at {appointment.location.name} on {start:%A %B %-d} at "
        f"{start:%H:%M}, please fill in a short form:\n\n{new.url}\n\n"
        "You will be asked for your date of birth. The link works once, on one device, "
        f"until {timezone.localtime(new.link.expires_at):%A %B %-d %H:%M}.\n",
        None,
        [patient.email],
    )
    IntakeLink.objects.filter(pk=new.link.pk).update(emailed_to=True)
    return True


def qr_svg(url: str) -> str:
    """The link as an inline SVG QR code (segno), for a patient at the desk."""
    import segno

    return segno.make(url, error="m").svg_inline(scale=5, dark="#000", light="#fff")


# A link stops with its appointment: cancelled, a no-show, or over.
OPEN_STATUSES = (Appointment.Status.BOOKED, Appointment.Status.ARRIVED)


def _usable(link: IntakeLink, now: datetime.datetime) -> bool:
    return link.usable_at(now) and link.appointment.status in OPEN_STATUSES


def _binding(session) -> str:
    state = session.get(SESSION_KEY) or {}
    return state.get("binding") or secrets.token_urlsafe(24)


def open_link(*, token: str, session, now: datetime.datetime | None = None) -> bool:
    """Hold a usable link in this device session, waiting for the date of birth.
    Opening claims nothing: a mail scanner or a link preview that fetches the address
    must not use up the patient's link; the right date of birth binds it to this
    session (``verify_birth_date``). Whatever the token, the session is left waiting
    for a date of birth: an unknown, expired, finished or elsewhere-bound link looks
    the same as a good one until the date of birth is checked."""
    now = now or timezone.now()
    binding = _binding(session)
    session[SESSION_KEY] = {"link": None, "binding": binding, "verified": False}
    link = (
        IntakeLink.objects.select_related("appointment")
        .filter(token_hash=_hash(token or ""))
        .first()
    )
    if link is None or not _usable(link, now):
        return False
    if link.binding_hash and not hmac.compare_digest(link.binding_hash, _hash(binding)):
        return False
    session[SESSION_KEY] = {"link": link.pk, "binding": binding, "verified": False}
    return True


def bind_kiosk(*, new: NewLink, session, now: datetime.datetime | None = None) -> None:
    """A clinic tablet: the (already emptied) session holds the new link at once."""
    open_link(token=new.token, session=session, now=now)


def _held(session, now) -> IntakeLink | None:
    state = session.get(SESSION_KEY) or {}
    if not state.get("link") or not state.get("binding"):
        return None
    mine = _hash(state["binding"])
    # Before the date of birth the link may still be unbound; after it, it is this one's.
    bound = [mine] if state.get("verified") else ["", mine]
    link = (
        IntakeLink.objects.select_related("appointment__patient", "appointment__location")
        .filter(pk=state["link"], binding_hash__in=bound)
        .first()
    )
    return link if link is not None and _usable(link, now) else None


def verify_birth_date(
    *, session, date_of_birth: datetime.date, now: datetime.datetime | None = None
) -> bool:
    """The date of birth unlocks the form; a wrong one answers like an unknown link."""
    now = now or timezone.now()
    link = _held(session, now)
    if link is None or link.appointment.patient.date_of_birth != date_of_birth:
        return False
    mine = _hash(session[SESSION_KEY]["binding"])
    # A conditional update: two devices unlocking at once, only one holds it.
    claimed = IntakeLink.objects.filter(pk=link.pk, binding_hash__in=["", mine]).update(
        binding_hash=mine,
        opened_at=link.opened_at or now,
        verified_at=link.verified_at or now,
    )
    if claimed != 1:
        return False
    session[SESSION_KEY] = {**session[SESSION_KEY], "verified": True}
    return True


def verified_link(*, session, now: datetime.datetime | None = None) -> IntakeLink | None:
    """The link this session opened and unlocked, while it is usable; else None."""
    state = session.get(SESSION_KEY) or {}
    if not state.get("verified"):
        return None
    return _held(session, now or timezone.now())


def attempt_key(session) -> str:
    """What a date-of-birth attempt is counted against: the link this session holds,
    else the session itself (an unknown link's attempts fill a bucket of their own,
    as a real link's do, so the limit answers alike for both)."""
    state = session.get(SESSION_KEY) or {}
    if state.get("link"):
        return f"intake-link:{state['link']}"
    return f"intake-session:{_hash(state.get('binding') or '')}"


def mark_completed(*, link: IntakeLink, now: datetime.datetime | None = None) -> bool:
    """Finish the link once (a second submit, another tab: False)."""
    now = now or timezone.now()
    return (
        IntakeLink.objects.filter(pk=link.pk, completed_at__isnull=True, revoked_at__isnull=True)
        .filter(expires_at__gt=now)
        .update(completed_at=now)
        == 1
    )


def status_for(*, appointment: Appointment) -> IntakeLink | None:
    """The appointment's latest link, for its status only (sent/opened/done/expired)."""
    return IntakeLink.objects.for_appointment(appointment).latest_first().first()
