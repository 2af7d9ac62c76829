"""The waitlist: patients waiting for an earlier slot, offered a freed time (issue 19).

An entry says what suits the patient: the kind of visit, the location, an injector or
any, the weekdays, the time of day (mornings, afternoons, two times) and a range of
days from today on. ``add_to_waitlist`` refuses a past day, an inactive patient or
injector, a time window too short for the visit, and a second waiting entry for the
same visit.

**A freed time** is a cancelled appointment whose time is still ahead and still free.
The offers are derived, not stored: whichever door cancelled it (the desk's "Cancel
appointment", the Django admin's status, a cancel from "arrived"), its appointment
page and the waitlist page show who on the waitlist fits it, in order of waiting
(``offers_for``, ``freed_times``). A no-show frees nothing: it is marked after its
start, when the time is gone. A moved appointment is not cancelled and offers nothing
either (its old time shows as free on the day view).

An entry fits a freed time when the location is the same, the injector is the entry's
(or the entry takes any), the day is in the entry's range and one of its weekdays, and
the visit's usual length fits in the freed time, within the entry's time of day, from
the first quarter hour where neither the injector (with the turnover after each visit,
``clinic.buffers``) nor the patient is booked.

``book_from_waitlist`` books it through ``clinic.scheduling.book_appointment`` (the one
set of booking rules) and marks the entry booked with its appointment; the pages call
it inside ``clinic.once`` (a double tap books once). A time taken meanwhile, an entry
booked or removed by another desk: a message, nothing booked.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .buffers import LONGEST_BUFFER, buffer_for
from .conflicts import BOOK_AHEAD_DAYS, check_injector
from .errors import BookingConflict, SchedulingError
from .input_bounds import NO_CONTROL, control_characters_in, date_in_window
from .models import Appointment, Location, Patient, User, WaitlistEntry
from .scheduling import book_appointment
from .slots import SLOT_MINUTES, local_today, zone_of

State = WaitlistEntry.State
Times = WaitlistEntry.Times
FREED_AHEAD_DAYS = 60  # the waitlist page shows freed times this far ahead
FREED_SHOWN = 40


class WaitlistError(SchedulingError):
    """A waitlist rule said no (a message for the desk, the form field it belongs to)."""


@transaction.atomic
def add_to_waitlist(
    *,
    patient: Patient,
    kind: str,
    location: Location,
    injector: User | None,
    first_day: datetime.date,
    last_day: datetime.date | None = None,
    weekdays: str = "",
    times: str = Times.ANY,
    time_from: datetime.time | None = None,
    time_until: datetime.time | None = None,
    desk_note: str = "",
    by: User | None,
    today: datetime.date | None = None,
) -> WaitlistEntry:
    """Put ``patient`` on the waitlist (the checks of the module's text)."""
    if not patient.is_active:
        raise WaitlistError(
            f"{patient.full_name}'s record is inactive: make it active before adding them "
            "to the waitlist.",
            field="patient",
        )
    if kind not in Appointment.Kind.values:
        raise WaitlistError("Choose a visit kind from the list.", field="kind")
    if not location.is_active:
        raise WaitlistError(f"{location.name} is no longer in use.", field="location")
    if injector is not None:
        check_injector(injector)
    today = today or local_today(location)
    _check_days(first_day=first_day, last_day=last_day, today=today)
    weekdays = "".join(sorted(set(weekdays)))
    if any(d not in "0123456" for d in weekdays):
        raise WaitlistError("Choose the weekdays from the list.", field="weekdays")
    if control_characters_in(desk_note or ""):
        raise WaitlistError(NO_CONTROL, field="desk_note")
    if times not in Times.values:
        raise WaitlistError("Choose a time of day from the list.", field="times")
    if times != Times.BETWEEN:
        time_from = time_until = None
    elif time_from is None or time_until is None:
        raise WaitlistError("Give both times: from and until.", field="time_from")
    elif time_until <= time_from:
        raise WaitlistError("The second time is before the first.", field="time_until")
    entry = WaitlistEntry(
        patient=patient,
        kind=kind,
        location=location,
        injector=injector,
        weekdays=weekdays,
        times=times,
        time_from=time_from,
        time_until=time_until,
        first_day=first_day,
        last_day=last_day,
        desk_note=" ".join((desk_note or "").split()),
        created_by=by,
    )
    _check_length_fits(entry)
    Patient.objects.select_for_update().filter(pk=patient.pk).values_list("pk").get()
    earlier = (
        WaitlistEntry.objects.waiting()
        .filter(patient=patient, kind=kind, location=location)
        .first()
    )
    if earlier is not None:
        raise WaitlistError(
            f"{patient.full_name} already waits for a {entry.get_kind_display().lower()} at "
            f"{location.name} (since {earlier.created_at:%b %-d}): change that entry or remove "
            "it first."
        )
    try:
        entry.full_clean(exclude=["patient", "location", "injector", "created_by"])
    except ValidationError as exc:  # a bound the checks above did not name
        field, messages = next(iter(exc.message_dict.items()))
        raise WaitlistError(messages[0], field=field) from None
    entry.save()
    return entry


def _check_days(
    *, first_day: datetime.date, last_day: datetime.date | None, today: datetime.date
) -> None:
    if first_day < today:
        raise WaitlistError(
            f"{first_day:%b %-d, %Y} has passed: the waitlist is for days from today "
            f"({today:%b %-d}) on.",
            field="first_day",
        )
    for field, day in (("first_day", first_day), ("last_day", last_day)):
        if day is None:
            continue
        try:
            date_in_window(day, back_days=0, ahead_days=BOOK_AHEAD_DAYS, today=today)
        except ValidationError as exc:
            raise WaitlistError(exc.messages[0], field=field) from None
    if last_day is not None and last_day < first_day:
        raise WaitlistError("The last day is before the first day.", field="last_day")


def _check_length_fits(entry: WaitlistEntry) -> None:
    """The visit's usual length fits in the entry's time of day at its location."""
    location = entry.location
    start, end = entry.time_window()
    start, end = (
        max(start or location.opens_at, location.opens_at),
        min(end or location.closes_at, location.closes_at),
    )
    minutes = Appointment.DEFAULT_MINUTES[entry.kind]
    day = datetime.date(2000, 1, 3)  # any day: wall-clock arithmetic only
    room = datetime.datetime.combine(day, end) - datetime.datetime.combine(day, start)
    if room < datetime.timedelta(minutes=minutes):
        raise WaitlistError(
            f"A {entry.get_kind_display().lower()} takes {minutes} minutes: it does not fit "
            f"{location.name}'s hours ({location.opens_at:%H:%M}–{location.closes_at:%H:%M}) "
            "in that time of day.",
            field="time_until" if entry.times == Times.BETWEEN else "times",
        )


@transaction.atomic
def remove_from_waitlist(*, entry: WaitlistEntry, reason: str, by: User) -> WaitlistEntry:
    """Take a waiting entry off the list, with the reason (booked elsewhere, no longer
    wanted)."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise WaitlistError("Give a reason for taking this entry off the waitlist.", field="reason")
    entry = _locked(entry)
    _check_waiting(entry)
    entry.state, entry.removed_reason = State.REMOVED, reason
    entry.closed_by, entry.closed_at = by, timezone.now()
    entry.save(update_fields=["state", "removed_reason", "closed_by", "closed_at"])
    return entry


def _locked(entry: WaitlistEntry) -> WaitlistEntry:
    """The entry read afresh after locking its row (two desks, two tabs: one at a time)."""
    WaitlistEntry.objects.select_for_update().filter(pk=entry.pk).values_list("pk").get()
    return WaitlistEntry.objects.for_pages().get(pk=entry.pk)


def _check_waiting(entry: WaitlistEntry) -> None:
    if entry.state == State.BOOKED:
        start = entry.appointment.local_start
        raise WaitlistError(
            f"{entry.patient.full_name} is no longer waiting: booked from the waitlist for "
            f"{start:%a %b %-d} at {start:%H:%M}."
        )
    if entry.state == State.REMOVED:
        raise WaitlistError(
            f"{entry.patient.full_name} is no longer waiting: taken off the waitlist "
            f"({entry.removed_reason})."
        )


@dataclass(frozen=True)
class Offer:
    """A waiting entry and the time of the freed appointment it would take."""

    entry: WaitlistEntry
    injector: User  # the freed appointment's (an entry may take any)
    starts_at: datetime.datetime
    ends_at: datetime.datetime


def fitting_start(
    entry: WaitlistEntry,
    *,
    freed_from: datetime.datetime,
    freed_until: datetime.datetime,
    injector_id: int,
    busy: list[tuple[int, int, datetime.datetime, datetime.datetime, datetime.datetime]],
) -> datetime.datetime | None:
    """The first quarter hour from ``freed_from`` at which the entry's visit fits the
    freed time, its days and times, with neither the injector (turnover counted, after
    the booked visits and after this one: ``clinic.buffers``) nor the patient booked."""
    zone = zone_of(entry.location)
    length = datetime.timedelta(minutes=Appointment.DEFAULT_MINUTES[entry.kind])
    block = length + buffer_for(entry.kind)  # the injector's turnover after it
    low, high = entry.time_window()
    start = freed_from
    while start + length <= freed_until:
        wall, wall_end = start.astimezone(zone), (start + length).astimezone(zone)
        day = wall.date()
        if (
            entry.first_day <= day
            and (entry.last_day is None or day <= entry.last_day)
            and (not entry.weekdays or str(day.weekday()) in entry.weekdays)
            and (low is None or wall.time() >= low)
            and (high is None or (wall_end.date() == day and wall_end.time() <= high))
            and not any(
                (who == injector_id and s < start + block and blocked > start)
                or (patient == entry.patient_id and s < start + length and e > start)
                for who, patient, s, e, blocked in busy
            )
        ):
            return start
        start += datetime.timedelta(minutes=SLOT_MINUTES)
    return None


def _freed_window(
    appointment: Appointment, now: datetime.datetime
) -> tuple[datetime.datetime, datetime.datetime] | None:
    """What is left ahead of a cancelled appointment's time, from the next quarter hour."""
    if appointment.status != Appointment.Status.CANCELLED or appointment.ends_at <= now:
        return None
    start = appointment.starts_at
    step = datetime.timedelta(minutes=SLOT_MINUTES)
    while start < now:
        start += step
    return start, appointment.ends_at


def offers_by_freed(
    freed: list[Appointment], *, now: datetime.datetime | None = None
) -> dict[int, list[Offer]]:
    """For each cancelled appointment, the waiting entries that fit its time, in order of
    waiting (two queries, however many appointments and entries)."""
    now = now or timezone.now()
    windows = {a.pk: w for a in freed if (w := _freed_window(a, now))}
    if not windows:
        return {}
    shown = [a for a in freed if a.pk in windows]
    first = min(w[0] for w in windows.values())
    last = max(w[1] for w in windows.values())
    days = [a.local(t).date() for a in shown for t in windows[a.pk]]
    # query: the waiting entries at these locations whose days may reach these times
    entries = list(
        WaitlistEntry.objects.waiting()
        .filter(location__in={a.location_id for a in shown}, first_day__lte=max(days))
        .filter(Q(last_day__isnull=True) | Q(last_day__gte=min(days)))
        .filter(patient__is_active=True)
        .select_related("patient", "location", "injector")
        .order_by("created_at", "id")
    )
    if not entries:
        return {pk: [] for pk in windows}
    # query: what the injectors and the entries' patients already hold in that span
    busy = list(
        Appointment.objects.holding_time()
        .blocking(first, last + LONGEST_BUFFER)  # with the turnover before and after
        .filter(
            Q(injector__in={a.injector_id for a in shown})
            | Q(patient__in={e.patient_id for e in entries})
        )
        .values_list("injector_id", "patient_id", "starts_at", "ends_at", "blocked_until")
    )
    by_location = defaultdict(list)
    for entry in entries:
        by_location[entry.location_id].append(entry)
    found: dict[int, list[Offer]] = {}
    for appointment in shown:
        freed_from, freed_until = windows[appointment.pk]
        offers = []
        for entry in by_location[appointment.location_id]:
            if entry.injector_id not in (None, appointment.injector_id):
                continue
            if entry.patient_id == appointment.patient_id:  # who just cancelled it
                continue
            start = fitting_start(
                entry,
                freed_from=freed_from,
                freed_until=freed_until,
                injector_id=appointment.injector_id,
                busy=busy,
            )
            if start is not None:
                minutes = Appointment.DEFAULT_MINUTES[entry.kind]
                offers.append(
                    Offer(
                        entry=entry,
                        injector=appointment.injector,
                        starts_at=start,
                        ends_at=start + datetime.timedelta(minutes=minutes),
                    )
                )
        found[appointment.pk] = offers
    return found


def offers_for(appointment: Appointment, *, now: datetime.datetime | None = None) -> list[Offer]:
    """Who on the waitlist fits a cancelled appointment's time (none for any other)."""
    return offers_by_freed([appointment], now=now).get(appointment.pk, [])


def freed_times(
    *, location: Location, now: datetime.datetime | None = None
) -> list[tuple[Appointment, list[Offer]]]:
    """The cancelled appointments ahead at ``location`` that someone waiting fits, the
    soonest first, each with its offers (three queries)."""
    now = now or timezone.now()
    # query: the cancelled appointments still ahead (names, times, injector)
    cancelled = list(
        Appointment.objects.for_pages()
        .filter(
            location=location,
            status=Appointment.Status.CANCELLED,
            ends_at__gt=now,
            starts_at__lt=now + datetime.timedelta(days=FREED_AHEAD_DAYS),
        )
        .order_by("starts_at", "-updated_at")[: FREED_SHOWN * 2]
    )
    seen, unique = set(), []
    for appointment in cancelled:  # the same time cancelled twice is one freed time
        key = (appointment.injector_id, appointment.starts_at, appointment.ends_at)
        if key not in seen:
            seen.add(key)
            unique.append(appointment)
    offers = offers_by_freed(unique, now=now)
    return [(a, offers[a.pk]) for a in unique if offers.get(a.pk)][:FREED_SHOWN]


@transaction.atomic
def book_from_waitlist(
    *,
    entry: WaitlistEntry,
    freed: Appointment,
    by: User,
    now: datetime.datetime | None = None,
) -> Appointment:
    """Book the waiting ``entry`` into the time ``freed`` left (one tap), through the
    appointment book's rules; the entry becomes booked with its appointment."""
    now = now or timezone.now()
    entry = _locked(entry)
    _check_waiting(entry)
    freed = Appointment.objects.for_pages().get(pk=freed.pk)
    offer = next((o for o in offers_for(freed, now=now) if o.entry.pk == entry.pk), None)
    if offer is None:
        raise WaitlistError(
            f"The time {freed.local_start:%a %b %-d} {freed.local_start:%H:%M} is no longer "
            f"free for {entry.patient.full_name} (taken meanwhile, or it does not suit this "
            "entry): nothing was booked."
        )
    try:
        appointment = _book(entry, offer, by=by, now=now)
    except BookingConflict as clash:
        raise WaitlistError(f"That time was taken meanwhile: {clash} Nothing was booked.") from None
    entry.state, entry.appointment = State.BOOKED, appointment
    entry.closed_by, entry.closed_at = by, now
    entry.save(update_fields=["state", "appointment", "closed_by", "closed_at"])
    return appointment


def _book(entry: WaitlistEntry, offer: Offer, *, by: User, now) -> Appointment:
    return book_appointment(
        patient=entry.patient,
        kind=entry.kind,
        location=entry.location,
        injector=offer.injector,
        starts_at=offer.starts_at,
        ends_at=offer.ends_at,
        by=by,
        desk_note=entry.desk_note,
        now=now,
    )
