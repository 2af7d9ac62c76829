"""Where report files live: the "private" storage, outside every URL."""

from __future__ import annotations

from pathlib import Path

from django.contrib.staticfiles import finders
from django.core.files.storage import storages


def private_storage():
    return storages["private"]


def static_file_url(path: str) -> str:
    """A ``file:`` URL for one of our static files (the PDF templates' stylesheet)."""
    found = finders.find(path)
    if not found:
        raise FileNotFoundError(f"static file {path} not found")
    return Path(found).resolve().as_uri()
