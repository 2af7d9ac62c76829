"""A patient's cycles (treatment + review + touch-up) per product, muscle and side.

A cycle is one signed treatment, its review and the review's signed
touch-up. Units are grouped by product and never added across products.
``cycles_by_product(patient=...)`` runs a constant number of queries (see the comments).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from charting import recall_timing
from charting.models import Injection, Treatment
from clinic import statements
from planning import sides
from planning.models import Muscle

from .baseline import treated_sides
from .charts import CycleChart, cycle_chart
from .choices import IMPLICATED_MUSCLES, SideEffectKind
from .models import Finding, Review, SideEffect
from .suggestions import CycleFacts, Suggestion, suggest

ZERO = Decimal("0")


def implicates(effect: SideEffect, *, muscle: Muscle, side: str, treated: set) -> bool:
    """Whether a side effect points at this muscle and side (lowering its next dose)."""
    if effect.side and effect.side != side:
        return False
    if effect.muscle_id:
        return effect.muscle_id == muscle.pk
    if effect.kind == SideEffectKind.ASYMMETRY:
        return (muscle.pk, side) in treated
    return muscle.code in IMPLICATED_MUSCLES.get(effect.kind, frozenset())


@dataclass
class Cell:
    """One muscle and side in one cycle."""

    muscle: Muscle
    side: str
    original: Decimal = ZERO
    touch_up: Decimal = ZERO
    baseline: int | None = None
    residual: int | None = None
    side_effects: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return self.original + self.touch_up

    @property
    def facts(self) -> CycleFacts:
        return CycleFacts(
            original=self.original,
            touch_up=self.touch_up,
            baseline=self.baseline,
            residual=self.residual,
            side_effects=tuple(self.side_effects),
        )


@dataclass
class Cycle:
    treatment: Treatment
    review: Review | None
    cells: dict[tuple[str, str], Cell]

    @property
    def touch_up_units(self) -> Decimal:
        return sum((c.touch_up for c in self.cells.values()), ZERO)


def build_cells(
    *, injections, touch_ups=(), findings=(), side_effects=()
) -> dict[tuple[str, str], Cell]:
    """The cells of one cycle from its rows (objects with ``.muscle``), no queries."""
    cells: dict[tuple[str, str], Cell] = {}
    for t in treated_sides(injections):
        cells[(t.muscle.code, t.side)] = Cell(muscle=t.muscle, side=t.side)
    for i in injections:
        cells[(i.muscle.code, i.side)].original += i.units
    for i in touch_ups:
        cell = cells.setdefault((i.muscle.code, i.side), Cell(muscle=i.muscle, side=i.side))
        cell.touch_up += i.units
    for f in findings:
        cell = cells.get((f.muscle.code, f.side))
        if cell is not None:
            cell.baseline, cell.residual = f.baseline_grade, f.grade
    treated = {(c.muscle.pk, c.side) for c in cells.values()}
    for e in side_effects:
        for cell in cells.values():
            if implicates(e, muscle=cell.muscle, side=cell.side, treated=treated):
                cell.side_effects.append(e.get_kind_display())
    return cells


def cycles_for(*, patient, product=None) -> list[Cycle]:
    """The patient's signed treatments (of ``product`` only, when given), oldest first,
    with reviews and signed touch-ups.

    Queries: 1 treatments (with visit, product, review), 2 their injections,
    3 review findings, 4 review side effects, 5 touch-ups' injections.
    """
    muscle_rows = Injection.objects.select_related("muscle").order_by("order", "id")
    treatments = (
        Treatment.objects.signed()
        .for_patient(patient)
        .filter(touch_up_of__isnull=True)
        .select_related("visit", "product", "review__touch_up")
        .prefetch_related(
            Prefetch("injections", queryset=muscle_rows),
            Prefetch("review__findings", queryset=Finding.objects.select_related("muscle")),
            Prefetch("review__side_effects", queryset=SideEffect.objects.all()),
            Prefetch("review__touch_up__injections", queryset=muscle_rows),
        )
        .order_by("visit__date", "started_at")
    )
    if product is not None:
        treatments = treatments.filter(product=product)
    cycles = []
    for treatment in treatments:
        review = getattr(treatment, "review", None)
        touch_up = review.touch_up if review is not None else None
        signed_touch_up = touch_up is not None and touch_up.is_signed
        cells = build_cells(
            injections=list(treatment.injections.all()),
            touch_ups=list(touch_up.injections.all()) if signed_touch_up else [],
            findings=list(review.findings.all()) if review and review.is_signed else [],
            side_effects=list(review.side_effects.all()) if review and review.is_signed else [],
        )
        cycles.append(Cycle(treatment=treatment, review=review, cells=cells))
    return cycles


@dataclass
class Row:
    """One muscle and side of one product across cycles, with next cycle's suggestion."""

    muscle: Muscle
    side: str
    cells: list[tuple[Cycle, Cell | None]]
    suggestion: Suggestion | None
    chart: CycleChart | None


