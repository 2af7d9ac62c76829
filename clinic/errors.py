"""The one shape of a rule's refusal, whichever floor's rule it is."""

from __future__ import annotations


class RuleError(Exception):
    """A rule said no: ``message`` for the person at the screen, ``field`` the form
    field it belongs next to (or None for the whole form)."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
