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

# How far two measurements of the same face may differ by chance (mm, per measure):
# a difference within it is shown as level. Placeholder figures until the engine's
# repeatability tests give them.
REPEATABILITY_MM: dict[str, float] = {
    "brow_medial": 1.0,  # filled from the measurement tests
    "brow_peak": 1.0,  # filled from the measurement tests
    "brow_tail": 1.0,  # filled from the measurement tests
    "aperture": 1.0,  # filled from the measurement tests
    "mouth_corner": 1.0,  # filled from the measurement tests
}
