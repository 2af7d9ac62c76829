"""Days and times as the ``date`` filter writes them on the clinic's clock, each
distinct one written once per process (issue 22): the filter's format lookups and
``dateformat`` cost more than the rest of a short line of text.

``clock_text(value, fmt)`` equals ``{{ value|date:fmt }}`` (an aware datetime shown in
the current time zone, a day as it is) for the same time zone and language, which are
part of the key. Any app may use it (clinic is the bottom floor)."""

from __future__ import annotations

from functools import lru_cache

from django.utils import dateformat, timezone
from django.utils.translation import get_language

KEPT = 4096


@lru_cache(maxsize=KEPT)
def _text(value, offset, fmt: str, zone, language: str) -> str:
    return dateformat.format(value, fmt)


def clock_text(value, fmt: str) -> str:
    """``value`` (a day, or a datetime: shown on the current time zone's clock) written
    as ``{{ value|date:fmt }}`` writes it; "" for None. The local time's offset is part
    of the key: the two 01:30s of a night the clocks go back are equal as local times."""
    if value is None or value == "":
        return ""
    if hasattr(value, "tzinfo") and timezone.is_aware(value):
        zone = timezone.get_current_timezone()
        local = timezone.localtime(value, zone)
        return _text(local, local.utcoffset(), fmt, zone, get_language())
    return _text(value, None, fmt, None, get_language())
