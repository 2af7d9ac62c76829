"""Errors of the reports app."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class ReportRefused(ValidationError):
    """The report cannot be made (nothing in the range, chart not signed); said as is."""
