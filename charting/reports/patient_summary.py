"""The plan in plain words: the patient's own summary of a treatment visit (issue 20).

From the visit's signed treatment (the units given), else its final plan (the units
planned), and the movement map's grades (``planning.movement.strongest_grades``):
for each treated muscle its name and lay words, the units per side and the reason
for any difference ("your right frown muscle pulls harder, so it gets 2 units
more"), what is deliberately left untreated and why, the product, the review date;
a timeline (first 48 hours, days 2–5, week 2 and the review, how long each area
lasts and when the next treatment is due, the warning signs); and the answers to
the five questions a patient should ask, from this patient's data.

Every sentence comes from ``reports.SummaryWording`` (the clinic's, edited in the
Django admin; ``summary_wording.DEFAULTS`` stand in); nothing is generated. Sides
are said through ``planning.sides`` ("your right"), never another convention.

Doors: the summary page (``reports.views.patient_summary``, injector and clinic
admin; the front desk is refused), its PDF (``Kind.PATIENT_SUMMARY``, Celery), the
aftercare page and email (the timeline), the Django admin (the wording and the
durations, not the summary).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from charting.models import DueReview, Treatment
from charting.recall_timing import (
    GENERAL_DAYS,
    MIN_INTERVAL_DAYS,
    DurationTable,
    observed_interval,
    recall_window,
)
from charting.review_timing import DEFAULT_REVIEW_DAYS, treated_day
from planning import sides
from planning.dosing import totals_by_muscle_side
from planning.models import Muscle, TreatmentPlan, Visit
from planning.movement import baseline_observations, latest_map, strongest_grades
from planning.units import format_units

from .errors import ReportRefused
from .models import SummaryWording
from .review_answer import dislike_answer, findings_of
from .summary_wording import DEFAULTS, fill

NOTHING_TO_EXPLAIN = (
    "This visit has no final plan and no signed treatment yet: finalize the plan first, "
    "then the patient's summary can explain it."
)
ONSET_DAYS = (2, 5)
FIRST_HOURS = 48
DAYS_PER_MONTH = 30  # the durations are kept in days, 30 a month (planning 0009)
OTHER_AREAS = "Other treated areas"
# [practice] The lateral third of the forehead holds the brow tail: a frontalis point
# left of 120 or right of 280 on the 400-wide diagram (planning.face) treats it.
LATERAL_FRONTALIS_X = (Decimal("0.30"), Decimal("0.70"))
# A muscle left untreated is named when the map graded it moving this much or more.
MOVES = 2


@dataclass
class Area:
    muscle: Muscle
    lay: str
    doses: str  # "Your right: 10 units; your left: 8 units." (R before L, planning.sides)
    reason: str
    asymmetric: bool


@dataclass
class Step:
    when: str
    text: str
    urgent: bool = False


@dataclass
class Summary:
    visit: Visit
    patient: object
    product: object
    signed: bool
    treated_on: datetime.date
    review_on: datetime.date
    areas: list[Area]
    kept: list[str]
    timeline: list[Step]
    questions: list[tuple[str, str]]
    total_units: str
    wording: dict = field(repr=False, default_factory=dict)


def units_words(value) -> str:
    value = Decimal(value)
    return f"{format_units(value)} unit{'' if value == 1 else 's'}"


def months_words(low: Decimal, high: Decimal) -> str:
    if low == high:
        return f"{format_units(low)} months"
    return f"{format_units(low)}–{format_units(high)} months"


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def day_words(day: datetime.date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


class Wording:
    """The clinic's sentences (one query), filled by ``summary_wording.fill``."""

    def __init__(self, rows=None):
        rows = SummaryWording.objects.all() if rows is None else rows
        self.texts = {**DEFAULTS, **{(r.kind, r.key): r.text for r in rows}}

    def has(self, kind: str, key: str) -> bool:
        return (kind, key) in self.texts

    def __call__(self, kind: str, key: str, **values) -> str:
        return fill(self.texts.get((kind, key), ""), kind=kind, key=key, **values)


# --- what was given or planned --------------------------------------------------------


