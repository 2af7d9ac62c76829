"""The photo measurement's cost and noise (issue 21), on the public-domain NASA
portrait of scikit-image (``skimage.data.astronaut()``, 512 × 512, iris ≈ 8 px).

    python -m tools.bench.face            # cost: model load, CPU s per photo, peak RSS
    python -m tools.bench.face --noise    # noise: repeatability, mirror residual, warp error

The cost runs in a fresh process (this one, started for it by ``make bench``) so
its peak resident memory is the measurement's own: Python, numpy, MediaPipe and
one model. The noise figures are what ``planning.measurements.REPEATABILITY_MM``
and the tests' tolerances come from (docs/measurement.md).
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage

ROOT = Path(__file__).resolve().parents[2]

# --- the test images: the portrait and what is done to it -----------------------------


def portrait() -> np.ndarray:
    from skimage import data

    return data.astronaut()


def mirrored(image: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(image[:, ::-1])


def rotated(image: np.ndarray, degrees: float, centre=(220.0, 110.0)) -> np.ndarray:
    """Turned ``degrees`` counter-clockwise about ``centre`` (the face's middle)."""
    from skimage import transform

    out = transform.rotate(image, degrees, center=centre, mode="edge", order=1, preserve_range=True)
    return out.round().astype(np.uint8)


def scaled(image: np.ndarray, factor: float) -> np.ndarray:
    size = (round(image.shape[1] * factor), round(image.shape[0] * factor))
    return np.asarray(Image.fromarray(image).resize(size, Image.LANCZOS))


def shifted(image: np.ndarray, dx: float, dy: float) -> np.ndarray:
    size = image.shape[1::-1]
    moved = Image.fromarray(image).transform(
        size, Image.AFFINE, (1, 0, -dx, 0, 1, -dy), resample=Image.BILINEAR
    )
    return np.asarray(moved)


def recompressed(image: np.ndarray, quality: int) -> np.ndarray:
    out = io.BytesIO()
    Image.fromarray(image).save(out, format="JPEG", quality=quality)
    return np.asarray(Image.open(out).convert("RGB"))


def turned_aside(image: np.ndarray, squeeze: float, centre_x: float = 224.0) -> np.ndarray:
    """A profile-like view: the image's right half of the face squeezed horizontally
    by ``squeeze`` (the nose then sits off the middle, as in a head turned aside)."""
    height, width = image.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(float)
    source_x = np.where(xs > centre_x, centre_x + (xs - centre_x) / squeeze, xs)
    planes = [
        ndimage.map_coordinates(image[..., c].astype(float), [ys, source_x], order=1)
        for c in range(3)
    ]
    return np.stack(planes, axis=-1).round().astype(np.uint8)


def variants(image: np.ndarray) -> dict[str, np.ndarray]:
    """The everyday differences between two photos of one face that the measurement
    must not follow: small shifts, rotations under 3°, JPEG recompression, scale."""
    return {
        "shift 1.5 px right, 2.5 px up": shifted(image, 1.5, -2.5),
        "shift 3 px left, 1 px down": shifted(image, -3, 1),
        "rotation 1°": rotated(image, 1),
        "rotation 2°": rotated(image, 2),
        "rotation -2.5°": rotated(image, -2.5),
        "JPEG quality 85": recompressed(image, 85),
        "JPEG quality 70": recompressed(image, 70),
        "scale 0.8×": scaled(image, 0.8),
        "scale 1.25×": scaled(image, 1.25),
        "scale 1.5×": scaled(image, 1.5),
    }


# --- noise ----------------------------------------------------------------------------


def noise() -> dict:
    """Repeatability per measure (largest change of a side's value over the
    variants), the mirror residual (per measure: |R−L| + |R'−L'| after mirroring,
    i.e. how far the difference is from flipping sign exactly) and the warp error
    (measured minus true change of the raised side, and change of the other side)."""
    from planning.face_measure import IRIS, measure_face
    from planning.face_warp import brow_point, displacement, warp_region

    image = portrait()
    base = measure_face(image)
    repeat: dict[str, float] = {}
    for variant in variants(image).values():
        result = measure_face(variant)
        for key, sides in base.values.items():
            if key in result.values:
                change = max(abs(result.values[key][s] - sides[s]) for s in "RL")
                repeat[key] = max(repeat.get(key, 0.0), change)
    mirror = measure_face(mirrored(image))
    residual = {
        key: round(abs(base.difference(key) + mirror.difference(key)), 2)
        for key in base.values
        if key in mirror.values
    }
    swap = {
        key: round(max(abs(mirror.values[key]["R"] - base.values[key]["L"]),
                       abs(mirror.values[key]["L"] - base.values[key]["R"])), 2)
        for key in base.values
        if key in mirror.values
    }  # fmt: skip
    warp = []
    pupil = np.array(base.landmarks[IRIS["R"][0]])
    for where in ("tail", "peak"):
        key = f"brow_{where}"
        centre = brow_point(image, side="R", where=where)
        for k in (2, 3, 4):
            result = measure_face(warp_region(image, centre, WARP_RADIUS_PX, -k))
            true = true_rise_mm(base, key, centre, k, pupil, displacement)
            warp.append({
                "where": where, "k_px": k, "true_mm": round(true, 2),
                "error_mm": round(result.values[key]["R"] - base.values[key]["R"] - true, 2),
                "other_side_mm": round(result.values[key]["L"] - base.values[key]["L"], 2),
            })  # fmt: skip
    return {
        "base": base.values,
        "mm_per_px": base.mm_per_px,
        "repeatability_mm": {k: round(v, 2) for k, v in repeat.items()},
        "mirror_residual_mm": residual,
        "mirror_side_swap_mm": swap,
        "warp": warp,
    }


WARP_RADIUS_PX = 12.0  # the warp tests' radius: the brow moves, the pupil hardly


def true_rise_mm(base, key: str, centre, k: float, pupil, displacement) -> float:
    """How much higher above the pupil the brow's lower edge truly is after raising
    ``centre`` by ``k`` px: the warp's displacement where the edge was, minus the
    pupil's own (small) displacement, in mm."""
    edge = np.array(base.points[key]["R"])
    moved = displacement(edge, centre_xy=centre, radius_px=WARP_RADIUS_PX, dy_px=-k)
    pupil_moved = displacement(pupil, centre_xy=centre, radius_px=WARP_RADIUS_PX, dy_px=-k)
    return float(-(moved - pupil_moved) * base.mm_per_px)


# --- cost -----------------------------------------------------------------------------


def cost(photos: int = 20) -> dict:
    """CPU seconds to load the model, then per photo (median), and the process's peak
    resident memory, in this process."""
    from planning import face_measure

    image = portrait()
    began = time.process_time()
    face_measure.locate(image)  # builds the model once
    load = time.process_time() - began
    times = []
    for _ in range(photos):
        began = time.process_time()
        result = face_measure.measure_face(image)
        times.append(time.process_time() - began)
    times.sort()
    return {
        "usable": result.usable,
        "model_and_first_inference_cpu_s": round(load, 3),
        "cpu_s_per_photo_median": round(times[len(times) // 2], 3),
        "cpu_s_per_photo_max": round(times[-1], 3),
        "photos": photos,
        "model_loads": face_measure.model_loads(),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def figures(args) -> list[tuple[str, str]]:
    """For ``make bench``: the cost measured in a fresh process of its own."""
    out = subprocess.run(
        [sys.executable, "-m", "tools.bench.face", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(out.stdout.strip().splitlines()[-1])
    return [
        (
            f"Photo measurement, CPU s per 512 px photo (median of {found['photos']})",
            f"{found['cpu_s_per_photo_median']:.3f} (max {found['cpu_s_per_photo_max']:.3f}; "
            "goal ≤ 1 s)",
        ),
        (
            "Photo measurement, model load and first photo (CPU s)",
            f"{found['model_and_first_inference_cpu_s']:.3f} "
            f"(model built {found['model_loads']}× for {found['photos'] + 1} photos)",
        ),
        ("Photo measurement, peak RSS of the process (MB)", f"{found['peak_rss_mb']:.0f}"),
    ]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench.face")
    parser.add_argument("--noise", action="store_true", help="the noise figures instead")
    parser.add_argument("--json", action="store_true", help="one JSON line (for make bench)")
    parser.add_argument("--photos", type=int, default=20)
    args = parser.parse_args(argv)
    found = noise() if args.noise else cost(args.photos)
    print(json.dumps(found) if args.json else json.dumps(found, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
