from __future__ import annotations

from django import forms

DATE_WIDGET = forms.DateInput(attrs={"type": "date"})


class DateRangeForm(forms.Form):
    date_from = forms.DateField(label="From", required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label="To", required=False, widget=DATE_WIDGET)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date is before the start date.")
        return data


class ExportForm(DateRangeForm):
    """The clinic-wide export needs both dates."""

    date_from = forms.DateField(label="From", widget=DATE_WIDGET)
    date_to = forms.DateField(label="To", widget=DATE_WIDGET)
