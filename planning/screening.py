"""Screening rules over the questions of ``planning.screening_questions``.

Each yes answer becomes a finding with the question's level (block, warn or
info), source (label or practice) and message. Two findings come from records rather than
answers: age under 18 (from the date of birth) and toxin in the last 90 days
(from our own records, ``last_toxin_date``). A finding may be scoped to
products (cow's-milk protein allergy blocks Dysport only).

``record_screening`` / ``confirm_no_change`` evaluate the rules and store the
outcome and findings with the screening, so every later clinical screen of the
visit shows the same reasons until a new screening replaces them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import cached_property

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import treatment_history
from .choices import Outcome, Source
from .models import Product, Screening, Visit
from .screening_questions import BLOCK, INFO, QUESTIONS, WARN, Question

__all__ = [
    "BLOCK",
    "INFO",
    "QUESTIONS",
    "WARN",
    "Question",
    "ScreeningState",
    "acknowledge",
    "blocks_for_product",
    "confirm_no_change",
    "evaluate",
    "last_toxin_date",
    "outcome_text",
    "product_exceptions",
    "record_screening",
    "screening_state",
]

RETREATMENT_DAYS = 90  # [label] not more often than every 3 months
ADULT_AGE = 18  # [label] not for under-18s


QUESTIONS_BY_CODE = {q.code: q for q in QUESTIONS}


@dataclass(frozen=True)
class Finding:
    code: str
    level: str
    message: str
    source: str
    products: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "level": self.level,
            "message": self.message,
            "source": str(self.source),
            "products": list(self.products),
        }


@dataclass
class Evaluation:
    outcome: str
    findings: list[Finding] = field(default_factory=list)


def last_toxin_date(*, patient, before: datetime.date) -> datetime.date | None:
    """The date of the patient's last main session before ``before``, ours or
    patient-reported (``planning.treatment_history``; a touch-up never restarts it)."""
    return treatment_history.last_toxin_date(patient=patient, before=before)


def evaluate(
    *,
    answers: dict[str, bool],
    patient,
    on: datetime.date,
    product: Product | None = None,
) -> Evaluation:
    """Apply the rules to answers for a patient seen on ``on``.

    ``product``: when known, a product-scoped block (cow's milk → Dysport)
    blocks the visit if it names the product; when unknown it is listed as a
    restriction without blocking the visit.
    """
    missing = [q.code for q in QUESTIONS if q.code not in answers]
    if missing:
        raise ValueError(f"Unanswered questions: {missing}")
    findings: list[Finding] = []
    for question in QUESTIONS:
        if answers[question.code]:
            findings.append(
                Finding(
                    question.code,
                    question.level,
                    question.message,
                    question.source,
                    question.products,
                )
            )
    age = patient.age_on(on)
    if age < ADULT_AGE:
        findings.append(
            Finding("under_18", BLOCK, f"Age {age}: not for patients under 18.", Source.LABEL)
        )
    last = treatment_history.last_session(patient=patient, before=on)
    if last is not None and (on - last.on).days < RETREATMENT_DAYS:
        findings.append(
            Finding(
                "toxin_in_our_records",
                WARN,
                f"Toxin {(on - last.on).days} days ago: {last.describe()}; "
                f"retreatment under {RETREATMENT_DAYS} days.",
                Source.LABEL,
            )
        )
    return Evaluation(outcome=_outcome(findings, product), findings=findings)


def _applies(finding: Finding, product: Product | None) -> bool:
    """Whether a finding's block applies to the visit as a whole."""
    if not finding.products:
        return True
    return product is not None and product.code in finding.products


def _outcome(findings: list[Finding], product: Product | None) -> str:
    if any(f.level == BLOCK and _applies(f, product) for f in findings):
        return Outcome.BLOCK
    if any(f.level == WARN for f in findings):
        return Outcome.WARN
    return Outcome.CLEAR


def blocks_for_product(*, screening: Screening, product: Product) -> list[dict]:
    """The findings of a screening that forbid treating with ``product``
    (every unscoped block, plus the blocks scoped to this product)."""
    return [
        f
        for f in screening.findings
        if f["level"] == BLOCK and (not f.get("products") or product.code in f["products"])
    ]


def product_restrictions(screening: Screening) -> list[dict]:
    """Product-scoped blocks (e.g. no Dysport), listed on every clinical screen."""
    return [f for f in screening.findings if f["level"] == BLOCK and f.get("products")]


@dataclass(frozen=True)
class ProductException:
    """A product-scoped block with the brands it names, e.g. Dysport and its reason."""

    brands: str
    message: str
    source: str


def product_exceptions(screening: Screening) -> list[ProductException]:
    """The screening's product-scoped blocks with their brands (one query, none when
    it has no such block). A screening with one is "clear except for" those
    products, never plainly clear."""
    restrictions = product_restrictions(screening)
    if not restrictions:
        return []
    codes = {code for f in restrictions for code in f["products"]}
    brands = dict(
        Product.objects.filter(code__in=codes).values_list("code", "brand")
    )  # query: the brands the blocks name
    return [
        ProductException(
            brands=", ".join(brands.get(code, code) for code in f["products"]),
            message=f["message"],
            source=f["source"],
        )
        for f in restrictions
    ]


def outcome_text(screening: Screening) -> str:
    """The outcome in words: "Clear except for: Dysport" when only some products are
    blocked, else the outcome's name."""
    if screening.outcome == Outcome.CLEAR:
        exceptions = product_exceptions(screening)
        if exceptions:
            return "Clear except for: " + ", ".join(e.brands for e in exceptions)
    return screening.get_outcome_display()


@transaction.atomic
def record_screening(
    *,
    visit: Visit,
    by,
    answers: dict[str, bool],
    allergies: str = "",
    medicines: str = "",
    notes: str = "",
    confirms: Screening | None = None,
    now: datetime.datetime | None = None,
) -> Screening:
    visit.refuse_if_locked("screening")  # signed: the screening it was given on stays
    unknown = set(answers) - set(QUESTIONS_BY_CODE)
    if unknown:
        raise ValidationError(f"Unknown questions: {sorted(unknown)}")
    result = evaluate(answers=answers, patient=visit.patient, on=visit.date)
    screening = Screening(
        visit=visit,
        answered_by=by,
        answered_at=now or timezone.now(),
        answers={code: bool(value) for code, value in answers.items()},
        allergies=allergies,
        medicines=medicines,
        notes=notes,
        confirms=confirms,
        outcome=result.outcome,
        findings=[f.as_dict() for f in result.findings],
    )
    screening.full_clean()
    screening.save()
    return screening


def confirm_no_change(*, visit: Visit, by, previous: Screening) -> Screening:
    """Reuse an earlier screening's answers for this visit, as the injector confirmed.

    The rules run again for this visit's date (age, 90 days), and the new row
    points to the screening it confirms.
    """
    visit.refuse_if_locked("screening")
    if previous.visit.patient_id != visit.patient_id:
        raise ValidationError("That screening belongs to another patient.")
    answers = {q.code: bool(previous.answers.get(q.code, False)) for q in QUESTIONS}
    if set(QUESTIONS_BY_CODE) - set(previous.answers):
        raise ValidationError(
            "The earlier screening does not answer every current question: answer again."
        )
    return record_screening(
        visit=visit,
        by=by,
        answers=answers,
        allergies=previous.allergies,
        medicines=previous.medicines,
        notes=previous.notes,
        confirms=previous,
    )


@transaction.atomic
def acknowledge(*, screening: Screening, by, note: str) -> Screening:
    screening.visit.refuse_if_locked("screening")
    note = note.strip()
    if not note:
        raise ValidationError({"note": "Write what you discussed and why you go ahead."})
    if screening.outcome != Outcome.WARN:
        raise ValidationError("Only a screening with warnings needs an acknowledgment.")
    screening.acknowledged_by = by
    screening.acknowledged_at = timezone.now()
    screening.acknowledgment = note
    screening.save(update_fields=["acknowledged_by", "acknowledged_at", "acknowledgment"])
    return screening


@dataclass
class ScreeningState:
    """Where a visit stands on screening, for the banner of every clinical screen."""

    visit: Visit
    current: Screening | None  # this visit's latest screening, taken on or after its date
    previous: Screening | None = None  # the one to confirm "no change", when none is current

    @property
    def blocked(self) -> bool:
        return self.current is not None and self.current.is_blocked

    @property
    def needs_screening(self) -> bool:
        return self.current is None

    @property
    def needs_acknowledgment(self) -> bool:
        c = self.current
        return c is not None and c.outcome == Outcome.WARN and not c.is_acknowledged

    @property
    def allows_exam(self) -> bool:
        """Movement map and photos: screened and not blocked."""
        return self.current is not None and not self.current.is_blocked

    @property
    def allows_planning(self) -> bool:
        return self.current is not None and self.current.allows_planning

    @property
    def blocks(self) -> list[dict]:
        if not self.current:
            return []
        return [f for f in self.current.findings if f["level"] == BLOCK and not f.get("products")]

    @property
    def warnings(self) -> list[dict]:
        return self.current.findings_at(WARN) if self.current else []

    @property
    def restrictions(self) -> list[dict]:
        return product_restrictions(self.current) if self.current else []

    @cached_property
    def exceptions(self) -> list[ProductException]:
        """The products the current screening blocks while clearing the others."""
        return product_exceptions(self.current) if self.current else []


def is_current(screening: Screening, visit: Visit) -> bool:
    answered_on = timezone.localdate(screening.answered_at)
    return screening.visit_id == visit.pk and answered_on >= visit.date


_UNREAD = object()


def screening_state(*, visit: Visit, latest=_UNREAD) -> ScreeningState:
    """One query when the visit has a current screening, two when it has not.

    The visit is the caller's: this visit's screenings are read without joining
    it again (issue 22), and each gets the visit in hand as its ``visit``. The
    rules read nothing stale from it: ``refuse_if_locked`` reads the lock fresh.
    ``latest``: this visit's latest screening (``Screening.objects.latest_first()``,
    with who answered and acknowledged it; None when it has none) when the caller
    read it in this request with its own rows (the signed chart page: one query
    less), else read here.
    """
    by = ("answered_by", "acknowledged_by")
    if latest is _UNREAD:
        latest = (
            Screening.objects.filter(visit_id=visit.pk).select_related(*by).latest_first().first()
        )  # query: this visit's latest screening
    if latest is not None:
        latest.visit = visit  # the row its visit_id names, already in hand
    if latest is not None and is_current(latest, visit):
        return ScreeningState(visit=visit, current=latest)
    previous = (
        Screening.objects.filter(visit__patient_id=visit.patient_id)
        .select_related("visit", *by)
        .latest_first()
        .first()
    )  # query: the patient's latest screening, to confirm "no change"
    return ScreeningState(visit=visit, current=None, previous=previous)
