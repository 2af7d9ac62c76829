from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.http import HttpResponseRedirect

from . import scheduling
from .errors import SchedulingError
from .hours import WEEKDAY_NAMES, hours_warning
from .models import (
    Appointment,
    ClosedDay,
    Location,
    OpeningHours,
    Patient,
    Room,
    TimeOff,
    User,
    WaitlistEntry,
    WorkingHours,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["last_name", "first_name"]
    list_display = ["email", "first_name", "last_name", "title", "is_active", "last_login"]
    list_filter = ["groups", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["first_name", "last_name", "title", "default_location"]}),
        ("Role", {"fields": ["groups", "is_active"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "first_name", "last_name", "groups", "password1", "password2"],
            },
        )
    ]
    readonly_fields = ["last_login", "date_joined"]
    filter_horizontal = ["groups"]

    def get_inlines(self, request, obj):
        # An injector's working hours and break (clinic.hours); none entered: works
        # whenever the location is open. Edited once the user exists.
        return [WorkingHoursInline] if obj is not None else []


class WorkingHoursFormSet(forms.BaseInlineFormSet):
    """Two rows of the same weekday may not overlap (one place at a time)."""

    def clean(self):
        super().clean()
        kept = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("starts_at")
            and form.cleaned_data.get("ends_at")
            and form.cleaned_data.get("weekday") is not None
        ]
        for i, one in enumerate(kept):
            for other in kept[i + 1 :]:
                if (
                    one["weekday"] == other["weekday"]
                    and one["starts_at"] < other["ends_at"]
                    and other["starts_at"] < one["ends_at"]
                ):
                    day = dict(WorkingHours._meta.get_field("weekday").choices)[one["weekday"]]
                    raise forms.ValidationError(
                        f"Two rows of working hours on {day} overlap "
                        f"({one['starts_at']:%H:%M}–{one['ends_at']:%H:%M} and "
                        f"{other['starts_at']:%H:%M}–{other['ends_at']:%H:%M}): "
                        "one place at a time."
                    )


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    formset = WorkingHoursFormSet
    fk_name = "injector"
    extra = 0
    fields = ["weekday", "location", "starts_at", "ends_at", "break_starts_at", "break_ends_at"]


