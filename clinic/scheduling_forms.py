"""Forms of the appointment book. Local dates and times in, UTC instants out."""

from __future__ import annotations

import datetime

from django import forms

from . import once
from .access import injectors
from .hours import hours_warning
from .input_bounds import date_in_window
from .models import Appointment, Location, Patient, Room
from .slots import NonexistentLocalTime, local_datetime

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CONFIRM_LABEL = "Book anyway (outside the hours or in a break)"
TIME = forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M")


class InjectorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name()


class RoomChoiceField(forms.ModelChoiceField):
    """A room of any location in use ("Room 2 · Riverside"); the booking rule
    (clinic.rooms) refuses another location's room. Empty: the first free room,
    for the kinds that need one."""

    def __init__(self, **kwargs):
        super().__init__(
            queryset=Room.objects.active()
            .select_related("location")
            .order_by("location__name", "name"),
            required=False,
            empty_label="Any free room",
            error_messages={"invalid_choice": "That room is unknown: choose one from the list."},
            **kwargs,
        )

    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.location.name}"


class WhenMixin:
    """Turns day + start (+ optional end) at a location into UTC instants.

    Outside opening hours, outside the injector's working hours or in their break
    is a warning (``clinic.hours.hours_warning``): the form asks once, then books
    when the box is ticked.
    """

    def _clean_when(
        self, data: dict, location: Location | None, kind: str | None, injector=None
    ) -> None:
        day, start, end = data.get("day"), data.get("start"), data.get("end")
        if not (location and day and start):
            return
        try:
            data["starts_at"] = local_datetime(location=location, day=day, time=start)
            data["ends_at"] = local_datetime(location=location, day=day, time=end) if end else None
        except NonexistentLocalTime as exc:
            self.add_error("start", str(exc))
            return
        if data["ends_at"] is not None and data["ends_at"] <= data["starts_at"]:
            self.add_error("end", "The end is before the start.")
            return
        ends_at = data["ends_at"] or data["starts_at"] + datetime.timedelta(
            minutes=Appointment.DEFAULT_MINUTES.get(kind, 30)
        )
        self.hours_warning = hours_warning(
            location=location, injector=injector, starts_at=data["starts_at"], ends_at=ends_at
        )
        if self.hours_warning and not data.get("confirm_outside_hours"):
            self.add_error("confirm_outside_hours", self.hours_warning)


class AppointmentForm(WhenMixin, forms.Form):
    submit_token = once.token_field()  # a double submit books once (clinic.once)
    patient = forms.ModelChoiceField(
        queryset=Patient.objects.active(),
        widget=forms.HiddenInput,
        error_messages={
            "required": "Choose a patient first.",
            "invalid_choice": "That patient is unknown: search for the patient again.",
        },
    )
    kind = forms.ChoiceField(choices=Appointment.Kind.choices, label="Visit kind")
    location = forms.ModelChoiceField(queryset=Location.objects.active())
    injector = InjectorChoiceField(
        queryset=injectors(),
        error_messages={"invalid_choice": "That injector is unknown: choose one from the list."},
    )
    room = RoomChoiceField(help_text="Treatments and touch-ups take a room.")
    day = forms.DateField(widget=DATE)
    start = forms.TimeField(widget=TIME, label="Starts")
    end = forms.TimeField(
        widget=TIME,
        required=False,
        label="Ends",
        help_text="Leave empty for the usual length of the visit kind.",
    )
    desk_note = forms.CharField(
        required=False,
        max_length=250,
        label="Note for the desk",
        help_text="Booking notes only. No clinical detail.",
    )
    confirm_outside_hours = forms.BooleanField(required=False, label=CONFIRM_LABEL)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.hours_warning = ""

    def clean(self):
        data = super().clean()
        self._clean_when(data, data.get("location"), data.get("kind"), data.get("injector"))
        return data


class RescheduleForm(WhenMixin, forms.Form):
    injector = InjectorChoiceField(
        queryset=injectors(), required=False, help_text="Empty: the same injector."
    )
    room = RoomChoiceField(help_text="Empty: its room while free, else the first free room.")
    day = forms.DateField(widget=DATE)
    start = forms.TimeField(widget=TIME, label="Starts")
    end = forms.TimeField(
        widget=TIME, required=False, label="Ends", help_text="Leave empty to keep the same length."
    )
    confirm_outside_hours = forms.BooleanField(required=False, label=CONFIRM_LABEL)

    def __init__(self, *args, appointment: Appointment, **kwargs):
        super().__init__(*args, **kwargs)
        self.appointment = appointment
        self.hours_warning = ""

    def clean(self):
        data = super().clean()
        self._clean_when(
            data,
            self.appointment.location,
            self.appointment.kind,
            data.get("injector") or self.appointment.injector,
        )
        if data.get("starts_at") and not data.get("ends_at"):
            data["ends_at"] = data["starts_at"] + (
                self.appointment.ends_at - self.appointment.starts_at
            )
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=250,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": "Give a reason."},
    )


# The calendars show days from twenty years back to five ahead (a day at the end of
# the calendar has no next day to link to).
CALENDAR_BACK_DAYS, CALENDAR_AHEAD_DAYS = 20 * 366, 5 * 366


def _calendar_day(form) -> datetime.date | None:
    day = form.cleaned_data.get("day")
    if day is None:
        return None
    return date_in_window(day, back_days=CALENDAR_BACK_DAYS, ahead_days=CALENDAR_AHEAD_DAYS)


class ListedChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField that, given ``listed`` (the rows of its queryset the request has
    read already), cleans a choice from them instead of asking the database again: the
    same value, the same refusal (``int`` reads the id as the ``pk`` lookup does)."""

    listed: list | None = None

    def to_python(self, value):
        if self.listed is None or value in self.empty_values:
            return super().to_python(value)
        self.validate_no_null_characters(value)
        try:
            pk = int(value)
        except (TypeError, ValueError):
            pk = None
        for row in self.listed:
            if row.pk == pk:
                return row
        raise forms.ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )


class DayForm(forms.Form):
    day = forms.DateField(required=False, widget=DATE, label="Day")
    location = ListedChoiceField(
        queryset=Location.objects.active(), required=False, empty_label=None
    )
    # The day view's columns: one per injector, or one per treatment room.
    by = forms.ChoiceField(
        choices=[("injector", "By injector"), ("room", "By room")], required=False
    )

    def __init__(self, *args, locations: list[Location] | None = None, **kwargs):
        """``locations``: the active locations read already (``request.location.active()``),
        to clean the chosen one from without a query."""
        super().__init__(*args, **kwargs)
        self.fields["location"].listed = locations

    def clean_day(self):
        return _calendar_day(self)


class WeekForm(forms.Form):
    day = forms.DateField(required=False, widget=DATE, label="Week of")
    injector = InjectorChoiceField(queryset=injectors(), required=False, empty_label=None)

    def clean_day(self):
        return _calendar_day(self)