def _source(visit: Visit) -> tuple[list, object, bool, Treatment | None]:
    """(points, product, signed, treatment): the signed treatment's injections, else the
    visit's latest final plan's points."""
    treatment = (
        Treatment.objects.signed()
        .filter(visit=visit)
        .select_related("product", "visit__location")
        .prefetch_related("injections__muscle")
        .first()
    )
    if treatment is not None:
        return list(treatment.injections.all()), treatment.product, True, treatment
    plan = (
        TreatmentPlan.objects.final()
        .filter(visit=visit, visit__not_treated__isnull=True)  # a plan not given explains nothing
        .select_related("product")
        .prefetch_related("points__muscle")
        .order_by("-finalized_at", "-id")
        .first()
    )
    if plan is None:
        raise ReportRefused(NOTHING_TO_EXPLAIN)
    return list(plan.points.all()), plan.product, False, None


def review_day(*, visit: Visit, treatment: Treatment | None, treated_on: datetime.date):
    """The booked review's day (a signed treatment's due review), else day 14."""
    if treatment is not None:
        due = DueReview.objects.filter(treatment=treatment).values_list("due_on", flat=True)
        if due := due.first():
            return due
    return treated_on + datetime.timedelta(days=DEFAULT_REVIEW_DAYS)


# --- the sentences --------------------------------------------------------------------


def reason_for(*, row, grades: dict, short: str, wording: Wording) -> tuple[str, bool]:
    """The reason sentence for a muscle's units per side, and whether they differ."""
    muscle = row.muscle
    if not muscle.paired:
        return wording("reason", "midline", units=units_words(row.centre)), False
    right, left = row.right, row.left
    grade_r, grade_l = grades.get((muscle.pk, sides.RIGHT)), grades.get((muscle.pk, sides.LEFT))
    if right == left:
        return wording("reason", "equal", units=units_words(right), short=short), False
    more = sides.RIGHT if right > left else sides.LEFT
    less = sides.other(more)
    values = {
        "your_side": sides.to_patient(more),
        "Your_side": capital(sides.to_patient(more)),
        "your_other_side": sides.to_patient(less),
        "short": short,
        "amount": units_words(abs(right - left)),
        "units": units_words(max(right, left)),
    }
    stronger = sides.stronger(grade_l, grade_r)
    if min(right, left) == 0:
        key = "one_side" if stronger == more else "one_side_plain"
        return wording("reason", key, **values), True
    key = "stronger" if stronger == more else "balance"
    return wording("reason", key, **values), True


def _areas(points, grades, wording: Wording) -> list[Area]:
    areas = []
    for row in totals_by_muscle_side(points):
        code = row.muscle.code
        short = wording("short", code) or row.muscle.name.lower()
        reason, asymmetric = reason_for(row=row, grades=grades, short=short, wording=wording)
        # "Your right: 10 units; your left: 8 units." (a midline muscle's units are its
        # reason's sentence, "4 units in the middle.")
        per_side = "; ".join(
            f"{sides.to_patient(side)}: {units_words(sides.of_side(row, side))}"
            for side in sides.ORDER
            if sides.of_side(row, side) and row.muscle.paired
        )
        areas.append(
            Area(
                muscle=row.muscle,
                lay=wording("muscle", code),
                doses=capital(per_side) + "." if per_side else "",
                reason=reason,
                asymmetric=asymmetric,
            )
        )
    return areas


def lateral_frontalis_kept(points) -> bool:
    """Frontalis treated, its lateral part (FRONTL, the brow tail) not: no FRONTL point,
    and no medial point drawn in the lateral thirds (a record from before frontalis
    was charted in segments, planning 0013)."""
    if any(p.muscle.code == "FRONTL" for p in points):
        return False
    front = [p for p in points if p.muscle.code == "FRONT"]
    low, high = LATERAL_FRONTALIS_X
    return bool(front) and all(
        getattr(p, "x", None) is None or low <= Decimal(p.x) <= high for p in front
    )


def _kept(points, grades, muscles_by_id, wording: Wording) -> list[str]:
    treated = {p.muscle.code for p in points}
    kept = []
    if lateral_frontalis_kept(points):
        kept.append(wording("kept", "FRONT-lateral"))
    moving = {
        muscles_by_id[muscle_id].code
        for (muscle_id, _side), grade in grades.items()
        if grade >= MOVES and muscle_id in muscles_by_id
    }
    for muscle in sorted(muscles_by_id.values(), key=lambda m: (m.order, m.code)):
        code = muscle.code
        if code in moving and code not in treated and wording.has("kept", code):
            kept.append(wording("kept", code))
    return kept


