"""The front desk's calendar: day view per location, week view per injector, and
the injector's "my day". Names, times and visit kinds only."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import render
from django.template.backends.utils import csrf_input
from django.urls import reverse
from django.utils import timezone

from ..access import injectors, role_required
from ..calendar_grid import Column, build_grid
from ..compiled import CompiledValues
from ..fragments import render_fragment
from ..hours import closures, hhmm
from ..links import Links
from ..models import HOLDS_TIME, Appointment, Location, Room, User
from ..models.appointments import grid_rows_at
from ..roles import Role
from ..scheduling_forms import DayForm, WeekForm
from ..slots import local_day_bounds, local_today, zone_of

SHOWN_IN_GRID = (*HOLDS_TIME, Appointment.Status.NO_SHOW)
# "Expected" on today's day view: from an hour late to two hours ahead.
ARRIVAL_WINDOW = (datetime.timedelta(hours=1), datetime.timedelta(hours=2))


def _location_from(form, request) -> Location | None:
    if form.is_valid() and form.cleaned_data.get("location"):
        return form.cleaned_data["location"]
    return request.location.get()


@role_required(*Role.values)
def day_view(request):
    # query: the active locations (the chosen one, the navigation's, the page's select)
    form = DayForm(request.GET or None, locations=request.location.active())
    location = _location_from(form, request)
    if location is None:
        return render(request, "clinic/schedule_empty.html")
    now = timezone.now()
    today = local_today(location, now)
    day = (form.cleaned_data.get("day") if form.is_valid() else None) or today
    _say_when_the_day_is_refused(request, form)
    start, end = local_day_bounds(location=location, day=day)
    # query: every appointment at this location that day, with patient and injector names
    appointments = grid_rows_at(location_id=location.pk, start=start, end=end)
    shown = [a for a in appointments if a.status in SHOWN_IN_GRID]
    links = Links()
    by_room = form.is_valid() and form.cleaned_data.get("by") == "room"
    if by_room:  # query: the location's rooms
        columns = _room_columns(location=location, day=day, shown=shown)
    else:  # query: the injectors (who has a column: from them and the shown appointments)
        columns = _injector_columns(location=location, day=day, shown=shown)
    # query: the location's holidays and opening hours, the injectors' time off and
    # working hours that day
    known = closures(location=location, first_day=day, last_day=day)
    opens, closes = known.open_hours(day)
    grid = build_grid(
        columns=columns,
        zone=zone_of(location),
        opens=datetime.time(opens // 60, opens % 60),
        closes=datetime.time(closes // 60, closes % 60),
        now=now,
        links=links,
        unavailable=(
            (lambda column, each: known.closed(each))
            if by_room
            else (lambda column, each: known.unavailable(int(column.key), each))
        ),
        day_hours=known.open_hours,
        off=None if by_room else (lambda column, each: known.off(int(column.key), each)),
    )
    context = {
        "form": form,
        "location": location,
        "day": day,
        "today": today,
        "now": now,
        "previous_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1),
        "grid": grid,
        "open_hours": known.closed(day) or f"Open {hhmm(opens)}–{hhmm(closes)}.",
        "by_room": by_room,
        "here_path": request.get_full_path(),
        **_arrivals(
            appointments, shown, day=day, today=today, now=now, links=links, zone=zone_of(location)
        ),
    }
    context.update(_arrival_rows(request, context))
    return render(request, "clinic/schedule_day.html", context)


def _arrival_rows(request, context: dict) -> dict:
    """The three lists' markup (``clinic/day_lists.jinja``, autoescaped): drawn by
    the page template, a busy day's lists were a tenth of the page (docs/benchmarks.md)."""
    rows = {}
    if context["expected"] or context["here_now"]:
        rows["expected_rows"] = render_fragment(
            "clinic/day_lists.jinja",
            which="expected",
            rows=[
                (a.local_time, a.kind, a.link, a.patient_name, a.injector_name, a.status_url)
                for a in context["expected"]
            ],
            csrf_input=csrf_input(request) if context["expected"] else "",
            here_path=context["here_path"],
        )
        rows["here_rows"] = render_fragment(
            "clinic/day_lists.jinja",
            which="here",
            rows=[
                (a.local_time, a.link, a.patient_name, a.status_label) for a in context["here_now"]
            ],
        )
    if context["cancelled"]:
        rows["cancelled_rows"] = render_fragment(
            "clinic/day_lists.jinja",
            which="cancelled",
            rows=[
                (
                    a.link,
                    a.local_time,
                    a.patient_name,
                    a.kind_label,
                    a.injector_name,
                    a.cancel_reason,
                )
                for a in context["cancelled"]
            ],
        )
    return rows


