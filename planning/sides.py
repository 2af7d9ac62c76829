"""The left/right convention: the one place that says in which order the sides are
shown, what their headers say, and how a difference between them is worded.

Sides are always the patient's own. The face diagram shows the patient as the
injector sees them (the patient's right on the viewer's left), so every table,
grid, summary, chart and PDF puts the patient's right first, then the patient's
left, then the midline where one applies, and its headers say "Patient's R" and
"Patient's L". A difference is written in words, "R +2 U", never as a bare sign.

Templates use it through ``{% load sides %}`` (planning/templatetags/sides.py),
the fragments through the same filters, and scripts through the JSON that
``{% sides_json %}`` renders into every page (static/js/sides.js reads it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from .choices import MIDLINE_SIDES, PAIRED_SIDES, Side
from .units import format_units

RIGHT, LEFT, MID = Side.RIGHT.value, Side.LEFT.value, Side.CENTER.value

#: Paired sides in the order of the diagram: the patient's right first (the models'
#: ``Muscle.sides`` and ``graded_sides`` list them in this order too).
PAIRED: tuple[str, ...] = tuple(PAIRED_SIDES)
#: Every side, midline last.
ORDER: tuple[str, ...] = (*PAIRED_SIDES, *MIDLINE_SIDES)

HEADERS = {RIGHT: "Patient's R", LEFT: "Patient's L", MID: "Mid"}
NAMES = {RIGHT: "Patient's R", LEFT: "Patient's L", MID: "Midline"}
#: The attribute that holds a side's value on a row of totals or findings
#: (``planning.dosing.MuscleTotals``, the reports' rows): ``right``, ``left``, ``centre``.
ATTRIBUTES = {RIGHT: "right", LEFT: "left", MID: "centre"}

#: A side as the patient is told it, in their own summary ("your right frown muscle").
PATIENT_WORDS = {RIGHT: "your right", LEFT: "your left", MID: "the middle"}

EVEN = "even"
MORE = "{side} +{amount}"  # the side that has more, and by how much: "R +2 U"


@dataclass(frozen=True)
class Column:
    side: str
    header: str


def sort_key(side: str) -> int:
    """Where ``side`` goes among the columns (unknown sides last)."""
    return ORDER.index(side) if side in ORDER else len(ORDER)


def ordered(sides: Iterable[str]) -> list[str]:
    """``sides`` in the convention's order: R, L, midline."""
    return sorted(sides, key=sort_key)


def columns(*, midline: bool = False) -> list[Column]:
    """The side columns of a table: Patient's R, Patient's L (and Mid)."""
    return [Column(s, HEADERS[s]) for s in (ORDER if midline else PAIRED)]


def header(side: str) -> str:
    return HEADERS.get(side, side)


def name(side: str) -> str:
    """A side in a cell or a sentence: "Patient's R", "Patient's L", "Midline"."""
    return NAMES.get(side, side)


def to_patient(side: str) -> str:
    """A side in the patient's own words: "your right", "your left", "the middle"."""
    return PATIENT_WORDS.get(side, side)


def other(side: str) -> str:
    """The other paired side ("" for the midline)."""
    return {RIGHT: LEFT, LEFT: RIGHT}.get(side, "")


def of_side(row, side: str):
    """The value of ``side`` on ``row`` (an object or a dict with right/left/centre)."""
    attr = ATTRIBUTES[side]
    return row.get(attr) if isinstance(row, dict) else getattr(row, attr, None)


def difference(left, right, *, unit: str = "U") -> str:
    """Left against right in words: "R +2 U", "L +1.5 U", "even" (units); with
    ``unit=""`` for grades: "R +1". "" when either side is missing."""
    if left is None or right is None or left == "" or right == "":
        return ""
    diff = Decimal(left) - Decimal(right)
    if diff == 0:
        return EVEN
    text = MORE.format(side=LEFT if diff > 0 else RIGHT, amount=format_units(abs(diff)))
    return f"{text} {unit}" if unit else text


def stronger(left, right) -> str:
    """The side with more ("L"/"R"), or "" when even or not comparable."""
    if left is None or right is None or left == right:
        return ""
    return LEFT if Decimal(left) > Decimal(right) else RIGHT


def convention() -> dict:
    """What the page's scripts need (``{% sides_json %}``): the order, the headers
    and names, and the words of a difference."""
    return {
        "order": list(ORDER),
        "paired": list(PAIRED),
        "headers": dict(HEADERS),
        "names": dict(NAMES),
        "even": EVEN,
        "more": MORE,
    }
