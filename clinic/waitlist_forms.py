"""The waitlist's forms: what suits the patient in; the rules (``clinic.waitlist``) decide."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from . import once
from .access import injectors
from .hours import WEEKDAY_NAMES
from .models import Appointment, Location, Patient, WaitlistEntry
from .scheduling_forms import DATE, TIME, InjectorChoiceField


class WaitlistForm(forms.Form):
    submit_token = once.token_field()  # a double submit adds one entry (clinic.once)
    # Every patient: an inactive one is refused by the rule, with its own message.
    patient = forms.ModelChoiceField(
        queryset=Patient.objects.all(),
        widget=forms.HiddenInput,
        error_messages={
            "required": "Choose a patient first: open the patient's page.",
            "invalid_choice": "That patient is unknown: open the patient's page again.",
        },
    )
    kind = forms.ChoiceField(choices=Appointment.Kind.choices, label="Visit kind")
    location = forms.ModelChoiceField(
        queryset=Location.objects.active(),
        error_messages={"invalid_choice": "Choose one of the clinic's active locations."},
    )
    injector = InjectorChoiceField(
        queryset=injectors(),
        required=False,
        empty_label="Any injector",
        error_messages={"invalid_choice": "That injector is unknown: choose one from the list."},
    )
    weekdays = forms.MultipleChoiceField(
        choices=[(str(i), name) for i, name in enumerate(WEEKDAY_NAMES)],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Days that suit",
        help_text="None ticked: any day.",
        error_messages={"invalid_choice": "Choose the weekdays from the list."},
    )
    times = forms.ChoiceField(
        choices=WaitlistEntry.Times.choices,
        initial=WaitlistEntry.Times.ANY,
        label="Time of day",
        error_messages={"invalid_choice": "Choose a time of day from the list."},
    )
    time_from = forms.TimeField(widget=TIME, required=False, label="From")
    time_until = forms.TimeField(widget=TIME, required=False, label="Until")
    first_day = forms.DateField(widget=DATE, label="From day")
    last_day = forms.DateField(
        widget=DATE, required=False, label="Until day", help_text="Empty: until booked."
    )
    desk_note = forms.CharField(
        required=False,
        max_length=250,
        label="Note for the desk",
        help_text="Booking notes only (how to reach them, short notice is fine). "
        "No clinical detail.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_day"].initial = timezone.localdate
