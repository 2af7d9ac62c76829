"""The waitlist's pages: the list with the freed times it fits, adding (from the
patient's page and an appointment's), removing, and booking a freed time in one tap.
Front desk and clinic admin; names, kinds and times only."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .. import once, waitlist
from ..access import (
    WAITLIST_ROLES,
    get_appointment_for,
    get_waitlist_entry_for,
    id_from,
    role_required,
)
from ..errors import SchedulingError
from ..forms import show_on_form
from ..models import Appointment, Location, Patient, WaitlistEntry
from ..scheduling_forms import ReasonForm
from ..slots import local_today
from ..waitlist_forms import WaitlistForm

DESK = tuple(WAITLIST_ROLES)
LIST_LIMIT = 200
SHOWN_STATES = {"waiting": "Waiting", "booked": "Booked", "removed": "Removed"}


@role_required(*DESK)
def waitlist_page(request):
    location = (
        Location.objects.active().filter(pk=id_from(request.GET.get("location"))).first()
        or request.location.get()
    )  # query: the chosen (or the working) location
    show = request.GET.get("show", "waiting")
    if show not in SHOWN_STATES:
        show = "waiting"
    entries, freed = [], []
    if location is not None:
        # query: the entries at this location in the order of waiting
        entries = list(
            WaitlistEntry.objects.for_pages()
            .filter(location=location, state=show)
            .order_by(*(("created_at", "id") if show == "waiting" else ("-closed_at", "-id")))[
                :LIST_LIMIT
            ]
        )
        # queries: the cancelled times ahead, the entries that may fit, the busy time
        freed = [
            (appointment, offers, [once.new_token() for _ in offers])
            for appointment, offers in waitlist.freed_times(location=location)
        ]
    context = {
        "location": location,
        "locations": Location.objects.active(),
        "entries": entries,
        "show": show,
        "show_label": SHOWN_STATES[show],
        "states": SHOWN_STATES,
        "freed": [
            (appointment, list(zip(offers, tokens, strict=True)))
            for appointment, offers, tokens in freed
        ],
        "limit": LIST_LIMIT,
        "today": local_today(location) if location else None,
    }
    return render(request, "clinic/waitlist.html", context)


def _initial_from(request) -> dict:
    initial = {"location": getattr(request.location.get(), "pk", None)}
    appointment_id = id_from(request.GET.get("appointment"))
    if appointment_id:  # from an appointment's page: its patient, kind, place and injector
        appointment = Appointment.objects.filter(pk=appointment_id).first()
        if appointment is not None:
            initial.update(
                patient=appointment.patient_id,
                kind=appointment.kind,
                location=appointment.location_id,
                injector=appointment.injector_id,
            )
    if id_from(request.GET.get("patient")):
        initial["patient"] = id_from(request.GET.get("patient"))
    return initial


@role_required(*DESK)
def waitlist_add(request):
    form = WaitlistForm(request.POST or None, initial=_initial_from(request))
    if request.method == "POST":
        try:
            with once.submit_once(request) as submit:
                if submit.earlier:  # a double submit lands on the entry the first added
                    messages.info(request, "This patient was already added; stored once.")
                    return redirect(submit.earlier)
                if form.is_valid():
                    data = form.cleaned_data
                    entry = waitlist.add_to_waitlist(
                        patient=data["patient"],
                        kind=data["kind"],
                        location=data["location"],
                        injector=data["injector"],
                        weekdays="".join(data["weekdays"]),
                        times=data["times"],
                        time_from=data["time_from"],
                        time_until=data["time_until"],
                        first_day=data["first_day"],
                        last_day=data["last_day"],
                        desk_note=data["desk_note"],
                        by=request.user,
                    )
                    submit.stored(entry.get_absolute_url())
                    messages.success(
                        request,
                        f"{entry.patient.full_name} is on the waitlist for a "
                        f"{entry.get_kind_display().lower()} at {entry.location.name}.",
                    )
                    return redirect(entry.get_absolute_url())
        except SchedulingError as error:
            show_on_form(form, error)
    raw = form.data.get("patient") if form.is_bound else form.initial.get("patient")
    patient = Patient.objects.filter(pk=id_from(raw)).first() if raw else None
    return render(request, "clinic/waitlist_form.html", {"form": form, "patient": patient})


@role_required(*DESK)
def waitlist_remove(request, waitlist_entry_id: int):
    entry = get_waitlist_entry_for(request.user, waitlist_entry_id)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            waitlist.remove_from_waitlist(
                entry=entry, reason=form.cleaned_data["reason"], by=request.user
            )
        except SchedulingError as error:
            show_on_form(form, error)
        else:
            messages.success(request, f"{entry.patient.full_name}: taken off the waitlist.")
            return redirect(f"{entry.get_absolute_url().split('#')[0]}")
    return render(request, "clinic/waitlist_remove.html", {"entry": entry, "form": form})


@role_required(*DESK)
@require_POST
def waitlist_book(request, waitlist_entry_id: int):
    """One tap: book the entry into the freed time of the posted cancelled appointment."""
    entry = get_waitlist_entry_for(request.user, waitlist_entry_id)
    back = request.POST.get("next", "")
    if not back.startswith("/") or not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}
    ):
        back = entry.get_absolute_url()
    freed_id = id_from(request.POST.get("freed"))
    if not Appointment.objects.filter(pk=freed_id).exists():
        messages.error(request, "That freed time is unknown: choose one of those listed.")
        return redirect(back)
    freed = get_appointment_for(request.user, freed_id)
    try:
        with once.submit_once(request) as submit:
            if submit.earlier:  # a double tap lands on the booking the first made
                messages.info(request, "This was already booked from the waitlist; booked once.")
                return redirect(submit.earlier)
            appointment = waitlist.book_from_waitlist(entry=entry, freed=freed, by=request.user)
            submit.stored(appointment.get_absolute_url())
    except SchedulingError as error:
        messages.error(request, str(error))
        return redirect(back)
    start = appointment.local_start
    messages.success(
        request,
        f"Booked from the waitlist: {appointment.get_kind_display()} for "
        f"{appointment.patient.full_name} on {start:%a %b %-d} at {start:%H:%M} with "
        f"{appointment.injector.get_full_name()}.",
    )
    return redirect(appointment)
