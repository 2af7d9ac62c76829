"""The day view by room (issue 19, "Rooms"): a column per treatment room, and a
booking moved from the keyboard to another room keeps its injector (the drop posts
the room's booking link: static/js/schedule.js, clinic.rooms.choose_room behind
the reschedule form)."""

import datetime

import pytest
from playwright.sync_api import expect

from clinic.models import Appointment
from clinic.slots import local_today
from tests.factories import PASSWORD, PatientFactory, at, make_appointment, make_room

from .conftest import login
from .test_front_desk_day import clinic_day  # noqa: F401  (the same clinic day)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_keyboard_moves_a_booking_to_another_room(page, clinic_day):  # noqa: F811
    irene = clinic_day["injector"]
    location = irene.default_location
    first, second = make_room(location, "Room 1"), make_room(location, "Room 2")
    day = local_today(location) + datetime.timedelta(days=1)
    booking = make_appointment(
        patient=PatientFactory(first_name="Rhea", last_name="Roomwell"),
        injector=irene,
        starts_at=at(location, day, "09:00"),
        minutes=45,
        kind=Appointment.Kind.TREATMENT,
        room=first,
    )
    login(page, "frank@test.clinic", PASSWORD)
    page.goto(f"/day/?day={day.isoformat()}")
    page.get_by_test_id("by-room").click()
    expect(page.get_by_role("region", name="Room 2")).to_be_visible()
    block = page.get_by_test_id(f"appointment-{booking.pk}")
    block.focus()
    page.keyboard.press("m")
    status = page.get_by_test_id("schedule-status")
    assert "09:00, Room 1" in status.inner_text()
    for _ in range(2):  # 15-minute times: 09:30
        page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")  # Room 2's column
    assert status.inner_text() == "09:30, Room 2"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/appointments/{booking.pk}/")
    assert "in Room 2" in page.get_by_role("alert").first.inner_text()
    booking.refresh_from_db()
    assert (booking.room, booking.injector) == (second, irene)
    assert booking.local_start.time() == datetime.time(9, 30)
