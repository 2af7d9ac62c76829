"""The demo's measured photos (issue 21). Drawn faces are not found by the
face-landmark model, and demo data stays invented, so the demo's measured photos are
the public-domain NASA portrait that scikit-image ships (``skimage.data.astronaut()``),
labelled on screen as a test portrait (``Photo.source_note``), never presented as an
invented patient's face. The patient's R brow tail is raised by a known number of
pixels (``planning.face_warp``), so the change the demo shows is known by
construction. scikit-image is a dev dependency (``make run`` installs it); without
it the demo makes no such photo and says so."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile

# The consultation's photo: the R brow tail raised 1.2 px (about 1.7 mm at the
# portrait's 1.42 mm per pixel); measured "brow tail R +2.4 mm higher" at rest with
# the portrait's own +0.7 mm. The review's photo is the portrait as it is.
TAIL_RAISED_PX = 1.2
WARP_RADIUS_PX = 12.0


def source_note(tail_up_px: float) -> str:
    change = (
        f"its patient's R brow tail raised by {tail_up_px:g} px by a known warp"
        if tail_up_px
        else "unchanged"
    )
    return (
        "Test portrait: the public-domain NASA astronaut portrait shipped with "
        f"scikit-image, {change}. Not this patient's face (demo)."
    )


def portrait_upload(*, tail_up_px: float) -> SimpleUploadedFile | None:
    """The portrait with the patient's R brow tail raised ``tail_up_px`` pixels, as a
    JPEG upload; None when scikit-image is not installed."""
    try:
        from skimage import data
    except ImportError:  # pragma: no cover - a production install without the dev extra
        return None
    from PIL import Image

    from .face_warp import brow_point, warp_region

    image = data.astronaut()
    if tail_up_px:
        centre = brow_point(image, side="R", where="tail")
        image = warp_region(image, centre, WARP_RADIUS_PX, -tail_up_px)
    out = io.BytesIO()
    Image.fromarray(image).save(out, format="PNG")
    return SimpleUploadedFile("test-portrait.png", out.getvalue(), content_type="image/png")
