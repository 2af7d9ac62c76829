"""A known change to a face photo: move one region up or down by a known number of
pixels with a smooth Gaussian displacement (issue 21). The measurement tests use it
to check a raised brow is measured as raised by as much, and the demo uses it to
make a portrait whose asymmetry is known. Pure functions on numpy arrays.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from .face_measure import BROW_POINTS, locate


def displacement(xy, *, centre_xy, radius_px: float, dy_px: float) -> np.ndarray:
    """How far (pixels, negative = up) the content at ``xy`` is moved by
    ``warp_region``: ``dy_px`` at the centre, falling off as a Gaussian of standard
    deviation ``radius_px / 2`` (so 13.5 % of it at ``radius_px``)."""
    xy = np.asarray(xy, dtype=float)
    sigma = radius_px / 2
    r2 = ((xy[..., 0] - centre_xy[0]) ** 2 + (xy[..., 1] - centre_xy[1]) ** 2) / sigma**2
    return dy_px * np.exp(-r2 / 2)


def warp_region(image: np.ndarray, centre_xy, radius_px: float, dy_px: float) -> np.ndarray:
    """A copy of ``image`` with the content around ``centre_xy`` moved vertically by
    ``dy_px`` (negative moves it up, as image rows count down) and smoothly less with
    distance (``displacement``). Content is resampled bilinearly; nothing folds over
    while ``|dy_px| < 0.82 × radius_px``."""
    if abs(dy_px) >= 0.82 * radius_px:
        raise ValueError("the displacement is too large for the radius: the image would fold")
    height, width = image.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(float)
    # Backward mapping: the output pixel at y shows the input at y - d. The
    # displacement is evaluated where the content lands, solved by a few fixed-point
    # steps so the moved content sits exactly dy_px from where it was at the centre.
    source_y = ys.copy()
    for _ in range(6):
        source_y = ys - displacement(
            np.stack([xs, source_y], axis=-1),
            centre_xy=centre_xy,
            radius_px=radius_px,
            dy_px=dy_px,
        )
    out = np.empty_like(image)
    channels = image.shape[2] if image.ndim == 3 else 1
    for c in range(channels):
        plane = image[..., c] if image.ndim == 3 else image
        warped = ndimage.map_coordinates(
            plane.astype(float), [source_y, xs], order=1, mode="nearest"
        )
        warped = np.clip(np.round(warped), 0, 255) if image.dtype == np.uint8 else warped
        if image.ndim == 3:
            out[..., c] = warped
        else:
            out[...] = warped
    return out


def brow_point(image: np.ndarray, *, side: str, where: str) -> tuple[float, float]:
    """The middle of the patient's ``side`` ("R" or "L") brow at ``where`` ("tail",
    "peak" or "medial"), from the face mesh, in image pixels: where to centre a
    warp that raises that part of the brow."""
    mesh = locate(image)
    if mesh is None:
        raise ValueError("no face was found in the image")
    upper, lower = (mesh[i, :2] for i in BROW_POINTS[f"brow_{where}"][side])
    x, y = (upper + lower) / 2
    return float(x), float(y)
