"""One measured difference across visits, for the patient's history page and the history
PDF (issue 21): per measure, expression and moment, the difference between the patient's
right and left at each measured visit, drawn as a small SVG chart (no script; the
template is ``planning/_asymmetry_chart.html``) with the repeatability band around
"level", beside the units given per side to the muscles that move it at each visit.

Points above the middle line: the patient's right is higher (wider); below: the left.
The units come from the caller (charting knows the charted injections): a dict of
visit id -> {(muscle code, side): units}.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from .asymmetry import LEVEL_WORDS, MOMENT_WORDS, Difference, Reading
from .measurements import MEASURES, REPEATABILITY_MM, Measure
from .sides import ordered
from .units import format_units

WIDTH = 320
HEIGHT = 124
LEFT_MARGIN = 58  # room for "R higher" / "L higher"
RIGHT_MARGIN = 8
TOP = 10
PLOT_HEIGHT = 80  # the plot runs from TOP to TOP + PLOT_HEIGHT; dates below it

UnitsByVisit = dict[int, dict[tuple[str, str], Decimal]]


@dataclass(frozen=True)
class MuscleUnits:
    code: str
    sides: list[tuple[str, str]]  # (side, "4 U"), the patient's R first

    @property
    def words(self) -> str:
        return f"{self.code} " + " · ".join(f"{side} {units}" for side, units in self.sides)


@dataclass
class SeriesRow:
    """One visit of a series: its measured difference (if any) and the units given."""

    visit: object  # planning.Visit
    difference: Difference | None
    units: list[MuscleUnits]
    x: float = 0.0


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    title: str


@dataclass
class Series:
    measure: Measure
    expression: object
    moment: str

    @property
    def level_word(self) -> str:
        """ "level" for heights, "equal" for the eye opening (as the differences say)."""
        return LEVEL_WORDS[self.measure.higher_word]

    rows: list[SeriesRow] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)
    extent: float = 2.0  # mm from the middle line to the top (and the bottom)

    @property
    def label(self) -> str:
        moment = MOMENT_WORDS.get(self.moment, "")
        name = self.expression.name if self.expression else "no expression"
        return f"{self.measure.label} · {name}{', ' + moment if moment else ''}"

    @property
    def repeatability(self) -> float:
        return REPEATABILITY_MM[self.measure.key]

    # Geometry for the template
    width, height = WIDTH, HEIGHT

    @property
    def zero_y(self) -> float:
        return self._y(0.0)

    @property
    def band_top(self) -> float:
        return self._y(self.repeatability)

    @property
    def band_height(self) -> float:
        return round(self._y(-self.repeatability) - self._y(self.repeatability), 1)

    @property
    def plot_left(self) -> int:
        return LEFT_MARGIN

    @property
    def plot_right(self) -> int:
        return WIDTH - RIGHT_MARGIN

    @property
    def plot_width(self) -> int:
        return WIDTH - RIGHT_MARGIN - LEFT_MARGIN

    @property
    def plot_bottom(self) -> int:
        return TOP + PLOT_HEIGHT

    @property
    def extent_words(self) -> str:
        return f"{self.extent:.1f} mm"

    @property
    def line(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.points)

    def _y(self, delta: float) -> float:
        middle = TOP + PLOT_HEIGHT / 2
        return round(middle - delta / self.extent * (PLOT_HEIGHT / 2), 1)

    def place(self) -> None:
        """Positions of the rows (one column each) and of the measured points."""
        deltas = [abs(r.difference.delta) for r in self.rows if r.difference]
        self.extent = max([*deltas, self.repeatability * 1.5, 2.0])
        step = (WIDTH - LEFT_MARGIN - RIGHT_MARGIN) / max(len(self.rows), 1)
        self.points = []
        for i, row in enumerate(self.rows):
            row.x = round(LEFT_MARGIN + step * (i + 0.5), 1)
            if row.difference:
                day = row.visit.date
                title = f"{day:%b} {day.day}, {day.year}: {row.difference.words}"
                self.points.append(Point(row.x, self._y(row.difference.delta), title))


def _units_of(measure: Measure, given: dict[tuple[str, str], Decimal]) -> list[MuscleUnits]:
    result = []
    for code in measure.muscles:
        sides = ordered(side for (c, side) in given if c == code)
        if sides:
            result.append(
                MuscleUnits(code, [(s, f"{format_units(given[(code, s)])} U") for s in sides])
            )
    return result


def series_of(
    *,
    visits: Iterable,
    readings_by_visit: dict[int, list[Reading]],
    units_by_visit: UnitsByVisit,
) -> list[Series]:
    """A series per measure, expression and moment measured at one visit or more, in the
    map's order; each with a row per visit (in ``visits``' order) that measured it or
    gave units to a muscle that moves it. No queries."""
    visits = list(visits)
    keys: dict[tuple, Series] = {}
    for visit in visits:
        for reading in readings_by_visit.get(visit.pk, []):
            for difference in reading.differences:
                key = (*reading.key, difference.measure.key)
                keys.setdefault(key, Series(difference.measure, reading.expression, reading.moment))
    order = {m.key: i for i, m in enumerate(MEASURES)}
    found = sorted(
        keys.values(),
        key=lambda s: (
            s.expression.order if s.expression else 0,
            list(MOMENT_WORDS).index(s.moment),
            order[s.measure.key],
        ),
    )
    for series in found:
        reading_key = (series.expression.pk if series.expression else None, series.moment)
        for visit in visits:
            reading = next(
                (r for r in readings_by_visit.get(visit.pk, []) if r.key == reading_key), None
            )
            difference = reading.difference(series.measure.key) if reading else None
            units = _units_of(series.measure, units_by_visit.get(visit.pk, {}))
            if difference or units:
                series.rows.append(SeriesRow(visit, difference, units))
        series.place()
    return found