class LocationAdminForm(forms.ModelForm):
    """Weekly closed days as boxes to tick (stored as digits, 0 = Monday)."""

    closed_on = forms.MultipleChoiceField(
        choices=[(str(i), name) for i, name in enumerate(WEEKDAY_NAMES)],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Closed every week on",
    )

    class Meta:
        model = Location
        fields = ["name", "address", "phone", "time_zone", "opens_at", "closes_at", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["closed_on"].initial = list(self.instance.closed_weekdays)

    def save(self, commit=True):
        self.instance.closed_weekdays = "".join(sorted(self.cleaned_data["closed_on"]))
        return super().save(commit=commit)


class OpeningHoursInline(admin.TabularInline):
    """Opening hours per weekday (clinic.hours): once a location has any, a weekday
    without a row is closed."""

    model = OpeningHours
    extra = 0
    max_num = 7


class ClosedDayInline(admin.TabularInline):
    model = ClosedDay
    extra = 1
    verbose_name = "holiday"


class RoomInline(admin.TabularInline):
    """The location's treatment rooms (clinic.rooms); a room with bookings is put out
    of use rather than deleted."""

    model = Room
    extra = 1
    fields = ["name", "is_active"]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    form = LocationAdminForm
    list_display = ["name", "time_zone", "closed_weekdays", "is_active"]
    inlines = [OpeningHoursInline, RoomInline, ClosedDayInline]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    """An injector's leave: no free times offered, no booking accepted (clinic.hours)."""

    list_display = ["injector", "first_day", "last_day", "reason"]
    list_filter = ["injector"]
    date_hierarchy = "first_day"


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["chart_number", "last_name", "first_name", "date_of_birth", "is_active"]
    search_fields = ["chart_number", "last_name", "first_name"]
    list_filter = ["is_active", "home_location"]


class AppointmentAdminForm(forms.ModelForm):
    """The admin's appointment form asks the appointment book's rules
    (``clinic.scheduling``), as the desk's pages do: a sane time from now on, an
    active injector, no clash, a free room for a kind that needs one (empty room:
    the first free), and a ticked box for outside opening hours."""

    confirm_outside_hours = forms.BooleanField(
        required=False, label="Book anyway (outside the hours or in a break)"
    )

    class Meta:
        model = Appointment
        fields = [
            "patient",
            "kind",
            "location",
            "injector",
            "room",
            "starts_at",
            "ends_at",
            "status",
            "desk_note",
            "cancel_reason",
            "created_by",
        ]

    FIELDS = {
        "starts": "starts_at",
        "ends": "ends_at",
        "patient": "patient",
        "injector": "injector",
        "room": "room",
    }

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        before = self.instance.pk and Appointment.objects.get(pk=self.instance.pk)
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        moved = not before or (starts_at, ends_at, data.get("injector"), data.get("room")) != (
            before.starts_at,
            before.ends_at,
            before.injector,
            before.room,
        )
        # On the change form patient and location are read-only: the booking's own.
        patient = data.get("patient") or (before and before.patient)
        location = data.get("location") or (before and before.location)
        kind = data.get("kind") or (before and before.kind)
        if not moved or not (starts_at and ends_at and patient and location and kind):
            return data
        try:
            scheduling.check_booking(
                patient=patient,
                kind=kind,
                location=location,
                injector=data["injector"],
                starts_at=starts_at,
                ends_at=ends_at,
                room=data.get("room"),
                keep_room=before.room if before else None,
                exclude_id=self.instance.pk,
            )
        except SchedulingError as exc:
            self.add_error(self.FIELDS.get(exc.field), str(exc))
            return data
        warning = hours_warning(
            location=location, injector=data["injector"], starts_at=starts_at, ends_at=ends_at
        )
        if warning and not data.get("confirm_outside_hours"):
            self.add_error("confirm_outside_hours", warning)
        return data


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    """Booking, moving and status changes go through ``clinic.scheduling``, the
    one set of booking rules; what the rules refuse is said on the form."""

    form = AppointmentAdminForm
    list_display = ["starts_at", "kind", "status", "patient", "injector", "location", "room"]
    list_filter = ["status", "kind", "location"]
    date_hierarchy = "starts_at"
    list_select_related = ["patient", "injector", "location", "room"]
    raw_id_fields = ["patient", "injector", "created_by"]
    readonly_fields = ["blocked_until", "reminder_sent_at", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return [*self.readonly_fields, "status", "cancel_reason"]
        # A booking keeps its patient, kind and place; book a new one instead.
        return [*self.readonly_fields, "patient", "kind", "location", "created_by"]

    def save_model(self, request, obj, form, change):
        try:
            if change:
                self._change(obj, form)
            else:
                booked = scheduling.book_appointment(
                    patient=obj.patient,
                    kind=obj.kind,
                    location=obj.location,
                    injector=obj.injector,
                    starts_at=obj.starts_at,
                    ends_at=obj.ends_at,
                    by=request.user,
                    desk_note=obj.desk_note,
                    room=obj.room,
                )
                obj.pk, obj.created_by, obj.room = booked.pk, booked.created_by, booked.room
        except SchedulingError as exc:  # a second desk took the time meanwhile
            request._booking_refused = str(exc)

    @staticmethod
    @transaction.atomic  # all or nothing: a refused status undoes the move with it
    def _change(obj, form) -> None:
        before = Appointment.objects.get(pk=obj.pk)
        if (obj.starts_at, obj.ends_at, obj.injector_id, obj.room_id) != (
            before.starts_at,
            before.ends_at,
            before.injector_id,
            before.room_id,
        ):
            scheduling.reschedule_appointment(
                appointment=before,
                starts_at=obj.starts_at,
                ends_at=obj.ends_at,
                injector=obj.injector,
                room=obj.room,
            )
        if obj.status != before.status:
            scheduling.change_status(appointment=before, to=obj.status, reason=obj.cancel_reason)
        if obj.desk_note != before.desk_note:
            Appointment.objects.filter(pk=obj.pk).update(desk_note=obj.desk_note)

    def _refused(self, request):
        refusal = getattr(request, "_booking_refused", None)
        if refusal is None:
            return None
        self.message_user(request, f"Not saved: {refusal}", level=messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def response_add(self, request, obj, post_url_continue=None):
        return self._refused(request) or super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        return self._refused(request) or super().response_change(request, obj)

    def log_addition(self, request, obj, message):
        if not hasattr(request, "_booking_refused"):
            return super().log_addition(request, obj, message)
        return None

    def log_change(self, request, obj, message):
        if not hasattr(request, "_booking_refused"):
            return super().log_change(request, obj, message)
        return None


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):
    """Read-only: the waitlist is added to, booked and cleared on its pages, through
    ``clinic.waitlist`` (no past day, no inactive patient, booking by the book's rules)."""

    list_display = ["created_at", "patient", "kind", "location", "injector", "state"]
    list_filter = ["state", "kind", "location"]
    list_select_related = ["patient", "location", "injector"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
