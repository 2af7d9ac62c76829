"""Hostile text in the day and week grids (the fragment clinic/schedule_grid.jinja)
and the one way Python code makes markup (clinic.fragments): names and places show
as text, never as markup."""

import datetime

import jinja2
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template import engines
from django.urls import reverse
from markupsafe import Markup, escape

from clinic import calendar_grid
from clinic.fragments import render_fragment
from clinic.links import Links
from clinic.models import Appointment
from clinic.roles import Role
from config.fragments import environment
from tests.factories import LocationFactory, PatientFactory, UserFactory, at, make_appointment
from tests.hostile import AMPERSAND, ATTRIBUTE, QUOTES, SCRIPT, TEXTAREA, assert_shown_as_text

pytestmark = pytest.mark.django_db
DAY = datetime.date(2030, 5, 14)


def grid_of(html: str) -> str:
    return html.split('data-testid="schedule-grid"')[1].split('class="sched-legend')[0]


def test_the_day_grid_shows_hostile_names_as_text(desk_client, location):
    person = UserFactory(
        first_name=ATTRIBUTE, last_name=QUOTES, role=Role.INJECTOR, default_location=location
    )
    make_appointment(
        patient=PatientFactory(first_name=SCRIPT, last_name=AMPERSAND),
        injector=person,
        location=location,
        starts_at=at(location, DAY, "10:00"),
    )
    html = desk_client.get(reverse("schedule_day"), {"day": DAY.isoformat()}).text
    grid = grid_of(html)
    for text in (SCRIPT, AMPERSAND, ATTRIBUTE, QUOTES):
        assert_shown_as_text(grid, text)
    assert "<script" not in grid and "<img" not in grid
    title = escape(person.get_full_name())
    assert f'aria-label="{title}"' in grid  # the column
    assert f'aria-label="Book {title} at 10:15"' in grid  # a free time


def test_kept_free_times_show_a_hostile_title_as_text_and_hold_no_patient(desk_client, location):
    """A column's free times are drawn once and kept (calendar_grid.free_slots): the
    second read comes from the kept copy, the same markup, the injector's hostile
    name escaped in it; the appointments (the patient's name) are never kept."""
    person = UserFactory(
        first_name=ATTRIBUTE, last_name=TEXTAREA, role=Role.INJECTOR, default_location=location
    )
    make_appointment(
        patient=PatientFactory(first_name=SCRIPT, last_name="Patientname"),
        injector=person,
        location=location,
        starts_at=at(location, DAY, "10:00"),
    )
    calendar_grid._kept_slots.cache_clear()
    first = grid_of(desk_client.get(reverse("schedule_day"), {"day": DAY.isoformat()}).text)
    misses = calendar_grid._kept_slots.cache_info().misses
    again = grid_of(desk_client.get(reverse("schedule_day"), {"day": DAY.isoformat()}).text)
    assert again.split(">", 1)[1] == first.split(">", 1)[1]  # but the CSRF token
    assert calendar_grid._kept_slots.cache_info().misses == misses
    for text in (ATTRIBUTE, TEXTAREA, SCRIPT):
        assert_shown_as_text(again, text)
    assert f'aria-label="Book {escape(person.get_full_name())} at 10:15"' in again
    template = engines["fragments"].env.get_template("clinic/schedule_slots.jinja")
    times = calendar_grid.free_times(
        day=DAY, zone=calendar_grid.ZoneInfo(location.time_zone), now=at(location, DAY, "08:00"),
        first=9 * 60, opens=datetime.time(9), closes=datetime.time(10), last=10 * 60,
    )  # fmt: skip
    kept = calendar_grid._kept_slots(template, tuple(times), "/book/?start=", SCRIPT)
    assert_shown_as_text(kept, SCRIPT)
    assert "Patientname" not in kept and "Patientname" in again


