"""What is measured on a photo (issue 21): the measures, in the order every screen
shows them, and the muscles that move each (shown beside the measured difference
across cycles). Values are millimetres per side (the patient's own), stored on
``planning.models.PhotoMeasurement.values`` under these keys."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Measure:
    key: str
    label: str  # e.g. "Brow tail height"
    short: str  # e.g. "brow tail", in "brow tail R +2.4 mm higher"
    higher_word: str  # what a larger value is called: "higher", "wider"
    muscles: tuple[str, ...]  # Muscle codes that move it


MEASURES: tuple[Measure, ...] = (
    Measure(
        "brow_medial",
        "Brow height at its medial end",
        "brow medial end",
        "higher",
        ("FRONT", "CORR", "PROC"),
    ),
    Measure("brow_peak", "Brow peak height", "brow peak", "higher", ("FRONT", "FRONTL")),
    Measure("brow_tail", "Brow tail height", "brow tail", "higher", ("FRONTL", "OOC")),
    Measure("aperture", "Eye opening (palpebral aperture)", "eye opening", "wider", ("OOC",)),
    Measure(
        "mouth_corner",
        "Mouth corner height (to the lip midline)",
        "mouth corner",
        "higher",
        ("DAO", "ZYG", "RIS"),
    ),
)
MEASURES_BY_KEY = {m.key: m for m in MEASURES}

# The iris diameter taken as the scale: a documented population average (about
# 11.7 mm horizontal visible iris diameter in adults), said so on every screen.
IRIS_MM = 11.7

# How much each measurement moves between photos of the same face (small shifts,
# rotations under 3°, JPEG recompression, scale changes), in mm: the screens show
# it as "± x mm". Filled from the measurement tests (tests/planning/test_face_measure.py).
REPEATABILITY_MM: dict[str, float] = {m.key: 1.0 for m in MEASURES}
