"""Book, open, reschedule, cancel an appointment and move it through the day."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from .. import intake_links, once, scheduling, waitlist
from ..access import WAITLIST_ROLES, get_appointment_for, may_see_clinical, role_required
from ..errors import SchedulingError
from ..forms import show_on_form
from ..models import Appointment, Patient
from ..roles import Role
from ..scheduling_forms import AppointmentForm, ReasonForm, RescheduleForm
from .schedule import visit_url

PICK_LIMIT = 20


FIELDS = {"starts": "start", "ends": "end"}  # the rules' names of the form's fields


def _initial_from(request) -> dict:
    keys = ("patient", "kind", "location", "injector", "room", "day", "start")
    initial = {k: request.GET[k] for k in keys if request.GET.get(k)}
    initial.setdefault("location", getattr(request.location.get(), "pk", None))
    initial.setdefault("day", timezone.localdate().isoformat())
    return initial


@role_required(*Role.values)
def appointment_book(request):
    """Step one: find the patient (unless given); step two: the booking form."""
    if request.method == "GET" and not request.GET.get("patient"):
        query = request.GET.get("q", "").strip()[:100]
        found = list(Patient.objects.active().search(query)[:PICK_LIMIT]) if query else []
        carry = {k: v for k, v in request.GET.items() if k not in ("q", "patient")}
        back = f"{request.path}?{urlencode(carry)}" if carry else request.path
        return render(
            request,
            "clinic/appointment_pick_patient.html",
            {
                "query": query,
                "found": found,
                "carry": carry,
                "limit": PICK_LIMIT,
                # A new caller: create the patient, then come back to this booking.
                "new_patient_url": f"{reverse('patient_create')}?{urlencode({'next': back})}",
            },
        )
    form = AppointmentForm(request.POST or None, initial=_initial_from(request))
    patient = _patient_of(form, request)
    if request.method == "POST":
        try:
            with once.submit_once(request) as submit:
                if submit.earlier:  # a double submit lands on the booking the first made
                    messages.info(request, "This appointment was already booked; stored once.")
                    return redirect(submit.earlier)
                if form.is_valid():
                    appointment = _book(request, form.cleaned_data)
                    submit.stored(appointment.get_absolute_url())
                    return redirect(appointment)
        except SchedulingError as error:
            show_on_form(form, error, renamed=FIELDS)
    return render(request, "clinic/appointment_form.html", {"form": form, "patient": patient})


def _book(request, data: dict) -> Appointment:
    appointment = scheduling.book_appointment(
        patient=data["patient"],
        kind=data["kind"],
        location=data["location"],
        injector=data["injector"],
        starts_at=data["starts_at"],
        ends_at=data["ends_at"],
        by=request.user,
        desk_note=data["desk_note"],
        room=data["room"],
    )
    start = appointment.local_start
    room = f" in {appointment.room.name}" if appointment.room else ""
    messages.success(
        request,
        f"Booked: {appointment.get_kind_display()} for {appointment.patient.full_name} "
        f"on {start:%a %b %-d} at {start:%H:%M} with "
        f"{appointment.injector.get_full_name()}{room}.",
    )
    return appointment


def _patient_of(form, request) -> Patient | None:
    raw = form.data.get("patient") if form.is_bound else form.initial.get("patient")
    if not raw or not str(raw).isdigit():
        return None
    return Patient.objects.filter(pk=raw).first()


@role_required(*Role.values)
def appointment_detail(request, appointment_id: int):
    appointment = get_appointment_for(request.user, appointment_id)
    allowed = set(scheduling.TRANSITIONS[appointment.status])
    if appointment.status == Appointment.Status.BOOKED and not scheduling.on_the_day(appointment):
        allowed -= {Appointment.Status.ARRIVED, Appointment.Status.IN_TREATMENT}
    actions = [
        (to, label)
        for to, label in [
            (Appointment.Status.ARRIVED, "Mark arrived"),
            (Appointment.Status.IN_TREATMENT, "Start visit"),
            (Appointment.Status.COMPLETED, "Mark completed"),
            (Appointment.Status.NO_SHOW, "Mark no-show"),
            (Appointment.Status.BOOKED, "Back to booked"),
        ]
        if to in allowed
    ]
    context = {
        "appointment": appointment,
        "actions": actions,
        "can_move": appointment.status == Appointment.Status.BOOKED,
        "can_cancel": Appointment.Status.CANCELLED in allowed,
        "can_wait": request.user.has_role(*WAITLIST_ROLES),
        "cancel_form": ReasonForm(),
        # Injectors and admins open the visit's clinical screens from here.
        "visit_url": visit_url(appointment) if may_see_clinical(request.user) else "",
        # A cancelled time ahead: who on the waitlist fits it, one tap each (clinic.waitlist)
        "waitlist_offers": _waitlist_offers(request, appointment),
        # The pre-visit form's status only (one query); never its answers.
        "intake": intake_links.status_for(appointment=appointment),
        "intake_can_send": intake_links.refusal(appointment, timezone.now()) is None,
        "intake_token": once.new_token(),  # a double tap on "Send" sends one link
    }
    return render(request, "clinic/appointment_detail.html", context)


def _waitlist_offers(request, appointment: Appointment) -> list:
    if appointment.status != Appointment.Status.CANCELLED or not request.user.has_role(
        *WAITLIST_ROLES
    ):
        return []
    return [(offer, once.new_token()) for offer in waitlist.offers_for(appointment)]


@role_required(*Role.values)
@require_POST
def appointment_status(request, appointment_id: int):
    appointment = get_appointment_for(request.user, appointment_id)
    to = request.POST.get("to", "")
    if to not in Appointment.Status.values or to == Appointment.Status.CANCELLED:
        messages.error(request, "Choose one of the buttons to change the status.")
        return redirect(appointment)
    try:
        appointment = scheduling.change_status(appointment=appointment, to=to)
    except SchedulingError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"{appointment.patient.full_name}: {appointment.get_status_display().lower()}.",
        )
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(appointment)


@role_required(*Role.values)
def appointment_cancel(request, appointment_id: int):
    appointment = get_appointment_for(request.user, appointment_id)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            scheduling.change_status(
                appointment=appointment,
                to=Appointment.Status.CANCELLED,
                reason=form.cleaned_data["reason"],
            )
        except SchedulingError as error:
            show_on_form(form, error)
        else:
            messages.success(request, "Appointment cancelled.")
            return redirect(appointment)
    return render(
        request, "clinic/appointment_cancel.html", {"appointment": appointment, "form": form}
    )


@role_required(*Role.values)
def appointment_reschedule(request, appointment_id: int):
    appointment = get_appointment_for(request.user, appointment_id)
    start = appointment.local_start
    initial = {
        "injector": appointment.injector_id,
        "day": start.date(),
        "start": start.time(),
    }
    form = RescheduleForm(request.POST or None, initial=initial, appointment=appointment)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appointment = scheduling.reschedule_appointment(
                appointment=appointment,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                injector=data["injector"],
                room=data["room"],
            )
        except SchedulingError as error:
            show_on_form(form, error, renamed=FIELDS)
        else:
            moved = appointment.local_start
            room = f" in {appointment.room.name}" if appointment.room else ""
            messages.success(request, f"Moved to {moved:%a %b %-d} at {moved:%H:%M}{room}.")
            return redirect(appointment)
    return render(
        request, "clinic/appointment_reschedule.html", {"appointment": appointment, "form": form}
    )
