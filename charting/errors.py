"""The one exception of the charting rules."""

from __future__ import annotations

from clinic.errors import RuleError


class ChartingError(RuleError):
    """A charting rule said no; ``message`` for the injector and ``field`` the form
    field it belongs next to (or None)."""