@dataclass
class ProductCycles:
    product: object
    cycles: list[Cycle]
    rows: list[Row]


def cycles_by_product(*, patient, product=None, charts: bool = True) -> list[ProductCycles]:
    """Per product (never mixed): its cycles and, per muscle and side, the series and
    next cycle's suggestion from the latest cycle that treated it. ``charts=False``
    leaves out each row's bar chart (the plan page shows only the suggestions)."""
    by_product: dict[int, list[Cycle]] = defaultdict(list)
    for cycle in cycles_for(patient=patient, product=product):
        by_product[cycle.treatment.product_id].append(cycle)
    result = []
    for cycles in by_product.values():
        keys: dict[tuple[str, str], Cell] = {}
        for cycle in cycles:
            keys.update(cycle.cells)
        ordered = sorted(
            keys.values(), key=lambda c: (c.muscle.order, c.muscle.code, sides.sort_key(c.side))
        )
        rows = []
        for cell in ordered:
            key = (cell.muscle.code, cell.side)
            series = [(cycle, cycle.cells.get(key)) for cycle in cycles]
            latest = next((c for _, c in reversed(series) if c is not None), None)
            caused = tuple(c.original for _, c in series if c is not None and c.side_effects)
            if latest is not None and latest.side_effects:
                caused = caused[:-1]  # the latest cycle's own dose is capped by the rule
            rows.append(
                Row(
                    muscle=cell.muscle,
                    side=cell.side,
                    cells=series,
                    suggestion=suggest(replace(latest.facts, caused_effects=caused))
                    if latest
                    else None,
                    chart=cycle_chart(series) if charts else None,
                )
            )
        result.append(ProductCycles(product=cycles[0].treatment.product, cycles=cycles, rows=rows))
    return result


def next_cycle_recall(*, products: list[ProductCycles], table=None):
    """When the next cycle is due (``charting.recall_timing``), from the latest cycle of
    any product: its areas and product, and every cycle's day for the patient's own
    interval. None without a signed treatment. Queries: the durations (2), unless
    ``table`` is given."""
    return recall_of([c.treatment for p in products for c in p.cycles], table=table)


def recall_of(treatments: list[Treatment], *, table=None):
    """The recall window of the patient's signed main treatments (touch-ups left out),
    their injections prefetched: the latest one's areas (units given) and product, every
    one's day for the patient's own interval; None without one. The one way the history
    page and the plan page (``next_cycle_for``) ask ``recall_timing.recall_window``."""
    if not treatments:
        return None
    latest = max(treatments, key=lambda t: t.started_at)
    return _window(
        started=[t.started_at for t in treatments],
        latest=latest.started_at,
        product_id=latest.product_id,
        muscle_ids={i.muscle_id for i in latest.injections.all() if i.units > 0},
        table=table or recall_timing.DurationTable.load(),
    )


def _window(*, started, latest, product_id, muscle_ids, table):
    return recall_timing.recall_window(
        treated_on=timezone.localdate(latest),
        product_id=product_id,
        muscle_ids=muscle_ids,
        cycle_days=[timezone.localdate(s) for s in started],
        table=table,
    )


# The patient's signed main treatments (a review's touch-up left out) with what next
# cycle's doses are made of (``starting_doses``: the seal, the review's id and signing,
# its touch-up's seal), and the latest one's muscles given units (``next_cycle_for``):
# one statement, two parts joined by UNION ALL (issue 22, fifth session: the plan page
# asked for them in three ORM queries, each costing more to compile than to run; the
# latest is picked as the ORM's order did: by start, then the higher id). Constant SQL
# with named parameters; the casts are CAST(... AS ...), the same statement on
# PostgreSQL and on the SQLite of `make run`.
_TREATMENTS_SQL = """
    SELECT CAST(%(treatment)s AS TEXT), t.id, t.started_at, t.product_id, t.content_hash,
           r.id, r.signed_at, tu.content_hash
    FROM charting_treatment t JOIN planning_visit v ON v.id = t.visit_id
    LEFT JOIN reviews_review r ON r.treatment_id = t.id
    LEFT JOIN charting_treatment tu ON tu.id = r.touch_up_id
    WHERE v.patient_id = %(patient)s AND t.signed_at IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM reviews_review o WHERE o.touch_up_id = t.id)"""
