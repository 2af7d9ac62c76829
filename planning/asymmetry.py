"""Measured asymmetry as the screens show it (issue 21): a visit's photo measurements
(``planning.models.PhotoMeasurement``) turned into readings per expression and moment,
each measure's right and left in millimetres, their difference in words ("brow tail
R +2.4 mm higher"), its repeatability and the model that measured it; what was not
measured, and why. Also the review's comparison against the baseline, and the series
of one measured difference across visits (drawn by ``planning.asymmetry_chart``).

Only shown to the injector: no dose rule reads any of it. Sides are the patient's own.
The scale is the iris diameter, a population average (``IRIS_MM``), said on screen.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from .choices import PhotoMoment
from .measurements import IRIS_MM, MEASURES, REPEATABILITY_MM, Measure, difference_words
from .models import MeasurementStatus, Photo
from .sides import LEFT, RIGHT

MOMENT_WORDS = {PhotoMoment.REST: "at rest", PhotoMoment.MAX: "at maximum", "": ""}
LEVEL_WORDS = {"higher": "level", "wider": "equal"}
SCALE_SENTENCE = (
    f"Millimetres are scaled from the iris diameter, taken as {IRIS_MM} mm "
    "(a documented population average, not this patient's own iris): read them "
    "as estimates, within the repeatability shown."
)
PATIENT_SENT = "sent by the patient: orientation and sides not verified, not measured"


def mm(value: float) -> str:
    return f"{abs(value):.1f}"


@dataclass(frozen=True)
class Difference:
    """One measure on both sides (mm) and what their difference says."""

    measure: Measure
    right: float
    left: float

    @property
    def repeatability(self) -> float:
        return REPEATABILITY_MM[self.measure.key]

    @property
    def delta(self) -> float:
        """Right minus left: more than zero when the patient's right is higher or wider."""
        return round(self.right - self.left, 1)

    @property
    def level(self) -> bool:
        return abs(self.delta) <= self.repeatability

    @property
    def side(self) -> str:
        """The higher (wider) side, "" when level within the repeatability."""
        if self.level:
            return ""
        return RIGHT if self.delta > 0 else LEFT

    @property
    def right_mm(self) -> str:
        return f"{self.right:.1f}"

    @property
    def left_mm(self) -> str:
        return f"{self.left:.1f}"

    @property
    def repeatability_words(self) -> str:
        return f"± {self.repeatability:.1f} mm"

    @property
    def short_words(self) -> str:
        """The difference without the measure's name: "R +2.4 mm higher"."""
        if self.level:
            return f"{LEVEL_WORDS[self.measure.higher_word]} within ±{self.repeatability:.1f} mm"
        return difference_words(self.measure.key, {RIGHT: self.right, LEFT: self.left})

    @property
    def words(self) -> str:
        """ "brow tail R +2.4 mm higher", "eye opening level within ±1.0 mm"."""
        return f"{self.measure.short} {self.short_words}"


@dataclass
class Reading:
    """A visit's photos of one expression at one moment, and what was measured on them."""

    expression: object  # planning.Expression or None
    moment: str
    photos: list[Photo] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    measured: int = 0  # photos averaged into ``differences``
    pending: int = 0
    not_measurable: list[str] = field(default_factory=list)  # "Not measurable: <reason>"
    patient_sent: int = 0
    not_measured: int = 0  # photos with no measurement (taken before measuring existed)
    models: list[str] = field(default_factory=list)  # "MediaPipe Face Landmarker 0.10.14"
    # Where a picture comes from when it is not the patient's photo (the demo's test
    # portrait: Photo.source_note), said wherever its measurements are shown.
    sources: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple:
        return (self.expression.pk if self.expression else None, self.moment)

    @property
    def label(self) -> str:
        name = self.expression.name if self.expression else "No expression"
        moment = MOMENT_WORDS.get(self.moment, "")
        return f"{name}, {moment}" if moment else name

    @property
    def moment_words(self) -> str:
        return MOMENT_WORDS.get(self.moment, "")

    @property
    def averaged_words(self) -> str:
        return f"mean of {self.measured} photos" if self.measured > 1 else ""

    @property
    def notes(self) -> list[str]:
        """Where the pictures come from when they are not the patient's, and what was
        not measured here, in words."""
        notes = list(self.sources)
        if self.pending:
            notes.append(f"{_photos(self.pending)} being measured")
        notes.extend(self.not_measurable)
        if self.patient_sent:
            notes.append(f"{_photos(self.patient_sent)} {PATIENT_SENT}")
        if self.not_measured:
            notes.append(f"{_photos(self.not_measured)} not measured")
        return notes

    def difference(self, key: str) -> Difference | None:
        return next((d for d in self.differences if d.measure.key == key), None)


def _photos(count: int) -> str:
    return "1 photo" if count == 1 else f"{count} photos"


def _sort_key(reading: Reading) -> tuple:
    e = reading.expression
    moments = list(MOMENT_WORDS)
    return (e is None, e.order if e else 0, e.code if e else "", moments.index(reading.moment))


