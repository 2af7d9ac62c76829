"""Signing a treatment, and addenda under a signed one.

Signing checks everything a legal treatment record needs (consent in force,
injections with usable vials, the screening, the injector's password), stores
who signed, when, and the SHA-256 of the signed content, and books the
two-week review through ``charting.due_reviews.book_review`` (called here,
explicitly). From then on the model layer refuses every change
(``charting.models.locking``); corrections are addenda.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from audit.events import record
from audit.models import Action
from clinic.errors import NoFreeSlot, SchedulingError
from clinic.models import Appointment, User
from clinic.roles import Role
from planning.choices import VisitKind
from planning.dose_rules import lock_patient, refusals

from .chart import dose_checks, screening_refusal
from .consent import consent_in_force
from .due_reviews import DEFAULT_REVIEW_DAYS, REVIEW_DAYS, book_review, end_earlier_cycles
from .errors import ChartingError
from .lots import record_waste, vial_patient_refusal, vial_refusal, vials_used_for_other_patients
from .models import Addendum, Consent, Treatment

TOUCH_UP_MESSAGE = "Touch-ups are signed with the review."
HASH_FORMAT = 1  # bump when signed_content changes shape; old hashes stay verifiable by format


def consent_at_signing(consents, at) -> Consent | None:
    """The consent that was in force when the chart was signed (``at``; now, while
    signing), from the visit's consents: signed by then and not yet withdrawn. A
    consent withdrawn later stays the one the signature covers."""
    in_force = [
        c
        for c in consents
        if (at is None or c.signed_at <= at)
        and (c.withdrawn_at is None or (at and c.withdrawn_at > at))
    ]
    return max(in_force, key=lambda c: (c.signed_at, c.pk), default=None)


def signed_content(treatment: Treatment) -> dict:
    """What the signature covers, read from the database (three queries: injections,
    events, consent)."""
    consent = consent_at_signing(
        Consent.objects.filter(visit_id=treatment.visit_id), treatment.signed_at or timezone.now()
    )
    return content_of(
        treatment=treatment,
        patient_id=treatment.visit.patient_id,
        injections=treatment.injections.select_related("muscle", "vial__lot").order_by(
            "order", "id"
        ),
        adverse_events=treatment.adverse_events.order_by("recorded_at", "id"),
        consent_sha=consent.signature_sha256 if consent else None,
    )


def _utc(moment: datetime.datetime | None) -> str | None:
    return moment.astimezone(datetime.UTC).isoformat() if moment else None


def content_of(
    *, treatment: Treatment, patient_id: int, injections, adverse_events, consent_sha: str | None
) -> dict:
    """The signed content from rows in hand, in a stable form: the one definition of
    what a signature covers (the bench's bulk loader passes unsaved rows)."""
    return (
        {
            "format": HASH_FORMAT,
            "treatment": treatment.pk,
            "visit": treatment.visit_id,
            "patient": patient_id,
            "plan": treatment.plan_id,
            "product": treatment.product.code,
            "wasted_units": str(treatment.wasted_units),
            "aftercare_given": treatment.aftercare_given,
            "notes": treatment.notes,
            "consent": consent_sha,
            "injections": [
                {
                    "muscle": i.muscle.code,
                    "side": i.side,
                    "x": str(i.x) if i.x is not None else None,
                    "y": str(i.y) if i.y is not None else None,
                    "units": str(i.units),
                    "lot": i.vial.lot.number if i.vial else None,
                    "vial": i.vial_id,
                    "reconstituted_at": _utc(i.vial.reconstituted_at) if i.vial else None,
                    "note": i.note,
                }
                for i in injections
            ],
            "adverse_events": [
                {"kind": e.kind, "severity": e.severity, "note": e.note} for e in adverse_events
            ],
            "signed_by": treatment.signed_by_id,
            "signed_at": _utc(treatment.signed_at),
            "review_days": treatment.review_days,
        }
        | _dose_part(treatment)
        | _timing_part(treatment)
    )


def _dose_part(treatment: Treatment) -> dict:
    """The dose checks at signing and their acknowledgment, signed with the chart. Left
    out when there are none, so charts signed before they were recorded still verify."""
    findings = getattr(treatment, "dose_findings", None)  # the bench passes plain rows
    acknowledgment = getattr(treatment, "dose_acknowledgment", "")
    if not findings and not acknowledgment:
        return {}
    return {"dose_findings": findings or [], "dose_acknowledgment": acknowledgment}


def _timing_part(treatment: Treatment) -> dict:
    """A touch-up outside its window (charting.review_timing) and its written reason,
    signed with it. Left out when there is none, so every other chart verifies as before."""
    finding = getattr(treatment, "timing_finding", None)  # the bench passes plain rows
    reason = getattr(treatment, "timing_reason", "")
    if not finding and not reason:
        return {}
    return {"timing_finding": finding or {}, "timing_reason": reason}


def content_hash(treatment: Treatment) -> str:
    return hash_content(signed_content(treatment))


def hash_content(content: dict) -> str:
    """SHA-256 of a ``signed_content`` dict (bulk loaders that build the dict call it too)."""
    payload = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def verify(treatment: Treatment) -> bool:
    """True when the stored record still hashes to what was signed."""
    return treatment.is_signed and content_hash(treatment) == treatment.content_hash


def verify_rows(*, treatment: Treatment, injections, adverse_events, consents) -> bool:
    """``verify`` from rows a page or report already holds (no queries): the
    injections (muscle, vial and lot joined) in chart order, the adverse events, the
    visit's consents."""
    consent = consent_at_signing(consents, treatment.signed_at)
    content = content_of(
        treatment=treatment,
        patient_id=treatment.visit.patient_id,
        injections=sorted(injections, key=lambda i: (i.order, i.pk)),
        adverse_events=sorted(adverse_events, key=lambda e: (e.recorded_at, e.pk)),
        consent_sha=consent.signature_sha256 if consent else None,
    )
    return treatment.is_signed and hash_content(content) == treatment.content_hash


MISMATCH_MESSAGE = (
    "This record does not match its signature: it was changed after it was signed. "
    "Do not rely on it; the clinic admin has been told (audit log)."
)


def report_mismatch(*, treatment: Treatment, where: str) -> None:
    """Write the mismatch to the audit log (each read that finds one)."""
    record(
        action=Action.MISMATCH,
        obj=treatment,
        patient=treatment.visit.patient_id,
        detail={"where": where, "signed_at": _utc(treatment.signed_at)},
    )


@dataclass(frozen=True)
class Signed:
    treatment: Treatment
    review: Appointment | None
    review_message: str


def checklist(
    *,
    treatment: Treatment,
    consent,
    injections: list,
    screening_reason: str | None,
    at,
    used_for_others: Collection[int],
) -> list[str]:
    """What stops signing, from pieces the caller already fetched (no queries):
    ``used_for_others``, the vials of ``injections`` that other patients' charts use
    (``charting.lots.vials_used_for_other_patients``)."""
    problems = []
    if consent is None:
        problems.append("The patient has not signed a consent for this visit.")
    if not injections:
        problems.append("The chart has no injections.")
    if any(i.vial is None for i in injections):
        problems.append("Choose the vial (lot) for every injection.")
    reasons = {
        vial_refusal(vial=i.vial, product=treatment.product, at=at)
        or vial_patient_refusal(
            vial=i.vial, patient_id=treatment.visit.patient_id, used_for_others=used_for_others
        )
        for i in injections
        if i.vial
    }
    problems.extend(sorted(r for r in reasons if r))
    if screening_reason:
        problems.append(screening_reason)
    return problems


def is_touch_up_visit(visit) -> bool:
    """A chart on a review visit is a touch-up: the review signs it (and books no
    further review), never the chart page."""
    return visit.kind == VisitKind.REVIEW


def signing_refusals(*, treatment: Treatment, at: datetime.datetime, cycle_visit=None) -> list[str]:
    """Everything that stops this chart from being signed now (empty when it may be).
    ``cycle_visit``: the visit whose consent and screening cover it (a touch-up is
    covered by its cycle's treatment visit); the chart's own visit by default.
    The authority on vials: one another patient's chart uses (saved in another tab,
    or signed first) is refused here whatever the chart page allowed."""
    cycle_visit = cycle_visit or treatment.visit
    injections = list(treatment.injections.select_related("vial__lot__product"))
    return checklist(
        treatment=treatment,
        consent=consent_in_force(visit=cycle_visit),
        injections=injections,
        screening_reason=screening_refusal(visit=cycle_visit, product=treatment.product),
        at=at,
        used_for_others=vials_used_for_other_patients(
            vial_ids=[i.vial_id for i in injections], patient_id=treatment.visit.patient_id
        ),
    )


def record_dose_checks(*, treatment: Treatment, checks, acknowledgment: str) -> None:
    """Store the checks as they stood and the acknowledgment, just before ``seal``
    (which reads the row back and hashes them with the chart)."""
    Treatment.objects.filter(pk=treatment.pk).update(
        dose_findings=[c.as_dict() for c in checks if c.level != "info"],
        dose_acknowledgment=(acknowledgment or "").strip()
        if any(c.needs_ack for c in checks)
        else "",
    )


def confirm_signer(*, by: User, password: str, what: str) -> None:
    """Only an injector signs a clinical record, and confirms it with the password."""
    if not by.has_role(Role.INJECTOR):
        raise ChartingError(f"Only an injector signs {what}.")
    if not password or not by.check_password(password):
        raise ChartingError("The password is not correct.", field="password")


def seal(*, treatment: Treatment, by: User, at: datetime.datetime, review_days=None) -> Treatment:
    """The signing itself, once every check has passed: who and when, and the hash of
    what is signed, in one save; from then on the record is locked. Every way a chart
    is signed ends here (a treatment, a touch-up with its review, the demo data).
    The hash covers the values as stored (the row is read back first)."""
    treatment.refresh_from_db()
    treatment.signed_at, treatment.signed_by, treatment.review_days = at, by, review_days
    treatment.content_hash = content_hash(treatment)
    treatment.save()
    if not is_touch_up_visit(treatment.visit):  # its baseline too (planning.models.locking)
        treatment.visit.lock(at=at)
    if treatment.visit.kind == VisitKind.TREATMENT:
        end_earlier_cycles(treatment=treatment)
    return treatment


@transaction.atomic
def sign_treatment(
    *,
    treatment: Treatment,
    by: User,
    password: str,
    review_days: int = DEFAULT_REVIEW_DAYS,
    acknowledgment: str = "",
    now: datetime.datetime | None = None,
) -> Signed:
    """Sign and lock the chart, then book the review ``review_days`` (10–21) later.
    The dose rules are the authority here (planning.dose_rules): a block refuses the
    signature, a warning that needs one needs ``acknowledgment``; both are signed."""
    now = now or timezone.now()
    treatment = (
        Treatment.objects.select_for_update().select_related("visit__patient").get(pk=treatment.pk)
    )
    if treatment.is_signed:
        raise ChartingError(
            f"This chart was already signed by {treatment.signed_by} on "
            f"{timezone.localtime(treatment.signed_at):%b %-d, %Y %H:%M}."
        )
    if is_touch_up_visit(treatment.visit):
        raise ChartingError(TOUCH_UP_MESSAGE)
    confirm_signer(by=by, password=password, what="a treatment")
    if review_days not in REVIEW_DAYS:
        raise ChartingError(
            "Book the review 10 to 21 days after the treatment.", field="review_days"
        )
    problems = signing_refusals(treatment=treatment, at=now)
    lock_patient(treatment.visit.patient_id)  # a plan or chart of another tab waits
    checks = dose_checks(treatment=treatment)
    problems += refusals(checks, acknowledgment=acknowledgment)
    if problems:
        raise ChartingError(" ".join(problems))
    record_dose_checks(treatment=treatment, checks=checks, acknowledgment=acknowledgment)
    record_waste(treatment=treatment)  # what is left in its vials is waste
    review, review_message = None, ""
    try:  # the due review is recorded even when no time is free (book_review's savepoint)
        review = book_review(treatment=treatment, days=review_days, by=by)
    except NoFreeSlot as exc:
        review_message = str(exc)
    except SchedulingError as exc:
        review_message = f"The review was not booked: {exc}"
    seal(treatment=treatment, by=by, at=now, review_days=review_days)
    return Signed(treatment=treatment, review=review, review_message=review_message)


def may_add_addendum(*, treatment: Treatment, user: User) -> bool:
    return treatment.is_signed and (user.pk == treatment.signed_by_id or user.has_role(Role.ADMIN))


@transaction.atomic
def add_addendum(*, treatment: Treatment, reason: str, text: str, by: User) -> Addendum:
    """A correction or late note under the signed chart; the original stays as signed."""
    reason, text = " ".join((reason or "").split()), (text or "").strip()
    if not treatment.is_signed:
        raise ChartingError("The chart is not signed yet: correct it directly.")
    if not may_add_addendum(treatment=treatment, user=by):
        raise ChartingError("Only the injector who signed or a clinic admin adds an addendum.")
    if not reason:
        raise ChartingError("Say why you add this addendum.", field="reason")
    if not text:
        raise ChartingError("Write the addendum.", field="text")
    return Addendum.objects.create(
        treatment=treatment, reason=reason[:200], text=text, created_by=by
    )