def test_kept_blocks_hold_no_patient_and_show_a_renamed_patient_at_once(desk_client, location):
    """An appointment's block is drawn once and kept in two halves
    (calendar_grid.block_drawer), its patient's name written between them on every
    read: the kept halves hold no name, a second read is the same markup from the
    kept halves, a patient renamed since shows the new name (escaped) at once, and a
    moved appointment is drawn anew. Doors: the day view's first read, its second,
    a rename between them (the kept halves stay), a move (new halves), the week view."""
    person = UserFactory(first_name="Ina", role=Role.INJECTOR, default_location=location)
    patient = PatientFactory(first_name="Keptfirst", last_name="Keptlast")
    booking = make_appointment(
        patient=patient, injector=person, location=location, starts_at=at(location, DAY, "10:00")
    )
    calendar_grid._kept_block.cache_clear()
    first = grid_of(desk_client.get(reverse("schedule_day"), {"day": DAY.isoformat()}).text)
    assert calendar_grid._kept_block.cache_info().currsize == 1
    page = desk_client.get(reverse("schedule_day"), {"day": DAY.isoformat()})
    again = grid_of(page.text)
    assert again.split(">", 1)[1] == first.split(">", 1)[1]  # but the CSRF token
    assert calendar_grid._kept_block.cache_info().hits >= 1
    assert '<span class="who">Keptfirst Keptlast</span>' in again

    # The halves as kept for this very block (a hit: the same key as the page's):
    # up to the name and after it, nothing of the patient's in them or in their key.
    (block,) = [b for c in page.context["grid"].columns for b in c.blocks]
    shown = calendar_grid.shown(block, now=page.context["now"], links=Links(), show_location=False)
    template = engines["fragments"].env.get_template("clinic/schedule_block.jinja")
    hits = calendar_grid._kept_block.cache_info().hits
    opening, closing = calendar_grid._kept_block(template, shown)
    assert calendar_grid._kept_block.cache_info().hits == hits + 1
    assert opening.endswith('<span class="who">') and closing.startswith("</span>")
    for kept in (opening, closing, repr(shown)):
        assert "Keptfirst" not in kept and "Keptlast" not in kept
    assert not {"first_name", "last_name", "cancel_reason"} & set(calendar_grid.Shown._fields)

    patient.first_name, patient.last_name = SCRIPT, AMPERSAND
    patient.save(update_fields=["first_name", "last_name"])
    renamed = grid_of(desk_client.get(reverse("schedule_day"), {"day": DAY.isoformat()}).text)
    assert calendar_grid._kept_block.cache_info().currsize == 1  # the same halves
    assert "Keptfirst" not in renamed and "Keptlast" not in renamed
    for text in (SCRIPT, AMPERSAND):
        assert_shown_as_text(renamed, text)
    assert "<script" not in renamed

    hour = datetime.timedelta(hours=1)
    booking.starts_at, booking.ends_at = booking.starts_at + hour, booking.ends_at + hour
    booking.blocked_until += hour
    booking.save(update_fields=["starts_at", "ends_at", "blocked_until"])
    moved = grid_of(desk_client.get(reverse("schedule_day"), {"day": DAY.isoformat()}).text)
    assert "11:00–11:30" in moved and "10:00–10:30" not in moved

    week = grid_of(
        desk_client.get(
            reverse("schedule_week"), {"injector": person.pk, "day": DAY.isoformat()}
        ).text
    )
    assert_shown_as_text(week, SCRIPT)
    assert "11:00–11:30" in week


def test_the_week_grid_shows_a_hostile_place_and_status_as_text(desk_client, location):
    person = UserFactory(first_name="Ina", role=Role.INJECTOR, default_location=location)
    elsewhere = LocationFactory(name=f"{AMPERSAND} {TEXTAREA}")
    make_appointment(
        patient=PatientFactory(first_name=QUOTES),
        injector=person,
        location=elsewhere,
        starts_at=at(location, DAY, "11:00"),
        status=Appointment.Status.ARRIVED,
    )
    html = desk_client.get(
        reverse("schedule_week"), {"injector": person.pk, "day": DAY.isoformat()}
    ).text
    grid = grid_of(html)
    for text in (AMPERSAND, TEXTAREA, QUOTES):
        assert_shown_as_text(grid, text)
    assert "</textarea>" not in grid and "<b>" not in grid
    assert '<span class="badge text-bg-light border">Arrived</span>' in grid


def test_a_fragment_comes_back_as_markup_from_an_autoescaping_strict_engine():
    out = render_fragment("clinic/schedule_grid.jinja", hours=[(1, "09:00")], columns=[])
    assert isinstance(out, Markup) and '<div class="sched-hour r1 s12">09:00</div>' in out
    engine = engines["fragments"].env
    assert engine.autoescape is True and engine.undefined is jinja2.StrictUndefined


def test_the_fragments_engine_refuses_to_run_without_autoescape():
    with pytest.raises(ImproperlyConfigured):
        environment(autoescape=False)