def _say_when_the_day_is_refused(request, form) -> None:
    """A day the calendar cannot show (0001-01-01, a typo) shows today, saying why."""
    for error in form.errors.get("day", []):
        messages.warning(request, f"{error} Showing today instead.")


_NAMED = ("pk", "first_name", "last_name", "title")
# Every active injector with where they work, by name: a few dozen rows, their SQL
# written once per process. Who has a column is chosen from them and the grid's shown
# appointments (read already), not by reading the day's appointments again in a
# subquery (issue 22: that second read was a fifth of the day view's database time).
_INJECTORS = CompiledValues(
    lambda: injectors().order_by("last_name", "first_name").values(*_NAMED, "default_location_id")
)


def working_or_booked(*, location_id: int, shown: list) -> list[tuple]:
    """The injectors who work at the location or are booked there that day (``shown``:
    the grid's appointments of that day and location), by name, as (pk, first name,
    last name, title); every injector when none is (one query)."""
    everyone = _INJECTORS()
    booked = {a.injector_id for a in shown}
    people = [
        row for row in everyone if row["default_location_id"] == location_id or row["pk"] in booked
    ]
    return [tuple(row[n] for n in _NAMED) for row in people or everyone]


def _injector_columns(*, location: Location, day: datetime.date, shown: list) -> list:
    """A column per injector who works here or is booked here that day (one query, the
    columns' names as values); every injector when none does."""
    people = working_or_booked(location_id=location.pk, shown=shown)
    week = f"{reverse('schedule_week')}?injector="
    columns = []
    for pk, first_name, last_name, title in people:
        column = Column(
            key=str(pk),
            title=User.full_name_of(first_name=first_name, last_name=last_name),
            subtitle=title,
            link=f"{week}{pk}&day={day.isoformat()}",
        )
        mine = [a for a in shown if a.injector_id == pk]
        columns.append((column, day, mine, {"injector": pk, "location": location.pk}))
    return columns


def _room_columns(*, location: Location, day: datetime.date, shown: list) -> list:
    """A column per room of the location in use or booked that day (one query), and
    one for the appointments without a room when there are any."""
    busy_rooms = {a.room_id for a in shown if a.room_id}
    rooms = list(Room.objects.filter(Q(location=location, is_active=True) | Q(pk__in=busy_rooms)))
    columns = []
    for room in rooms:
        column = Column(key=f"room-{room.pk}", title=room.name)
        mine = [a for a in shown if a.room_id == room.pk]
        columns.append((column, day, mine, {"room": room.pk, "location": location.pk}))
    roomless = [a for a in shown if not a.room_id]
    if roomless or not rooms:
        column = Column(key="room-none", title="No room")
        columns.append((column, day, roomless, {"location": location.pk}))
    return columns


def _arrivals(appointments, shown, *, day, today, now, links: Links, zone) -> dict:
    """Today: who is expected soon (one tap marks them arrived), who is here, who
    cancelled, and the day's counts. Times and links are made here, not by the
    template's filters and {% url %} (a busy day lists dozens; docs/benchmarks.md)."""
    expected = [
        a
        for a in shown
        if day == today
        and a.status == Appointment.Status.BOOKED
        and now - ARRIVAL_WINDOW[0] <= a.starts_at <= now + ARRIVAL_WINDOW[1]
    ]
    here = (Appointment.Status.ARRIVED, Appointment.Status.IN_TREATMENT)
    here_now = [a for a in shown if a.status in here]
    cancelled = [a for a in appointments if a.status == Appointment.Status.CANCELLED]
    for a in (*expected, *here_now, *cancelled):
        a.local_time = f"{a.starts_at.astimezone(zone):%H:%M}"
        a.link = links("appointment_detail", a.pk)
        a.status_url = links("appointment_status", a.pk)
    return {
        "cancelled": cancelled,
        "expected": expected,
        "here_now": here_now,
        "counts": {
            "booked": sum(a.status == Appointment.Status.BOOKED for a in shown),
            "arrived": sum(a.status in here for a in shown),
            "done": sum(a.status == Appointment.Status.COMPLETED for a in shown),
            "no_show": sum(a.status == Appointment.Status.NO_SHOW for a in shown),
        },
    }


