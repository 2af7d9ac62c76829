from __future__ import annotations

from django import forms

from clinic.forms import DATE, DateRangeForm


class ExportForm(DateRangeForm):
    """The clinic-wide export needs both dates."""

    date_from = forms.DateField(label="From", widget=DATE)
    date_to = forms.DateField(label="To", widget=DATE)