_LATEST_MUSCLES_SQL = """
    SELECT CAST(%(muscle)s AS TEXT), i.muscle_id, CAST(NULL AS TIMESTAMP WITH TIME ZONE),
           CAST(NULL AS INTEGER), CAST(NULL AS TEXT), CAST(NULL AS INTEGER),
           CAST(NULL AS TIMESTAMP WITH TIME ZONE), CAST(NULL AS TEXT)
    FROM charting_injection i
    WHERE i.units > 0 AND i.treatment_id = (
        SELECT t.id FROM charting_treatment t JOIN planning_visit v ON v.id = t.visit_id
        WHERE v.patient_id = %(patient)s AND t.signed_at IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM reviews_review o WHERE o.touch_up_id = t.id)
        ORDER BY t.started_at DESC, t.id DESC LIMIT 1)"""
# Each part as a subquery (SQLite allows no parenthesized SELECT in a UNION).
_SIGNED_MAIN_SQL = "".join((
    "SELECT * FROM (", _TREATMENTS_SQL, ") AS treatments UNION ALL ",
    "SELECT * FROM (", _LATEST_MUSCLES_SQL, ") AS muscles",
))  # fmt: skip


@dataclass(frozen=True)
class SignedTreatment:
    """A signed main treatment as next cycle's window and doses read it (plain values)."""

    pk: int
    started_at: datetime.datetime
    product_id: int
    content_hash: str
    review_pk: int | None
    review_signed_at: datetime.datetime | None
    touch_up_hash: str | None


@dataclass(frozen=True)
class SignedMain:
    """The patient's signed main treatments and the latest one's muscles given units."""

    treatments: list[SignedTreatment]
    latest_muscle_ids: set[int]

    def made_of(self, product_id: int) -> list[tuple]:
        """What next cycle's doses of a product are made of (``starting_doses``), by pk."""
        return [
            (t.pk, t.content_hash, t.review_pk, t.review_signed_at, t.touch_up_hash)
            for t in sorted(self.treatments, key=lambda t: t.pk)
            if t.product_id == product_id
        ]


def _aware(value):
    """A timestamp as PostgreSQL's driver gives it, aware (SQLite's raw cursor gives UTC
    without its zone, as a datetime or as text)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value, datetime.UTC)


def signed_main_treatments(*, patient) -> SignedMain:
    """The patient's signed main treatments, what their next cycle is made of, and the
    latest one's muscles given units (one query: ``_TREATMENTS_SQL`` and
    ``_LATEST_MUSCLES_SQL``)."""
    params = {"patient": patient.pk, "treatment": "treatment", "muscle": "muscle"}
    rows = statements.all_rows(_SIGNED_MAIN_SQL, params)
    treatments, muscle_ids = [], set()
    for tag, pk, started, product_id, content_hash, review_pk, review_signed, touch_up in rows:
        if tag == "muscle":
            muscle_ids.add(pk)
        else:
            treatments.append(
                SignedTreatment(
                    pk, _aware(started), product_id, content_hash,
                    review_pk, _aware(review_signed), touch_up,
                )
            )  # fmt: skip
    return SignedMain(treatments, muscle_ids)


def next_cycle_for(*, patient, signed: SignedMain | None = None):
    """The patient's next cycle window without building the cycles (the plan page,
    through ``planning.treatment_history.next_cycle``), as ``recall_of`` gives it.
    ``signed``: ``signed_main_treatments`` of the patient when the caller has read it,
    else read here (one query); the durations come from the reference cache (2 when
    loaded)."""
    if signed is None:
        signed = signed_main_treatments(patient=patient)
    if not signed.treatments:
        return None
    # the latest as the muscles' part picks it: by start, then the higher id
    latest = max(signed.treatments, key=lambda t: (t.started_at, t.pk))
    return _window(
        started=[t.started_at for t in signed.treatments],
        latest=latest.started_at,
        product_id=latest.product_id,
        muscle_ids=signed.latest_muscle_ids,
        table=recall_timing.DurationTable.cached(),
    )
