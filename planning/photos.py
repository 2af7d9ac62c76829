"""Clinical photos: validate with Pillow, fix orientation, strip metadata, store
privately with a thumbnail.

Every stored file is re-encoded from pixels only, so no EXIF (GPS, device,
time), XMP, ICC or comment survives. Files go to the "private" storage of
settings.STORAGES, never under MEDIA_URL.
"""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass

import numpy as np
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from PIL import Image, ImageOps, UnidentifiedImageError

from .choices import VisitKind, VisitStatus
from .models import Expression, MeasurementStatus, Photo, PhotoMeasurement, Visit
from .models.locking import locked_message
from .screening import ScreeningState, screening_state
from .tasks import measure_photo

try:  # HEIC/HEIF from iPads and iPhones, when pillow-heif is installed.
    from pillow_heif import register_heif_opener  # type: ignore[import-not-found]

    register_heif_opener()
    HEIF_SUPPORTED = True
except ImportError:  # pragma: no cover - depends on the installation
    HEIF_SUPPORTED = False

MAX_BYTES = 15 * 1024 * 1024  # 15 MB per file
MAX_PIXELS = 40_000_000  # 40 megapixels; larger is refused (decompression bombs)
MAX_STORED_SIDE = 2400  # the stored photo's longest side, in pixels
THUMB_SIDE = 320
ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "HEIF"}
HEIC_SUFFIXES = (".heic", ".heif")


def private_storage():
    return storages["private"]


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    thumbnail: bytes
    width: int
    height: int


def _fail(name: str, message: str) -> ValidationError:
    return ValidationError(f"{name}: {message}", code="invalid_photo")


def clean_image(upload) -> CleanImage:
    """Check an uploaded file is a real photo and return it re-encoded without metadata."""
    name = getattr(upload, "name", "photo") or "photo"
    if upload.size > MAX_BYTES:
        raise _fail(
            name, f"the file is {upload.size / 1024 / 1024:.1f} MB; the limit is 15 MB per photo."
        )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise _fail(
                    name,
                    f"the image is {width} × {height} pixels; the limit is "
                    f"{MAX_PIXELS // 1_000_000} megapixels.",
                )
            if image.format not in ACCEPTED_FORMATS:
                raise _fail(name, f"{image.format} images are not accepted; use JPEG or PNG.")
            image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _fail(
            name,
            f"the image has too many pixels to open safely; the limit is "
            f"{MAX_PIXELS // 1_000_000} megapixels.",
        ) from exc
    except UnidentifiedImageError as exc:
        if name.lower().endswith(HEIC_SUFFIXES) and not HEIF_SUPPORTED:
            raise _fail(
                name,
                "HEIC photos cannot be read on this server. Set the camera to "
                "'Most Compatible' (JPEG) or export the photo as JPEG.",
            ) from exc
        raise _fail(name, "this is not a photo we can read (JPEG, PNG or HEIC).") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise _fail(name, "the image file is damaged or incomplete.") from exc

    image = ImageOps.exif_transpose(image)  # turn the pixels as the camera meant
    image = _to_rgb(image)
    image.thumbnail((MAX_STORED_SIDE, MAX_STORED_SIDE))
    clean = Image.frombytes("RGB", image.size, image.tobytes())  # pixels only, no info
    thumb = clean.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    return CleanImage(
        data=_jpeg(clean, quality=90),
        thumbnail=_jpeg(thumb, quality=80),
        width=clean.width,
        height=clean.height,
    )


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _jpeg(image: Image.Image, *, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality, optimize=True)
    return out.getvalue()


NOT_SCREENED = "Photos can be added once the patient is screened and not blocked."


def photo_refusal(*, visit: Visit, state: ScreeningState | None = None) -> str | None:
    """Why no photo can be added to ``visit`` now, or None. The one photo rule, asked by
    the photo page and by every store below (pass the page's ``state`` when in hand).

    A signed visit takes no photo, nor a signed review's. A review visit takes photos
    without a screening of its own: it belongs to the cycle its treatment was screened
    for (issue 17, finding 5; a new screening there would count the cycle's own
    treatment as a retreatment).
    Any other visit is screened first and not blocked. Queries: 0 for a review visit,
    else the screening (1-2) unless ``state`` is given."""
    if visit.locked_at is not None:
        return locked_message("photos")
    if visit.kind == VisitKind.REVIEW:  # signing the review completes its visit
        done = visit.status == VisitStatus.COMPLETED
        return "This review is signed: no photo is added to it." if done else None
    state = state or screening_state(visit=visit)
    return None if state.allows_exam else NOT_SCREENED