def _average(measurements: list) -> list[Difference]:
    """Per measure, the mean of each side over the measurements that have both sides."""
    differences = []
    for measure in MEASURES:
        pairs = [
            (float(v[RIGHT]), float(v[LEFT]))
            for m in measurements
            if isinstance(v := (m.values or {}).get(measure.key), dict)
            and v.get(RIGHT) is not None
            and v.get(LEFT) is not None
        ]
        if pairs:
            differences.append(
                Difference(
                    measure,
                    right=round(sum(r for r, _ in pairs) / len(pairs), 1),
                    left=round(sum(left for _, left in pairs) / len(pairs), 1),
                )
            )
    return differences


def readings(photos: Iterable[Photo]) -> list[Reading]:
    """``photos`` (with ``expression`` and ``measurement`` loaded: see ``photos_of``)
    grouped by expression and moment, in the map's order. No queries."""
    groups: dict[tuple, Reading] = {}
    measured: dict[tuple, list] = defaultdict(list)
    for photo in photos:
        reading = Reading(photo.expression, photo.moment or "")
        reading = groups.setdefault(reading.key, reading)
        reading.photos.append(photo)
        if photo.source_note and photo.source_note not in reading.sources:
            reading.sources.append(photo.source_note)
        measurement = getattr(photo, "measurement", None)
        if photo.patient_uploaded:
            reading.patient_sent += 1
        elif measurement is None:
            reading.not_measured += 1
        elif measurement.status == MeasurementStatus.PENDING:
            reading.pending += 1
        elif measurement.status == MeasurementStatus.MEASURED:
            measured[reading.key].append(measurement)
            model = f"{measurement.model_name} {measurement.model_version}".strip()
            if model and model not in reading.models:
                reading.models.append(model)
        else:
            label = MeasurementStatus(measurement.status).label
            reason = measurement.reason or "no reason recorded"
            reading.not_measurable.append(f"{label}: {reason}")
    for key, rows in measured.items():
        groups[key].measured = len(rows)
        groups[key].differences = _average(rows)
    return sorted(groups.values(), key=_sort_key)


def photos_of(visit_ids: Iterable[int]):
    """The photos of ``visit_ids`` with what ``readings`` reads (one query)."""
    return (
        Photo.objects.filter(visit_id__in=[v for v in visit_ids if v is not None])
        .select_related("expression", "measurement")
        .order_by("visit_id", "uploaded_at", "id")
    )


def readings_by_visit(photos: Iterable[Photo]) -> dict[int, list[Reading]]:
    by_visit: dict[int, list[Photo]] = defaultdict(list)
    for photo in photos:
        by_visit[photo.visit_id].append(photo)
    return {visit_id: readings(visit_photos) for visit_id, visit_photos in by_visit.items()}


def any_measured(found: Iterable[Reading]) -> bool:
    return any(r.differences for r in found)


def first_measured(*, visits: Iterable, by_visit: dict[int, list[Reading]]):
    """Of ``visits`` in order of preference, the first with measured differences:
    (visit, its readings), or (None, []) when none measured anything."""
    for visit in visits:
        if visit is not None and any_measured(by_visit.get(visit.pk, [])):
            return visit, by_visit[visit.pk]
    return None, []


# The review against the baseline


def _higher(d: Difference) -> str:
    """The side whose value is larger, "" when they are equal to 0.1 mm."""
    return RIGHT if d.delta > 0 else LEFT if d.delta < 0 else ""


@dataclass(frozen=True)
class Change:
    """One measure's difference before treatment and at the review."""

    before: Difference
    after: Difference

    @property
    def side_changed(self) -> bool:
        return bool(self.before.side and self.after.side and self.before.side != self.after.side)

    @property
    def words(self) -> str:
        """ "brow tail difference R 2.4 → R 0.6 mm", "… R 2.4 → L 1.8 mm, the higher side
        changed", "… R 2.4 → 0.3 mm, now level within ±1.0 mm"."""
        before, after = self.before, self.after
        # every figure with the side that is higher, even within the repeatability
        start = f"{_higher(before)} {mm(before.delta)}".strip()
        end = f"{_higher(after)} {mm(after.delta)} mm".strip()
        text = f"{before.measure.short} difference {start} → {end}"
        if self.side_changed:
            return f"{text}, the higher side changed"
        if after.level:
            level = LEVEL_WORDS[after.measure.higher_word]
            return f"{text}, now {level} within ±{after.repeatability:.1f} mm"
        return text


@dataclass
class Comparison:
    """One expression and moment: the review's reading against its baseline."""

    review: Reading
    baseline: Reading | None
    baseline_visit: object | None  # the planning.Visit the baseline was measured at
    changes: list[Change] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.review.label

    @property
    def without_baseline(self) -> list[Difference]:
        """The review's measures that the baseline did not measure."""
        compared = {c.after.measure.key for c in self.changes}
        return [d for d in self.review.differences if d.measure.key not in compared]


def compare(
    *, review: list[Reading], baselines: list[tuple[object, list[Reading]]]
) -> list[Comparison]:
    """Each reading of the review against the first of ``baselines`` (visit, readings),
    in order of preference, that measured the same expression and moment."""
    result = []
    for reading in review:
        baseline, baseline_visit = None, None
        for visit, found in baselines:
            match = next((r for r in found if r.key == reading.key and r.differences), None)
            if match:
                baseline, baseline_visit = match, visit
                break
        comparison = Comparison(reading, baseline, baseline_visit)
        if baseline:
            for after in reading.differences:
                before = baseline.difference(after.measure.key)
                if before:
                    comparison.changes.append(Change(before, after))
        result.append(comparison)
    return result
