"""The movement map: the grid of cells, saving observations, asymmetry.

A cell is (expression, muscle, side). The grid holds only the cells that make
sense: the muscles each expression examines, on the sides each muscle has.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction

from clinic import statements
from clinic.compiled import CompiledValues, Param

from . import pull, reference_cache, sides
from .choices import Grade, Side
from .models import Expression, MovementMap, Muscle, Observation, Photo, Visit

REST = "REST"  # the expression code of the face at rest

ASYMMETRY_GRADES = 1  # L and R differing by this much or more are highlighted
NOTE_MAX = 200


def cell_key(expression_code: str, muscle_code: str, side: str) -> str:
    return f"{expression_code}.{muscle_code}.{side}"


@dataclass(frozen=True)
class CellInput:
    expression: str  # code
    muscle: str  # code
    side: str
    grade: int | None
    note: str = ""
    direction: str = ""  # planning.pull: only in the cells that take one


def expressions_with_muscles():
    """Expressions in order with their muscles: 2 queries, or none when this process
    has them (planning.reference_cache)."""
    return reference_cache.expressions_with_muscles()


def valid_cells(expressions) -> dict[str, tuple[Expression, Muscle, str]]:
    return {
        cell_key(e.code, m.code, side): (e, m, side)
        for e in expressions
        for m in e.muscles.all()
        for side in m.graded_sides
    }


def check_cells(
    cells: list[CellInput], expressions
) -> tuple[list[tuple[CellInput, Expression, Muscle]], dict[str, str]]:
    """Match inputs to the grid. Returns the matched cells and errors by cell key."""
    by_code = {e.code: e for e in expressions}
    muscles = {m.code: m for e in expressions for m in e.muscles.all()}
    matched, errors = [], {}
    for cell in cells:
        key = cell_key(cell.expression, cell.muscle, cell.side)
        expression = by_code.get(cell.expression)
        muscle = muscles.get(cell.muscle) or Muscle.objects.filter(code=cell.muscle).first()
        if expression is None:
            errors[key] = f"Unknown expression {cell.expression!r}."
        elif muscle is None:
            errors[key] = f"Unknown muscle {cell.muscle!r}."
        elif muscle not in expression.muscles.all():
            errors[key] = f"{expression.name} does not examine the {muscle.name.lower()}."
        elif not muscle.grades_side(cell.side):
            charted = " and ".join(Side(s).label.lower() for s in muscle.graded_sides)
            errors[key] = f"The {muscle.name.lower()} is charted {charted} only."
        elif cell.grade is not None and cell.grade not in Grade.values:
            errors[key] = "Choose a grade from 0 to 3."
        elif cell.grade is None and cell.note.strip():
            errors[key] = "Grade this cell before adding a note."
        elif len(cell.note) > NOTE_MAX:
            errors[key] = f"Keep the note under {NOTE_MAX} characters."
        elif refusal := pull.direction_refusal(
            expression_code=expression.code,
            muscle_code=muscle.code,
            direction=cell.direction,
            graded=cell.grade is not None,
            expression_name=expression.name,
            muscle_name=muscle.name,
        ):
            errors[key] = refusal
        else:
            matched.append((cell, expression, muscle))
    return matched, errors


@transaction.atomic
def save_observations(*, visit: Visit, by, cells: list[CellInput], notes: str = "") -> MovementMap:
    """Store the graded cells of the visit's map; cells without a grade are removed.

    All or nothing: any invalid cell raises ValidationError (keyed by cell) and
    nothing is saved. Refused once the visit's treatment is signed (the baseline).
    """
    visit.refuse_if_locked("movement map")
    expressions = list(expressions_with_muscles())
    matched, errors = check_cells(cells, expressions)
    if errors:
        raise ValidationError(errors)
    movement_map, _ = MovementMap.objects.get_or_create(visit=visit, defaults={"recorded_by": by})
    if movement_map.notes != notes:
        movement_map.notes = notes
    movement_map.save()  # bumps updated_at
    existing = {(o.expression_id, o.muscle_id, o.side): o for o in movement_map.observations.all()}
    to_create, to_update, to_delete = [], [], []
    for cell, expression, muscle in matched:
        current = existing.get((expression.pk, muscle.pk, cell.side))
        if cell.grade is None:
            if current:
                to_delete.append(current.pk)
        elif current is None:
            to_create.append(
                Observation(
                    movement_map=movement_map,
                    expression=expression,
                    muscle=muscle,
                    side=cell.side,
                    grade=cell.grade,
                    note=cell.note.strip(),
                    direction=cell.direction,
                )
            )
        elif (current.grade, current.note, current.direction) != (
            cell.grade,
            cell.note.strip(),
            cell.direction,
        ):
            current.grade, current.note = cell.grade, cell.note.strip()
            current.direction = cell.direction
            to_update.append(current)
    Observation.objects.filter(pk__in=to_delete).delete()
    Observation.objects.bulk_create(to_create)
    Observation.objects.bulk_update(to_update, ["grade", "note", "direction"])
    return movement_map


# --- reading a map -------------------------------------------------------------------


class LeftAgainstRight:
    """What a muscle's two grades say side by side (the grid's rows and the map's
    summary): the difference L − R, whether it is an asymmetry, the stronger side."""

    def left_right(self) -> tuple[int | None, int | None]:
        raise NotImplementedError

    @property
    def difference(self) -> int | None:
        left, right = self.left_right()
        if left is None or right is None:
            return None
        return left - right

    @property
    def asymmetric(self) -> bool:
        return self.difference is not None and abs(self.difference) >= ASYMMETRY_GRADES

    @property
    def stronger(self) -> str:
        """The side that moves more ("L"/"R"), or "" when even or not comparable."""
        d = self.difference
        if not d:
            return ""
        return Side.LEFT if d > 0 else Side.RIGHT

    @property
    def abs_difference(self) -> int:
        return abs(self.difference or 0)

    @property
    def difference_words(self) -> str:
        """The difference as the convention words it: "R +1", "L +2", "even"."""
        return sides.difference(*self.left_right(), unit="")


@dataclass
class Row(LeftAgainstRight):
    """One muscle in one expression: its cells by side, and the L/R difference."""

    expression: Expression
    muscle: Muscle
    cells: dict[str, dict] = field(default_factory=dict)  # side -> {key, grade, note}
    previous: dict[str, int | None] = field(default_factory=dict)

    @property
    def paired(self) -> bool:
        return self.muscle.paired

    @property
    def cell_list(self) -> list[dict]:
        """The row's cells in the convention's order (patient's R, then L)."""
        return [self.cells[s] for s in sides.ordered(self.cells)]

    def left_right(self) -> tuple[int | None, int | None]:
        if not self.paired:
            return None, None
        return self.cells["L"]["grade"], self.cells["R"]["grade"]


@dataclass
class Group:
    expression: Expression
    rows: list[Row]
    photos: list[Photo]
    # What was measured on those photos (planning.asymmetry.Reading), set by the page.
    readings: list = field(default_factory=list)


@dataclass
class MuscleSummary(LeftAgainstRight):
    """A paired muscle's strongest grade on each side across the map."""

    muscle: Muscle
    left: int | None
    right: int | None

    def left_right(self) -> tuple[int | None, int | None]:
        return self.left, self.right

    @property
    def graded(self) -> bool:
        return self.left is not None or self.right is not None


class StoredCell(NamedTuple):
    """An observation as the map reads it (``build_grid``): its fields, no model."""

    expression_id: int
    muscle_id: int
    side: str
    grade: int
    note: str
    direction: str


_CELL_FIELDS = tuple(f"observations__{name}" for name in StoredCell._fields)


# The map page's read, its SQL written once per process (clinic.compiled).
_MAP_WITH_CELLS = CompiledValues(
    lambda: (
        MovementMap.objects.filter(visit_id=Param("visit", models.BigIntegerField()))
        .order_by()
        .values("notes", *_CELL_FIELDS)
    )
)


def map_with_cells(visit: Visit) -> tuple[str | None, list[StoredCell]]:
    """The visit's map read for its page: its notes (None when the visit has no
    map) and its cells, in one query (the map joined to its observations, rows of
    values: the page reads fields only)."""
    rows = _MAP_WITH_CELLS(visit=visit.pk)  # query: this visit's map and its observations
    if not rows:
        return None, []
    cells = [
        StoredCell(*(row[f] for f in _CELL_FIELDS))
        for row in rows
        if row[_CELL_FIELDS[0]] is not None
    ]
    return rows[0]["notes"], cells


def previous_cells(movement_map: MovementMap | None) -> list[StoredCell]:
    """The cells of an earlier map (``latest_map``), as values (one query)."""
    if movement_map is None:
        return []
    return [
        StoredCell(*row)
        for row in Observation.objects.filter(movement_map=movement_map)
        .order_by()
        .values_list(*StoredCell._fields)
    ]


def observations_by_cell(observations) -> dict[tuple[int, int, str], Observation]:
    return {(o.expression_id, o.muscle_id, o.side): o for o in observations}


def build_grid(
    *,
    expressions,
    observations,
    photos=(),
    previous_observations=None,
    values: dict[str, dict] | None = None,
    errors: dict[str, str] | None = None,
) -> list[Group]:
    """Rows of the grid, each cell with its grade and note.

    ``values`` (cell key -> {grade, note}) overrides stored observations: the
    cells the injector entered, shown again after a validation error, with
    ``errors`` (cell key -> message) beside them.
    """
    stored = observations_by_cell(observations)
    before = observations_by_cell(previous_observations or [])
    photos_by_expression = defaultdict(list)
    for photo in photos:
        photos_by_expression[photo.expression_id].append(photo)
    groups = []
    for expression in expressions:
        rows = []
        for muscle in expression.muscles.all():
            row = Row(expression=expression, muscle=muscle)
            directions = pull.directions_for(expression.code, muscle.code)
            for side in muscle.graded_sides:
                key = cell_key(expression.code, muscle.code, side)
                obs = stored.get((expression.pk, muscle.pk, side))
                cell = {
                    "key": key,
                    "side": side,
                    "grade": None,
                    "note": "",
                    "direction": "",
                    # (value, label) pairs where the cell takes a direction (planning.pull)
                    "directions": [(d.value, d.label) for d in directions],
                    "error": (errors or {}).get(key, ""),
                }
                if obs is not None:
                    cell["grade"], cell["note"] = obs.grade, obs.note
                    cell["direction"] = obs.direction
                if values is not None and key in values:
                    cell.update(values[key])
                # The radio value as text (templates localize numbers slowly).
                grade_value = cell["grade"]
                cell["value"] = "" if grade_value is None else str(grade_value)
                row.cells[side] = cell
                prev = before.get((expression.pk, muscle.pk, side))
                row.previous[side] = prev.grade if prev else None
            rows.append(row)
        groups.append(Group(expression, rows, photos_by_expression.get(expression.pk, [])))
    return groups


def summarize(groups: list[Group]) -> list[MuscleSummary]:
    """Per paired muscle of the grid: how strongly it moves on each side, by the rule
    of ``strongest_grades`` (None where that side has no grade yet). The page's script
    (static/js/movement_map.js) keeps the same rule as cells are tapped."""
    muscles = {row.muscle.pk: row.muscle for group in groups for row in group.rows if row.paired}
    strongest = _strongest(
        ((row.muscle.pk, side), grade, group.expression.code == REST)
        for group in groups
        for row in group.rows
        if row.paired
        for side in ("L", "R")
        if isinstance(grade := row.cells[side]["grade"], int)
    )
    ordered = sorted(muscles.values(), key=lambda m: (m.order, m.code))
    return [
        MuscleSummary(m, strongest.get((m.pk, "L")), strongest.get((m.pk, "R"))) for m in ordered
    ]


@dataclass
class PullSummary:
    """A cell pair with a direction of pull recorded (planning.pull): the map's
    summary, the plan's context and the PDFs say it in words."""

    expression: Expression
    muscle: Muscle
    words: str  # "Patient's R tail spikes up · Patient's L flat"


def directions_summary(groups: list[Group]) -> list[PullSummary]:
    """Each row of the grid with a direction recorded on a side, in the grid's order."""
    found = []
    for group in groups:
        for row in group.rows:
            by_side = {s: c["direction"] for s, c in row.cells.items() if c.get("direction")}
            if by_side:
                found.append(
                    PullSummary(group.expression, row.muscle, pull.directions_words(by_side))
                )
    return found


def latest_map(*, visit: Visit, before_visit: bool = False) -> MovementMap | None:
    """The map of ``visit``, else the patient's latest one before it; with
    ``before_visit``, the latest before it only (one query)."""
    maps = MovementMap.objects.filter(
        visit__patient_id=visit.patient_id, visit__date__lte=visit.date
    )
    if before_visit:
        maps = maps.exclude(visit=visit)
    return maps.select_related("visit").order_by("-visit__date", "-visit_id").first()


class ExpressionRef(NamedTuple):
    """An observation's expression as ``baseline_observations`` reads it (what the
    directions of pull name and sort by)."""

    pk: int
    code: str
    name: str
    order: int


class BaselineCell(NamedTuple):
    """One cell of a movement map as the baseline rules read it (``strongest_grades``,
    ``observed_pulls``): plain values, no model instance (issue 22, fourth pass)."""

    muscle_id: int
    side: str
    grade: int
    at_rest: bool
    direction: str
    expression_id: int
    expression: ExpressionRef


def baseline_observations(movement_map: MovementMap | None) -> list[BaselineCell]:
    """The map's cells, each marked ``at_rest`` for ``strongest_grades`` (one query).
    Unordered: every reader is (strongest grades take the maximum, the directions of
    pull are sorted)."""
    if movement_map is None:
        return []
    expressions: dict[int, ExpressionRef] = {}
    cells = []
    for (
        muscle_id,
        side,
        grade,
        direction,
        e_id,
        e_code,
        e_name,
        e_order,
    ) in movement_map.observations.order_by().values_list(
        "muscle_id",
        "side",
        "grade",
        "direction",
        "expression_id",
        "expression__code",  # with its expression (a join, no query more)
        "expression__name",
        "expression__order",
    ):
        expression = expressions.get(e_id) or expressions.setdefault(
            e_id, ExpressionRef(e_id, e_code, e_name, e_order)
        )
        cells.append(
            BaselineCell(muscle_id, side, grade, e_code == REST, direction, e_id, expression)
        )
    return cells


# The latest map up to a visit's day (``latest_map``'s choice) with its visit's day and
# kind and its observations with their expressions: one statement (issue 22, fifth
# session: the ORM's two queries, or one with a subquery, cost ~4 ms of CPU to build;
# this ~0.5). A map without observations is one row of NULL cells. Constant SQL with
# named parameters, the same on PostgreSQL and SQLite.
_LATEST_BASELINE_SQL = """
    SELECT v.id, v.date, v.kind, o.muscle_id, o.side, o.grade, o.direction,
           o.expression_id, e.code, e.name, e."order"
    FROM planning_movementmap m JOIN planning_visit v ON v.id = m.visit_id
    LEFT JOIN planning_observation o ON o.movement_map_id = m.id
    LEFT JOIN planning_expression e ON e.id = o.expression_id
    WHERE m.id = (
        SELECT lm.id FROM planning_movementmap lm
        JOIN planning_visit lv ON lv.id = lm.visit_id
        WHERE lv.patient_id = %(patient)s AND lv.date <= %(day)s
        ORDER BY lv.date DESC, lm.visit_id DESC LIMIT 1)"""


def latest_baseline(*, visit: Visit) -> tuple[Visit | None, list[BaselineCell]]:
    """The map ``latest_map`` gives, read for the plan page in one query: that map's
    visit (``visit`` itself when it is the visit's own map; else the earlier visit with
    its id, patient, day and kind, the rest deferred; None without a map) and its cells
    as ``baseline_observations`` gives them."""
    rows = statements.all_rows(
        _LATEST_BASELINE_SQL, {"patient": visit.patient_id, "day": visit.date}
    )
    if not rows:
        return None, []
    visit_id, day, kind = rows[0][:3]
    if visit_id == visit.pk:
        map_visit = visit
    else:  # an earlier visit's map: the fields its page reads (a date, as the ORM gives it)
        day = day if isinstance(day, datetime.date) else datetime.date.fromisoformat(day)
        map_visit = Visit.from_db(
            connection.alias, ["id", "patient_id", "date", "kind"],
            [visit_id, visit.patient_id, day, kind],
        )  # fmt: skip
    expressions: dict[int, ExpressionRef] = {}
    cells = []
    for muscle_id, side, grade, direction, e_id, e_code, e_name, e_order in (
        row[3:] for row in rows
    ):
        if muscle_id is None:
            continue  # a map without observations
        expression = expressions.get(e_id) or expressions.setdefault(
            e_id, ExpressionRef(e_id, e_code, e_name, e_order)
        )
        cells.append(
            BaselineCell(muscle_id, side, grade, e_code == REST, direction, e_id, expression)
        )
    return map_visit, cells


def observed_pulls(observations, muscles) -> list[PullSummary]:
    """The directions of pull among ``observations`` (from ``baseline_observations``),
    in the grid's order; ``muscles``: the reference muscles (no query)."""
    by_pk = {m.pk: m for m in muscles}
    pairs: dict[tuple[int, int], dict[str, str]] = defaultdict(dict)
    expressions = {}
    for o in observations:
        if o.direction and o.muscle_id in by_pk:
            pairs[o.expression_id, o.muscle_id][o.side] = o.direction
            expressions[o.expression_id] = o.expression
    ordered = sorted(
        pairs, key=lambda k: (expressions[k[0]].order, by_pk[k[1]].order, by_pk[k[1]].code)
    )
    return [
        PullSummary(expressions[e], by_pk[m], pull.directions_words(pairs[e, m]))
        for e, m in ordered
    ]


def strongest_grades(observations) -> dict[tuple[int, str], int]:
    """How strongly each muscle moves, per (muscle id, side): the strongest grade in
    any expression but rest, or at rest when the muscle was graded at rest alone.
    The one rule for a baseline: the plan's suggestions, the review's "was" and the
    map's own summary read it. ``observations`` come from ``baseline_observations``."""
    return _strongest(((o.muscle_id, o.side), o.grade, o.at_rest) for o in observations)


def _strongest(cells) -> dict:
    """``cells``: (key, grade, at rest) triples; the strongest grade per key, moving
    grades first."""
    moving: dict = {}
    resting: dict = {}
    for key, grade, at_rest in cells:
        target = resting if at_rest else moving
        target[key] = max(target.get(key, 0), grade)
    return {**resting, **moving}
