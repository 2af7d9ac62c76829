"""The one exception of the charting rules."""

from __future__ import annotations


class ChartingError(Exception):
    """A charting rule said no; ``str(error)`` is the message for the injector and
    ``field`` names the form field it belongs next to (or None)."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
