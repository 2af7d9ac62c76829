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

# How far a value may move between two photos of the same face that differ only in
# what should not matter, in mm per measure (screens show "± x mm"). Measured on the
# public-domain NASA portrait (skimage.data.astronaut(), 512 px, iris 8.2 px, so
# 1.42 mm per pixel) by ``python -m tools.bench.face --noise``: the largest change
# of either side's value over shifts of 1-3 px, rotations of 1°, 2° and -2.5°, JPEG
# recompression at quality 85 and 70, and scales of 0.8×, 1.25× and 1.5×, and the
# side swap of the mirrored photo, rounded up with about 15 % to spare (worst seen,
# method brow-edge/1: brow peak 0.79, brow tail 0.74, eye opening
# 1.01 on the mirror, mouth corner 0.63). The brow's medial end is too faint on that
# portrait to be read at all, so it has no figure of its own: it is read the same
# way as the peak and the tail and takes theirs until a portrait shows it.
# Photos whose iris spans 60-100 px (a tablet at arm's length) should do better;
# these figures are for the worst photo the pose gate lets through.
REPEATABILITY_MM = {
    "brow_medial": 0.9,
    "brow_peak": 0.9,
    "brow_tail": 0.9,
    "aperture": 1.2,
    "mouth_corner": 0.8,
}


def difference_words(key: str, values: dict[str, float]) -> str:
    """The L-R difference of one measure in words, never a bare sign:
    "R +2.4 mm higher", "L +0.6 mm wider", or "even" below 0.05 mm."""
    measure = MEASURES_BY_KEY[key]
    diff = round(values["R"] - values["L"], 1)
    if diff == 0:
        return "even"
    side = "R" if diff > 0 else "L"
    return f"{side} +{abs(diff):.1f} mm {measure.higher_word}"
