"""The clinic's letterhead and paper on every PDF: name, address, phone, logo, and
the paper size (US Letter or A4, per clinic; Letter by default).

``current()`` is the one read (an unsaved default when the admin has not edited
it yet); ``context_for`` is what ``rendering.base_context`` gives every PDF
template (``pdf/base.html`` prints the letterhead once, on page 1, and sets the
page size). The logo goes through the photos' cleaning (``planning.photos.clean_image``:
a real image, re-encoded from pixels, no metadata) into the private storage; the
PDF embeds it as a ``data:`` URL (the report's fetcher loads nothing else).

Doors: the Django admin (``reports.admin.LetterheadAdmin``), the only editor."""

from __future__ import annotations

import base64
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from planning.photos import CleanImage, clean_image

from .models import Letterhead, Paper
from .storage import private_storage

LOGO_DIR = "letterhead"


def current() -> Letterhead:
    """The clinic's letterhead (one query), or the defaults when never edited."""
    return Letterhead.objects.filter(pk=1).first() or Letterhead(pk=1)


def clean_logo(upload) -> CleanImage:
    """``upload`` cleaned like a photo; ``ValidationError`` when it is not an image."""
    return clean_image(upload)


def store_logo(*, letterhead: Letterhead, cleaned: CleanImage) -> None:
    """Make the cleaned image the letterhead's logo (the caller saves the row); the
    old file goes once the row is saved."""
    storage = private_storage()
    old = letterhead.logo_name
    letterhead.logo_name = storage.save(
        f"{LOGO_DIR}/{uuid.uuid4().hex}.jpg", ContentFile(cleaned.data)
    )
    if old:
        transaction.on_commit(lambda: storage.delete(old) if storage.exists(old) else None)


def remove_logo(*, letterhead: Letterhead) -> None:
    old, letterhead.logo_name = letterhead.logo_name, ""
    if old:
        storage = private_storage()
        transaction.on_commit(lambda: storage.delete(old) if storage.exists(old) else None)


def logo_data_url(letterhead: Letterhead) -> str:
    storage = private_storage()
    if not letterhead.logo_name or not storage.exists(letterhead.logo_name):
        return ""
    with storage.open(letterhead.logo_name, "rb") as logo:
        return "data:image/jpeg;base64," + base64.b64encode(logo.read()).decode("ascii")


def context_for(letterhead: Letterhead | None = None) -> dict:
    """The letterhead as the PDF templates read it."""
    letterhead = letterhead or current()
    paper = letterhead.paper if letterhead.paper in Paper.values else Paper.LETTER
    return {
        "clinic_name": letterhead.name or settings.CLINIC_NAME,
        "clinic_address_lines": [
            line.strip() for line in letterhead.address.splitlines() if line.strip()
        ],
        "clinic_phone": letterhead.phone,
        "clinic_logo": logo_data_url(letterhead),
        "paper": paper,  # a CSS page size from the choices only
    }
