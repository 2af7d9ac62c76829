"""Errors of the review rules: charting's error, so views handle both alike."""

from __future__ import annotations

from charting.errors import ChartingError


class ReviewError(ChartingError):
    """A review rule said no; ``message`` for the injector, ``field`` for the form."""


class ReviewErrors(ReviewError):
    """Several fields refused at once: ``errors`` maps a form field name to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("The review was not saved: correct the fields marked in red.")
        self.errors = errors


class StaleReview(ReviewError):
    """The review changed in another tab since this form was opened."""
