"""The points of a plan as the editor posts them: read and check each one, so a
bad point names itself and nothing is dropped silently."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from clinic.input_bounds import no_control_characters

from . import units
from .face import position_refusal
from .models import InjectionPoint, Muscle, TreatmentPlan

MAX_POINTS = 200
MAX_RAW_CHARS = 200_000  # 200 points of about 200 characters each, five times over
DEPTHS = ["", "intradermal", "subcutaneous", "intramuscular", "supraperiosteal"]


# What a point is, wherever it is copied (plan, template, chart): these fields.
POINT_FIELDS = ("muscle", "side", "x", "y", "units", "depth", "note")


def point_fields(point) -> dict:
    """The fields of a point (a plan's, a template's or an input), to copy it."""
    return {name: getattr(point, name) for name in POINT_FIELDS}


@dataclass(frozen=True)
class PointInput:
    muscle: Muscle
    side: str
    x: Decimal
    y: Decimal
    units: Decimal
    depth: str = ""
    note: str = ""


def _decimal(value) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValueError from None
    if not number.is_finite():
        raise ValueError
    return number


def parse_points(
    raw: str, *, muscles: dict[str, Muscle]
) -> tuple[list[PointInput], dict[int, str]]:
    """Read the editor's points (a JSON list). Returns the valid points and a
    message per invalid point by its index (-1: the list as a whole); nothing
    is dropped silently: the caller refuses to save while there are errors."""
    if len(raw or "") > MAX_RAW_CHARS:
        return [], {-1: "The points could not be read: too much data for one plan."}
    try:
        data = json.loads(raw or "[]")
    except (ValueError, RecursionError):  # RecursionError: nesting no editor sends
        data = None
    if not isinstance(data, list):
        return [], {-1: "The points could not be read; reload the page (your last save is kept)."}
    if len(data) > MAX_POINTS:
        return [], {-1: f"A plan holds at most {MAX_POINTS} points."}
    points, errors = [], {}
    for n, item in enumerate(data):
        try:
            points.append(parse_point(item, muscles=muscles))
        except ValidationError as exc:
            errors[n] = " ".join(exc.messages)
    return points, errors


def parse_point(item, *, muscles: dict[str, Muscle]) -> PointInput:
    if not isinstance(item, dict):
        raise ValidationError("not a point.")
    muscle = muscles.get(str(item.get("muscle", "")))
    if muscle is None:
        raise ValidationError("choose a muscle.")
    side = str(item.get("side", ""))
    if not muscle.has_side(side):
        where = " or ".join("midline" if s == "C" else f"patient's {s}" for s in muscle.sides)
        raise ValidationError(f"the {muscle.name.lower()} is charted {where} only.")
    try:
        given = units.parse(item.get("units"))
    except units.UnitsError as exc:  # after "Point 3: ", as the other messages read
        raise ValidationError(exc.message[0].lower() + exc.message[1:]) from None
    try:
        x, y = (_decimal(item.get(k)) for k in ("x", "y"))
    except ValueError:
        raise ValidationError("the position is missing; place the point again.") from None
    if not (0 <= x <= 1 and 0 <= y <= 1):
        raise ValidationError("the point lies outside the diagram.")
    if refusal := position_refusal(muscle=muscle.code, side=side, x=x, y=y):
        raise ValidationError(refusal)
    depth, note = str(item.get("depth") or ""), str(item.get("note") or "").strip()
    if depth not in DEPTHS:
        raise ValidationError(f"unknown depth {depth!r}.")
    if len(note) > 200:
        raise ValidationError("keep the note under 200 characters.")
    try:
        no_control_characters(note)
    except ValidationError:
        raise ValidationError("remove the control characters from the note.") from None
    return PointInput(
        muscle=muscle,
        side=side,
        x=x.quantize(Decimal("0.0001")),
        y=y.quantize(Decimal("0.0001")),
        units=given,
        depth=depth,
        note=note,
    )


def as_points(inputs: list[PointInput], *, plan: TreatmentPlan | None = None) -> list:
    """Unsaved InjectionPoints for totals, checks and the diagram (no queries)."""
    return [InjectionPoint(plan=plan, order=n, **point_fields(p)) for n, p in enumerate(inputs)]


def muscles_by_code() -> dict[str, Muscle]:
    from .reference_cache import muscles

    return {m.code: m for m in muscles()}  # query unless cached (planning.reference_cache)
