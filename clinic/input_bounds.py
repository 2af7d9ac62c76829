"""The one way to bound what people type: a date in a sane window for its field, and
text without control characters. Every form and rule that takes such a field calls
these (raising Django's ``ValidationError``, shown at the field)."""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils import timezone

# Any C0 control, DEL and the C1 controls; a multi-line text may hold tab and line breaks.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
NO_CONTROL = "Remove the control characters (line breaks, NUL and the like) from this text."


def date_in_window(
    value: datetime.date,
    *,
    back_days: int,
    ahead_days: int,
    today: datetime.date | None = None,
) -> datetime.date:
    """``value`` when it lies from ``back_days`` before today to ``ahead_days`` after."""
    today = today or timezone.localdate()
    first = today - datetime.timedelta(days=back_days)
    last = today + datetime.timedelta(days=ahead_days)
    if not first <= value <= last:
        raise ValidationError(
            f"Choose a day between {first:%d %b %Y} and {last:%d %b %Y}.", code="date_window"
        )
    return value


def no_control_characters(text: str, *, multiline: bool = False) -> str:
    """``text`` when it holds no control characters (tabs and line breaks allowed when
    ``multiline``)."""
    if control_characters_in(text, multiline=multiline):
        raise ValidationError(NO_CONTROL, code="control_characters")
    return text


def control_characters_in(text: str, *, multiline: bool = False) -> bool:
    """Whether ``text`` holds a control character (for rules that collect their errors
    by field and say ``NO_CONTROL``)."""
    return bool((_CONTROL_MULTILINE if multiline else _CONTROL).search(text or ""))
