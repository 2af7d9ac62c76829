"""The treatment history of one patient: every visit in order, with what was
found, planned and given. Loads what it shows in a constant number of queries.

Charting (treatments, injections, reviews) adds to each visit through
``reports.treatments`` once that app is present; what the planning app holds
(screening, movement map, plans) is always shown.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Prefetch

from clinic.models import Patient
from planning import pull, sides
from planning.models import (
    Expression,
    InjectionPoint,
    Muscle,
    Observation,
    Screening,
    TreatmentPlan,
    Visit,
)

from . import treatments
from .totals import totals_of


@dataclass
class MapRow:
    """One muscle of a movement map: per expression, the grade on each side."""

    muscle: Muscle
    cells: list[dict]  # per expression (in order): {"L": g, "R": g, "C": g}
    strongest: dict[str, int | None]
    # The directions of pull recorded (planning.pull), one line per expression:
    # "Raise brows: Patient's R tail spikes up · Patient's L flat".
    directions: list[str] = field(default_factory=list)

    @property
    def difference(self) -> int | None:
        left, right = self.strongest.get("L"), self.strongest.get("R")
        if left is None or right is None:
            return None
        return left - right

    @property
    def difference_words(self) -> str:
        """The strongest grades' difference as the convention words it: "R +1", "even"."""
        return sides.difference(self.strongest.get("L"), self.strongest.get("R"), unit="")


@dataclass
class HistoryVisit:
    """One visit of the history and what hangs on it."""

    visit: Visit
    screening: Screening | None = None
    map_rows: list[MapRow] = field(default_factory=list)
    map_notes: str = ""
    plans: list[dict] = field(default_factory=list)  # {"plan", "points", "totals"}
    treatment: dict | None = None  # filled by reports.treatments
    review: dict | None = None  # the signed review of this visit's treatment (reports.treatments)
    touch_up_of: Visit | None = None  # a review visit: the visit of the treatment touched up
    unsigned_treatment: bool = False


def visits_in_range(
    *, patient: Patient, date_from: datetime.date | None, date_to: datetime.date | None
):
    visits = Visit.objects.for_patient(patient).not_cancelled()
    if date_from:
        visits = visits.filter(date__gte=date_from)
    if date_to:
        visits = visits.filter(date__lte=date_to)
    return visits


def export_patients(*, date_from: datetime.date, date_to: datetime.date):
    """Patients with a visit in the export's dates, by chart number."""
    ids = (
        Visit.objects.not_cancelled()
        .filter(date__gte=date_from, date__lte=date_to)
        .values("patient_id")
    )
    return Patient.objects.filter(pk__in=ids).order_by("chart_number")


def check_range(*, date_from: datetime.date | None, date_to: datetime.date | None) -> None:
    if date_from and date_to and date_to < date_from:
        raise ValidationError({"date_to": "The end date is before the start date."})


def _map_rows(observations: list[Observation], expressions, muscles) -> list[MapRow]:
    grades: dict[int, dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    pulls: dict[int, dict[int, dict[str, str]]] = defaultdict(lambda: defaultdict(dict))
    for o in observations:
        grades[o.muscle_id][o.expression_id][o.side] = o.grade
        if o.direction:
            pulls[o.muscle_id][o.expression_id][o.side] = o.direction
    rows = []
    for muscle in muscles:
        if muscle.pk not in grades:
            continue
        by_expression = grades[muscle.pk]
        strongest: dict[str, int | None] = {}
        for side in muscle.graded_sides:
            seen = [g[side] for g in by_expression.values() if side in g]
            strongest[side] = max(seen) if seen else None
        rows.append(
            MapRow(
                muscle=muscle,
                cells=[by_expression.get(e.pk, {}) for e in expressions],
                strongest=strongest,
                directions=[
                    f"{e.name}: {pull.directions_words(pulls[muscle.pk][e.pk])}"
                    for e in expressions
                    if pulls[muscle.pk].get(e.pk)
                ],
            )
        )
    return rows


def build_history(
    *,
    patient: Patient,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> dict:
    """The context of templates/pdf/history.html.

    Queries: visits (1), screenings (1), maps + observations (2), muscles (1),
    expressions (1), plans + points (2), and what ``treatments.attach`` adds
    (a constant number when charting is installed).
    """
    visits = list(
        visits_in_range(patient=patient, date_from=date_from, date_to=date_to)
        .select_related("location", "injector")
        .prefetch_related(
            Prefetch(
                "screenings",
                queryset=Screening.objects.select_related("answered_by").latest_first(),
            )
        )
        .order_by("date", "id")
    )
    if not visits:
        return {"patient": patient, "visits": [], "date_from": date_from, "date_to": date_to}
    visit_ids = [v.pk for v in visits]
    observations: dict[int, list[Observation]] = defaultdict(list)
    map_notes: dict[int, str] = {}
    for o in Observation.objects.filter(movement_map__visit_id__in=visit_ids).select_related(
        "movement_map"
    ):
        observations[o.movement_map.visit_id].append(o)
        map_notes[o.movement_map.visit_id] = o.movement_map.notes
    muscles = list(Muscle.objects.order_by("order", "code"))
    expressions = list(Expression.objects.order_by("order", "code"))
    plans_by_visit = _plans_by_visit(visit_ids)
    entries = []
    for visit in visits:
        screenings = list(visit.screenings.all())
        entries.append(
            HistoryVisit(
                visit=visit,
                screening=screenings[0] if screenings else None,
                map_rows=_map_rows(observations.get(visit.pk, []), expressions, muscles),
                map_notes=map_notes.get(visit.pk, ""),
                plans=plans_by_visit.get(visit.pk, []),
            )
        )
    treatments.attach(entries)
    return {
        "patient": patient,
        "visits": entries,
        "expressions": _shown_expressions(entries, expressions),
        "date_from": date_from,
        "date_to": date_to,
        "first_date": visits[0].date,
        "last_date": visits[-1].date,
    }


def _plans_by_visit(visit_ids: list[int]) -> dict[int, list[dict]]:
    """Each visit's plans with their points and totals (2 queries)."""
    plans_by_visit: dict[int, list[dict]] = defaultdict(list)
    plans = (
        TreatmentPlan.objects.filter(visit_id__in=visit_ids)
        .select_related("product")
        .prefetch_related(
            Prefetch("points", queryset=InjectionPoint.objects.select_related("muscle"))
        )
        .order_by("created_at", "id")
    )
    for plan in plans:
        points = list(plan.points.all())
        plans_by_visit[plan.visit_id].append({"plan": plan, "points": points, **totals_of(points)})
    return plans_by_visit


def _shown_expressions(entries: list[HistoryVisit], expressions: list) -> list:
    """The expressions graded in any map of the history: the map tables' columns
    (each row's cells cut to them)."""
    used = {
        e.pk
        for c in entries
        for r in c.map_rows
        for e, cell in zip(expressions, r.cells, strict=True)
        if cell
    }
    columns = [i for i, e in enumerate(expressions) if e.pk in used]
    for entry in entries:
        for row in entry.map_rows:
            row.cells = [row.cells[i] for i in columns]
    return [expressions[i] for i in columns]