# --- the timeline ---------------------------------------------------------------------


@dataclass
class Lasting:
    area: str
    low: Decimal
    high: Decimal
    next_on: datetime.date


def durations_for(*, muscles, product, treated_on: datetime.date, patient=None) -> list[Lasting]:
    """How long each treated area lasts and when its next treatment is due, from the one
    table of durations (``planning.EffectDuration`` through ``charting.recall_timing``:
    a row of the product, e.g. Daxxify, wins over the area's general row); a muscle no
    row covers lasts the general 3–4 months. Never before the 90-day retreatment
    interval (``recall_timing.MIN_INTERVAL_DAYS``). With ``patient`` and three or more
    cycles of their own, the next treatment is the recall window's (their observed
    interval, ``recall_timing.recall_window``), as on the plan and history pages.
    Two queries, three with ``patient``."""
    table = DurationTable.load()
    found: dict[str, Lasting] = {}
    for muscle in muscles:
        rows = table.rows_for(product_id=product.pk if product else None, muscle_ids=[muscle.pk])
        spans = [(r.patient_words or r.area, r.min_days, r.max_days) for r in rows] or [
            (OTHER_AREAS, *GENERAL_DAYS)
        ]
        for area, low, high in spans:
            days = max(MIN_INTERVAL_DAYS, low)
            found.setdefault(
                area,
                Lasting(
                    area,
                    Decimal(low) / DAYS_PER_MONTH,
                    Decimal(high) / DAYS_PER_MONTH,
                    treated_on + datetime.timedelta(days=days),
                ),
            )
    own = _own_window(patient, product, muscles, treated_on, table) if patient else None
    if own is not None:
        for row in found.values():
            row.next_on = own.opens
    return sorted(found.values(), key=lambda r: (r.next_on, r.area))


def _own_window(patient, product, muscles, treated_on: datetime.date, table):
    """The recall window by the patient's observed interval (their signed main
    treatments up to ``treated_on``), or None below ``recall_timing.OBSERVED_CYCLES``."""
    started = (
        Treatment.objects.signed()
        .for_patient(patient)
        .filter(touch_up_of__isnull=True)
        .values_list("started_at", flat=True)
    )
    days = {timezone.localdate(t) for t in started} | {treated_on}
    days = {d for d in days if d <= treated_on}
    if observed_interval(days) is None:
        return None
    return recall_window(
        treated_on=treated_on,
        product_id=product.pk if product else None,
        muscle_ids=[m.pk for m in muscles],
        cycle_days=days,
        table=table,
    )


def timeline(
    *, treated_on: datetime.date, review_on: datetime.date, lasting: list[Lasting], wording
) -> list[Step]:
    """What to expect, when: dated steps in the patient's words."""
    onset_from, onset_to = (treated_on + datetime.timedelta(days=d) for d in ONSET_DAYS)
    first_end = treated_on + datetime.timedelta(hours=FIRST_HOURS)
    steps = [
        Step(
            f"First 48 hours ({day_words(treated_on)} to {day_words(first_end)})",
            wording("timeline", "first_48h"),
        ),
        Step(
            f"Days 2–5 ({day_words(onset_from)} to {day_words(onset_to)})",
            wording("timeline", "onset"),
        ),
        Step(f"Week 2 ({day_words(review_on)})", wording("timeline", "week2")),
    ]
    for row in lasting:
        steps.append(
            Step(
                f"From {day_words(row.next_on)}",
                wording(
                    "timeline",
                    "area",
                    area=row.area,
                    lasts=months_words(row.low, row.high),
                    next_date=day_words(row.next_on),
                ),
            )
        )
    steps.append(Step("At any time", wording("timeline", "warning"), urgent=True))
    return steps


