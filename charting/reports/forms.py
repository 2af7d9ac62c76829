from __future__ import annotations

from django import forms

from clinic import once
from clinic.forms import DATE, DateRangeForm

from .models import RECORD_KINDS, Kind, RecordRelease, ReportJob, Status


class ExportForm(DateRangeForm):
    """The clinic-wide export needs both dates."""

    date_from = forms.DateField(label="From", widget=DATE)
    date_to = forms.DateField(label="To", widget=DATE)


class RecordForm(forms.Form):
    """Ask for the complete record or (the admin only) the patient's copy."""

    kind = forms.ChoiceField(
        label="What to make", widget=forms.RadioSelect, initial=Kind.RECORD, choices=()
    )
    audit_trail = forms.BooleanField(
        label="Include the record's audit trail (who opened or changed it, when)",
        required=False,
        help_text="The complete record only; never in the patient's copy.",
    )
    submit_token = once.token_field()  # a double submit makes one job (clinic.once)

    def __init__(self, *args, may_give_copy: bool, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(Kind.RECORD, "The complete medico-legal record")]
        if may_give_copy:
            choices.append(
                (Kind.PATIENT_COPY, "The patient's copy (right of access, plain layout)")
            )
        self.fields["kind"].choices = choices


class ReleaseForm(forms.ModelForm):
    """Log a record given out: when it was asked for and given, to whom, how."""

    submit_token = once.token_field()  # a double submit logs it once (clinic.once)

    class Meta:
        model = RecordRelease
        fields = ["job", "requested_on", "given_on", "given_to", "method", "note"]
        widgets = {"requested_on": DATE, "given_on": DATE}
        labels = {"job": "Copy given", "given_to": "Given to"}

    def __init__(self, *args, patient, **kwargs):
        kwargs.setdefault("auto_id", "release_%s")  # beside RecordForm on one page: own ids
        super().__init__(*args, **kwargs)
        self.instance.patient = patient
        self.fields["job"].queryset = (
            ReportJob.objects.for_patient(patient)
            .filter(kind__in=RECORD_KINDS, status=Status.DONE)
            .latest_first()
        )
        self.fields["job"].label_from_instance = lambda job: (
            f"{job.get_kind_display()} made {job.requested_at:%b %-d, %Y} (#{job.pk})"
        )
        self.fields["given_to"].initial = "The patient"