def _refuse_unscreened(visit: Visit) -> None:
    visit.refuse_if_locked("photos")  # read fresh: signed meanwhile
    if (refusal := photo_refusal(visit=visit)) is not None:
        raise ValidationError(refusal, code="photo_refused")


def store_photo(
    *,
    visit: Visit,
    by,
    upload,
    expression: Expression | None = None,
    moment: str = "",
    source_note: str = "",
    not_measured: str = "",
) -> Photo:
    """Validate, clean and store one photo of the visit. ``source_note`` says on
    screen where a picture comes from when it is not the patient's photo (the demo's);
    ``not_measured``: why it is not measured (a drawn picture), instead of queuing it."""
    _refuse_unscreened(visit)
    cleaned = clean_image(upload)
    return save_clean_photo(
        visit=visit,
        by=by,
        cleaned=cleaned,
        expression=expression,
        moment=moment,
        source_note=source_note,
        not_measured=not_measured,
    )


def save_clean_photo(
    *,
    visit: Visit,
    by,
    cleaned: CleanImage,
    expression: Expression | None,
    moment: str,
    patient_uploaded: bool = False,
    source_note: str = "",
    not_measured: str = "",
) -> Photo:
    visit.refuse_if_locked("photos")  # signed: no photo is added to the record
    storage = private_storage()
    stem = f"photos/{visit.pk}/{uuid.uuid4().hex}"
    file_name = storage.save(f"{stem}.jpg", ContentFile(cleaned.data))
    thumb_name = storage.save(f"{stem}_thumb.jpg", ContentFile(cleaned.thumbnail))
    try:
        with transaction.atomic():
            photo = Photo(
                visit=visit,
                expression=expression,
                moment=moment,
                file_name=file_name,
                thumbnail_name=thumb_name,
                content_type="image/jpeg",
                width=cleaned.width,
                height=cleaned.height,
                size_bytes=len(cleaned.data),
                uploaded_by=by,
                patient_uploaded=patient_uploaded,
                source_note=source_note,
            )
            photo.full_clean()
            photo.save()
            if not_measured:
                PhotoMeasurement.objects.create(
                    photo=photo, status=MeasurementStatus.UNUSABLE, reason=not_measured
                )
            else:  # measured after the commit by the worker (issue 21); pending until then
                queue_measurement(photo)
    except Exception:
        storage.delete(file_name)
        storage.delete(thumb_name)
        raise
    return photo


def store_photos(
    *,
    visit: Visit,
    by,
    uploads: list,
    expression: Expression | None = None,
    moment: str = "",
    guided: bool = False,
) -> list[Photo]:
    """Several photos at once: all are checked first, then all stored, or none.

    ``guided``: taken with the standardized capture, whose photos are for measuring:
    one the pose gate refuses (no face, turned, tilted, too far) is refused with
    that sentence, and nothing of the upload is stored. Other uploads are stored as
    they are; their measurement says why when it cannot be made."""
    _refuse_unscreened(visit)
    errors, cleaned = [], []
    for upload in uploads:
        try:
            item = clean_image(upload)
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        if guided and (refusal := capture_refusal(item)) is not None:
            errors.append(_fail(getattr(upload, "name", "photo") or "photo", refusal).messages[0])
            continue
        cleaned.append(item)
    if errors:
        raise ValidationError(errors)
    photos: list[Photo] = []
    try:
        with transaction.atomic():
            for item in cleaned:
                photos.append(
                    save_clean_photo(
                        visit=visit, by=by, cleaned=item, expression=expression, moment=moment
                    )
                )
    except Exception:
        for photo in photos:
            delete_files(photo)
        raise
    return photos


def queue_measurement(photo: Photo) -> PhotoMeasurement:
    """The photo's measurement, pending, and its task queued once the photo's
    transaction commits (a rolled-back photo queues nothing; issue 21)."""
    row, _ = PhotoMeasurement.objects.get_or_create(photo=photo)
    photo_id = photo.pk
    transaction.on_commit(lambda: measure_photo.delay(photo_id))
    return row


def capture_refusal(cleaned: CleanImage) -> str | None:
    """The pose gate on a cleaned photo (planning.face_measure.pose_refusal)."""
    from .face_measure import pose_refusal  # loads the face model on first use

    with Image.open(io.BytesIO(cleaned.data)) as image:
        rgb = np.asarray(image.convert("RGB"))
    return pose_refusal(rgb)


def delete_files(photo: Photo) -> None:
    storage = private_storage()
    for name in (photo.file_name, photo.thumbnail_name):
        if name and storage.exists(name):
            storage.delete(name)


def open_photo(photo: Photo, *, thumbnail: bool = False):
    return private_storage().open(photo.thumbnail_name if thumbnail else photo.file_name, "rb")
