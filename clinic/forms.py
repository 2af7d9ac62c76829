from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.utils import timezone

from . import once
from .errors import RuleError
from .models import Location, Patient
from .patients import date_of_birth_problem, possible_duplicates


class PatientForm(forms.ModelForm):
    submit_token = once.token_field()  # a double submit stores one patient (clinic.once)
    confirm_not_duplicate = forms.BooleanField(
        required=False,
        label="This is a different person: create the record anyway",
    )

    class Meta:
        model = Patient
        fields = [
            "first_name",
            "last_name",
            "date_of_birth",
            "sex",
            "phone",
            "email",
            "chart_number",
            "home_location",
            "front_desk_notes",
            "is_active",
        ]
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "front_desk_notes": forms.Textarea(attrs={"rows": 3}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.duplicates: list[Patient] = []
        self.fields["home_location"].queryset = Location.objects.active()
        self.fields["chart_number"].required = False
        if self.instance.pk is None:
            self.fields["chart_number"].help_text = "Leave empty to give the next free number."
            del self.fields["is_active"]
        else:
            del self.fields["confirm_not_duplicate"], self.fields[once.FIELD]
        for name in ("first_name", "last_name"):
            self.fields[name].widget.attrs["autocomplete"] = "off"
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(Column("first_name"), Column("last_name")),
            Row(Column("date_of_birth"), Column("sex")),
            Row(Column("phone"), Column("email")),
            Row(Column("chart_number"), Column("home_location")),
            "front_desk_notes",
            *(["is_active"] if "is_active" in self.fields else []),
            *(["confirm_not_duplicate"] if "confirm_not_duplicate" in self.fields else []),
            *([once.FIELD] if once.FIELD in self.fields else []),
            Submit("save", "Save patient", css_class="btn-lg"),
        )

    def clean_first_name(self):
        return self._clean_name("first_name")

    def clean_last_name(self):
        return self._clean_name("last_name")

    def _clean_name(self, field: str) -> str:
        value = " ".join(self.cleaned_data[field].split())
        if not value:
            raise forms.ValidationError("Enter a name.")
        return value

    def clean_date_of_birth(self):
        dob = self.cleaned_data["date_of_birth"]
        if problem := date_of_birth_problem(dob, today=timezone.localdate()):
            raise forms.ValidationError(problem)
        return dob

    def clean_chart_number(self):
        number = self.cleaned_data["chart_number"].strip().upper()
        if number:
            taken = Patient.objects.filter(chart_number__iexact=number)
            if self.instance.pk:
                taken = taken.exclude(pk=self.instance.pk)
            if taken.exists():
                raise forms.ValidationError(f"Chart number {number} belongs to another patient.")
        return number

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and all(
            data.get(k) for k in ("first_name", "last_name", "date_of_birth")
        ):
            self.duplicates = list(
                possible_duplicates(
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    date_of_birth=data["date_of_birth"],
                )[:5]
            )
            if self.duplicates and not data.get("confirm_not_duplicate"):
                self.add_error(
                    "confirm_not_duplicate",
                    "A patient with this name and date of birth exists already. Open that "
                    "record, or tick this box if this is a different person.",
                )
        return data


class PatientSearchForm(forms.Form):
    """The patient list's search. It validates; the page writes the two inputs itself
    (templates/clinic/patient_list.html, issue 22: a widget's template is a render of
    its own), reading ``max_length``, the values and the errors from here."""

    q = forms.CharField(required=False, max_length=100, label="Search")
    inactive = forms.BooleanField(required=False, label="Include inactive")


class PatientImportForm(forms.Form):
    """The clinic admin's CSV of patients (``clinic.patient_import``)."""

    file = forms.FileField(
        label="CSV file of patients",
        help_text="UTF-8 CSV with a header line; up to 5,000 patients per file.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


DATE = forms.DateInput(attrs={"type": "date"})


class DateRangeForm(forms.Form):
    """From one day to another, both optional; the end not before the start (the
    audit log's filter, the reports' dates)."""

    date_from = forms.DateField(label="From", required=False, widget=DATE)
    date_to = forms.DateField(label="To", required=False, widget=DATE)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date is before the start date.")
        return data


def show_on_form(form, error: RuleError, *, renamed: dict[str, str] | None = None) -> None:
    """A rule's refusal next to its field (``renamed``: the rule's field name to the
    form's), else at the top of the form."""
    field = (renamed or {}).get(error.field or "", error.field)
    form.add_error(field if field in form.fields else None, error.message)