@role_required(*Role.values)
def week_view(request):
    form = WeekForm(request.GET or None)
    request.location.active()  # query: the active locations (the active one, the navigation's)
    location = request.location.get()  # picked from them (its zone and hours)
    if location is None:
        return render(request, "clinic/schedule_empty.html")
    injector = form.cleaned_data.get("injector") if form.is_valid() else None
    if injector is None:
        # query: the injector (the signed-in one, else the first)
        wanted = request.user.pk if request.user.has_role(Role.INJECTOR) else None
        choices = injectors().order_by("last_name", "first_name")
        injector = (wanted and choices.filter(pk=wanted).first()) or choices.first()
    if injector is None:
        return render(request, "clinic/schedule_empty.html")
    now = timezone.now()
    today = local_today(location, now)
    day = (form.cleaned_data.get("day") if form.is_valid() else None) or today
    _say_when_the_day_is_refused(request, form)
    monday = day - datetime.timedelta(days=day.weekday())
    days = [monday + datetime.timedelta(days=i) for i in range(7)]
    start, _ = local_day_bounds(location=location, day=days[0])
    _, end = local_day_bounds(location=location, day=days[-1])
    # query: the injector's appointments that week, at every location, with names
    appointments = (
        Appointment.objects.filter(injector=injector, status__in=SHOWN_IN_GRID)
        .between(start, end)
        .grid_rows()
    )
    zone = zone_of(location)
    # query: the location's holidays and opening hours, the injector's time off and
    # working hours that week
    known = closures(location=location, first_day=days[0], last_day=days[-1], injectors=[injector])
    opens, closes = known.widest_hours(days)
    grid = build_grid(
        unavailable=lambda column, each: known.unavailable(injector, each),
        day_hours=known.open_hours,
        off=lambda column, each: known.off(injector.pk, each),
        columns=_day_columns(
            days=days,
            today=today,
            location=location,
            injector=injector,
            appointments=appointments,
            zone=zone,
        ),  # fmt: skip
        zone=zone,
        opens=datetime.time(opens // 60, opens % 60),
        closes=datetime.time(closes // 60, closes % 60),
        now=now,
        show_location=True,
    )
    context = {
        "form": form,
        "injector": injector,
        # query: the injectors to choose from
        "injector_choices": list(injectors().order_by("last_name", "first_name")),
        "location": location,
        "monday": monday,
        "previous_week": monday - datetime.timedelta(days=7),
        "next_week": monday + datetime.timedelta(days=7),
        "today": today,
        "now": now,
        "grid": grid,
    }
    return render(request, "clinic/schedule_week.html", context)


def _day_columns(*, days, today, location, injector, appointments, zone) -> list:
    """A column per day of the week, each with that day's appointments."""
    columns = []
    for each in days:
        column = Column(
            key=each.isoformat(),
            title=f"{each:%a %b %-d}",
            subtitle="Today" if each == today else "",
            link=f"{reverse('schedule_day')}?day={each.isoformat()}&location={location.pk}",
            is_today=each == today,
        )
        mine = [a for a in appointments if a.starts_at.astimezone(zone).date() == each]
        columns.append((column, each, mine, {"injector": injector.pk, "location": location.pk}))
    return columns


def visit_url(appointment: Appointment) -> str:
    """Where an injector opens the visit of an appointment: the clinical side decides
    by the kind (``open_appointment``, served by charting)."""
    return reverse("open_appointment", args=[appointment.pk])


@role_required(Role.INJECTOR, Role.ADMIN)
def my_day(request):
    now = timezone.now()
    today = timezone.localdate(now)
    day = today
    form = DayForm(request.GET or None)
    if form.is_valid() and form.cleaned_data.get("day"):
        day = form.cleaned_data["day"]
    _say_when_the_day_is_refused(request, form)
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time(), zone)
    end = start + datetime.timedelta(days=1)
    # query: my appointments that day, with patient and location
    appointments = list(
        Appointment.objects.filter(injector=request.user)
        .between(start, end)
        .for_pages()
        .order_by("starts_at")
    )
    for appointment in appointments:
        appointment.visit_url = visit_url(appointment)
    context = {
        "form": form,
        "day": day,
        "today": today,
        "previous_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1),
        "appointments": appointments,
    }
    return render(request, "clinic/my_day.html", context)
