"""Signing a treatment, and addenda under a signed one.

Signing checks everything a legal treatment record needs (consent in force,
injections with usable vials, the screening, the injector's password), stores
who signed, when, and the keyed seal of the signed content (``charting.seal``:
what it covers, the snapshot of the names shown, the check on every read), and books the
two-week review through ``charting.due_reviews.book_review`` (called here,
explicitly). From then on the model layer refuses every change
(``charting.models.locking``); corrections are addenda.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from clinic.errors import NoFreeSlot, SchedulingError
from clinic.models import Appointment, User
from clinic.roles import Role
from planning.choices import VisitKind
from planning.dose_rules import lock_patient, refusals
from planning.models import NotTreated

from . import prerender
from .chart import dose_checks, screening_refusal
from .consent import consent_in_force
from .due_reviews import DEFAULT_REVIEW_DAYS, REVIEW_DAYS, book_review, end_earlier_cycles
from .errors import ChartingError
from .lots import record_waste, vial_patient_refusal, vial_refusal, vials_used_for_other_patients
from .models import Addendum, Treatment
from .seal import record_seal, seal_fields

TOUCH_UP_MESSAGE = "Touch-ups are signed with the review."


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
    """The signing itself, once every check has passed: who and when, the snapshot of
    the names it shows and the keyed seal of what is signed, in one save; from then on
    the record is locked. Every way a chart is signed ends here (a treatment, a
    touch-up with its review, the demo data). The seal covers the values as stored
    (the row is read back first)."""
    treatment.refresh_from_db()
    treatment.signed_at, treatment.signed_by, treatment.review_days = at, by, review_days
    seal_fields(treatment)
    treatment.save()
    record_seal(treatment)  # the seal in the audit chain, which the anchors pin down
    if not is_touch_up_visit(treatment.visit):  # its baseline too (planning.models.locking)
        treatment.visit.lock(at=at)
    if treatment.visit.kind == VisitKind.TREATMENT:
        end_earlier_cycles(treatment=treatment)
    return treatment


NOT_TREATED_MESSAGE = (
    "This visit is recorded as not treated today: a treatment cannot be signed on it."
)


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
    if NotTreated.objects.filter(visit_id=treatment.visit_id).exists():
        problems.append(NOT_TREATED_MESSAGE)  # planning.not_treated, under the same lock
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
    prerender.treatment_signed(treatment=treatment)  # its parts laid out after commit
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
    addendum = Addendum.objects.create(
        treatment=treatment, reason=reason[:200], text=text, created_by=by
    )
    prerender.addendum_added(addendum=addendum)  # a new key for the treatment's parts
    return addendum