def timeline_for_treatment(*, treatment: Treatment) -> list[Step]:
    """The timeline of a charted treatment (the aftercare page and email)."""
    wording = Wording()
    treated_on = treated_day(treatment)
    review_on = review_day(visit=treatment.visit, treatment=treatment, treated_on=treated_on)
    muscles = {i.muscle for i in treatment.injections.select_related("muscle")}
    lasting = durations_for(
        muscles=muscles,
        product=treatment.product,
        treated_on=treated_on,
        patient=treatment.visit.patient,
    )
    return timeline(treated_on=treated_on, review_on=review_on, lasting=lasting, wording=wording)


# --- the questions --------------------------------------------------------------------


def _questions(
    *, areas, kept, points, review_on, lasting, treated_on, wording, findings=None
) -> list:
    review = day_words(review_on)
    asymmetric = [a.reason for a in areas if a.asymmetric]
    sides_answer = " ".join(asymmetric) or wording("answer", "sides-even")
    treated = {p.muscle.code for p in points}
    if lateral_frontalis_kept(points):
        brows = wording("kept", "FRONT-lateral")
    elif treated & {"FRONT", "FRONTL"}:
        brows = wording("answer", "brows-treated", review_date=review)
    else:
        brows = wording("kept", "FRONT")
    lasts = "; ".join(f"{row.area.lower()} {months_words(row.low, row.high)}" for row in lasting)
    onset_from, onset_to = (treated_on + datetime.timedelta(days=d) for d in ONSET_DAYS)
    next_on = min((row.next_on for row in lasting), default=treated_on)
    return [
        (wording("question", "sides"), sides_answer),
        (wording("question", "brows"), brows),
        (wording("question", "review"), wording("answer", "review", review_date=review)),
        (
            wording("question", "when"),
            wording(
                "answer",
                "when",
                review_date=review,
                onset_from=day_words(onset_from),
                onset_to=day_words(onset_to),
                lasts=lasts,
            ),
        ),
        (
            wording("question", "dislike"),
            dislike_answer(
                findings=findings, wording=wording, review_date=review, next_date=day_words(next_on)
            ),
        ),
    ]


def build_summary(*, visit: Visit) -> Summary:
    """The patient's summary of ``visit``; ``ReportRefused`` when there is nothing to
    explain (no final plan, no signed treatment)."""
    points, product, signed, treatment = _source(visit)
    if not points:
        raise ReportRefused(NOTHING_TO_EXPLAIN)
    treated_on = treated_day(treatment) if treatment is not None else visit.date
    review_on = review_day(visit=visit, treatment=treatment, treated_on=treated_on)
    wording = Wording()
    grades = strongest_grades(baseline_observations(latest_map(visit=visit)))
    muscles_by_id = Muscle.objects.in_bulk({muscle_id for muscle_id, _ in grades})
    areas = _areas(points, grades, wording)
    kept = _kept(points, grades, muscles_by_id, wording)
    muscles = {p.muscle for p in points}
    lasting = durations_for(
        muscles=muscles, product=product, treated_on=treated_on, patient=visit.patient
    )
    total = sum((Decimal(p.units) for p in points), Decimal(0))
    return Summary(
        visit=visit,
        patient=visit.patient,
        product=product,
        signed=signed,
        treated_on=treated_on,
        review_on=review_on,
        areas=areas,
        kept=kept,
        timeline=timeline(
            treated_on=treated_on, review_on=review_on, lasting=lasting, wording=wording
        ),
        questions=_questions(
            areas=areas,
            kept=kept,
            points=points,
            review_on=review_on,
            lasting=lasting,
            treated_on=treated_on,
            wording=wording,
            findings=findings_of(treatment),  # the cycle's review, when there is one
        ),
        total_units=units_words(total),
    )


def latest_explained_visit(*, patient) -> Visit | None:
    """The patient's latest visit that has a summary: a signed treatment or a final plan
    (one query); the patient page links to its summary."""
    return (
        Visit.objects.not_cancelled()
        .filter(patient=patient)
        .filter(Q(treatment__signed_at__isnull=False) | Q(plans__status="final"))
        .order_by("-date", "-id")
        .first()
    )


def summary_context(*, visit: Visit) -> dict:
    summary = build_summary(visit=visit)
    return {"summary": summary, "patient": summary.patient, "visit": visit}
