"""Moving a booking on the day grid by touch and by keyboard (issue 19, finding 2),
on a tablet in landscape (1180 × 820, touch, not a phone).

The touch test makes real touches through Chrome's DevTools protocol
(Input.dispatchTouchEvent: Playwright's touchscreen only taps): a finger held on
a booking, moved to another time in another injector's column, lifted. The
server must have saved the new time and injector.

Doors of the move (one rule, ``clinic.scheduling.reschedule_appointment``, behind
the reschedule form): the form on the appointment's page, the mouse drag
(test_front_desk_day.py::test_drag_a_booking_to_another_time), the touch drag
and the keyboard move here, in the day view (another time, another injector)
and the week view (another day) (static/js/schedule.js fills the same form), a
second desk that took the time first (the form's clash message) and a second tab
that closed the day (the form's closed-day message).
"""

import datetime

import pytest
from playwright.sync_api import expect

from clinic.models import Appointment
from clinic.roles import Role
from clinic.slots import local_today
from tests.factories import PASSWORD, PatientFactory, UserFactory, at, make_appointment

from .conftest import login
from .test_front_desk_day import clinic_day  # noqa: F401  (the same clinic day)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_injectors(clinic_day):  # noqa: F811
    """Irene Castellano (the clinic day's) and Bruno Abbott at the same location:
    the day view shows Abbott's column first, then Castellano's. Dora Dragwell is
    booked with Irene tomorrow at 09:00."""
    irene = clinic_day["injector"]
    location = irene.default_location
    bruno = UserFactory(
        email="bruno@test.clinic",
        first_name="Bruno",
        last_name="Abbott",
        role=Role.INJECTOR,
        default_location=location,
    )
    day = local_today(location) + datetime.timedelta(days=1)
    booking = make_appointment(
        patient=PatientFactory(first_name="Dora", last_name="Dragwell"),
        injector=irene,
        starts_at=at(location, day, "09:00"),
    )
    return {"irene": irene, "bruno": bruno, "day": day, "booking": booking}


def centre(box):
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


class Finger:
    """One finger on the touch screen, through the DevTools protocol."""

    def __init__(self, page):
        self.page = page
        self.cdp = page.context.new_cdp_session(page)

    def send(self, kind, points):
        self.cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    def down(self, x, y):
        self.at = (x, y)
        self.send("touchStart", [{"x": x, "y": y, "id": 1}])

    def move(self, x, y, steps=12):
        x0, y0 = self.at
        for i in range(1, steps + 1):
            self.send(
                "touchMove",
                [{"x": x0 + (x - x0) * i / steps, "y": y0 + (y - y0) * i / steps, "id": 1}],
            )
            self.page.wait_for_timeout(16)
        self.at = (x, y)

    def up(self):
        self.send("touchEnd", [])


def open_day(page, day):
    login(page, "frank@test.clinic", PASSWORD)
    page.goto(f"/day/?day={day.isoformat()}")


def test_touch_long_press_moves_a_booking_to_another_time_and_injector(page, two_injectors):
    booking = two_injectors["booking"]
    open_day(page, two_injectors["day"])
    block = page.get_by_test_id(f"appointment-{booking.pk}")
    target = page.get_by_role("link", name="Book Bruno Abbott at 10:30")
    # Both on screen, away from the edges that scroll.
    block.evaluate("el => window.scrollTo(0, el.getBoundingClientRect().top + scrollY - 160)")
    finger = Finger(page)
    finger.down(*centre(block.bounding_box()))
    page.wait_for_timeout(500)  # the long press: the booking lifts
    ghost = page.get_by_test_id("move-ghost")
    expect(ghost).to_be_visible()
    finger.move(*centre(target.bounding_box()))
    # The ghost follows the finger and says where it would go; the time is highlighted.
    assert "10:30, Bruno Abbott" in ghost.inner_text()
    assert "drop-target" in target.get_attribute("class")
    finger.up()
    page.wait_for_url(f"**/appointments/{booking.pk}/")
    assert "Moved to" in page.get_by_role("alert").first.inner_text()
    booking.refresh_from_db()
    assert booking.local_start.time() == datetime.time(10, 30)
    assert booking.injector == two_injectors["bruno"]
    assert booking.status == Appointment.Status.BOOKED


def test_a_held_booking_let_go_stays_a_swipe_scrolls_and_escape_cancels(page, two_injectors):
    booking = two_injectors["booking"]
    open_day(page, two_injectors["day"])
    block = page.get_by_test_id(f"appointment-{booking.pk}")
    block.evaluate("el => window.scrollTo(0, el.getBoundingClientRect().top + scrollY - 300)")
    finger = Finger(page)
    # Held a moment on its lower half (09:15) and let go there: it stays at 09:00.
    box = block.bounding_box()
    finger.down(box["x"] + 20, box["y"] + 60)
    page.wait_for_timeout(500)
    finger.up()
    status = page.get_by_test_id("schedule-status")
    assert status.inner_text() == "Not moved: that is its time now."
    # A finger that moves at once scrolls the page; nothing is lifted.
    x, y = centre(block.bounding_box())
    before = page.evaluate("scrollY")
    finger.down(x, y)
    finger.move(x, y - 250, steps=8)
    finger.up()
    page.wait_for_timeout(300)
    assert page.get_by_test_id("move-ghost").count() == 0
    assert page.evaluate("scrollY") > before
    # Held, then brought near the bottom edge: the page scrolls by itself.
    block.evaluate("el => window.scrollTo(0, el.getBoundingClientRect().top + scrollY - 300)")
    x, y = centre(block.bounding_box())
    finger.down(x, y)
    page.wait_for_timeout(500)
    before = page.evaluate("scrollY")
    finger.move(x, page.viewport_size["height"] - 8)
    page.wait_for_timeout(400)
    assert page.evaluate("scrollY") > before
    # Escape puts it back: nothing posted, nothing saved.
    page.keyboard.press("Escape")
    assert page.get_by_test_id("move-ghost").count() == 0
    assert status.inner_text() == "Move cancelled."
    finger.up()
    page.wait_for_timeout(300)
    assert "/day/" in page.url
    booking.refresh_from_db()
    assert booking.local_start.time() == datetime.time(9, 0)
    assert booking.injector == two_injectors["irene"]


def test_keyboard_moves_a_booking(page, two_injectors):
    booking = two_injectors["booking"]
    open_day(page, two_injectors["day"])
    block = page.get_by_test_id(f"appointment-{booking.pk}")
    block.focus()
    page.keyboard.press("m")
    status = page.get_by_test_id("schedule-status")
    assert "Moving Dora Dragwell" in status.inner_text()
    assert "09:00, Irene Castellano" in status.inner_text()
    for _ in range(2):  # 15-minute times: 09:30
        page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowLeft")  # Bruno Abbott's column
    assert status.inner_text() == "09:30, Bruno Abbott"
    assert "drop-target" in page.get_by_role(
        "link", name="Book Bruno Abbott at 09:30"
    ).get_attribute("class")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/appointments/{booking.pk}/")
    assert "Moved to" in page.get_by_role("alert").first.inner_text()
    booking.refresh_from_db()
    assert booking.local_start.time() == datetime.time(9, 30)
    assert booking.injector == two_injectors["bruno"]


def test_a_move_onto_a_time_another_desk_just_took_shows_the_clash(page, two_injectors):
    booking = two_injectors["booking"]
    bruno, day = two_injectors["bruno"], two_injectors["day"]
    open_day(page, day)
    # Another desk books Bruno at 09:30 after this grid was drawn.
    make_appointment(
        patient=PatientFactory(first_name="Otto", last_name="Earlier"),
        injector=bruno,
        starts_at=at(bruno.default_location, day, "09:30"),
    )
    page.get_by_test_id(f"appointment-{booking.pk}").focus()
    page.keyboard.press("m")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/appointments/{booking.pk}/reschedule/")
    assert "Bruno Abbott is already booked" in page.get_by_test_id("booking-errors").inner_text()
    booking.refresh_from_db()
    assert booking.local_start.time() == datetime.time(9, 0)
    assert booking.injector == two_injectors["irene"]


def test_week_view_moves_a_booking_to_another_day_and_a_day_closed_meanwhile_is_refused(
    page,
    two_injectors,
):
    from clinic.models import ClosedDay

    irene, booking = two_injectors["irene"], two_injectors["booking"]
    location = irene.default_location
    today = local_today(location)
    wednesday = today - datetime.timedelta(days=today.weekday()) + datetime.timedelta(days=9)
    booking.starts_at = at(location, wednesday, "09:00")
    booking.ends_at = booking.blocked_until = booking.starts_at + datetime.timedelta(minutes=30)
    booking.save(update_fields=["starts_at", "ends_at", "blocked_until"])
    login(page, "frank@test.clinic", PASSWORD)
    page.goto(f"/week/?injector={irene.pk}&day={wednesday.isoformat()}")
    # Another tab closes the location on Thursday after this week was drawn.
    thursday = wednesday + datetime.timedelta(days=1)
    ClosedDay.objects.create(location=location, day=thursday, reason="Staff training")
    page.get_by_test_id(f"appointment-{booking.pk}").focus()
    page.keyboard.press("m")
    page.keyboard.press("ArrowRight")
    status = page.get_by_test_id("schedule-status")
    assert status.inner_text() == f"09:00, {thursday:%a %b %-d}"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/appointments/{booking.pk}/reschedule/")
    assert "is closed on" in page.locator("main form").inner_text()
    booking.refresh_from_db()
    assert booking.local_start.date() == wednesday

    # Drawn again, Thursday offers no time: the arrow passes over it to Friday.
    page.goto(f"/week/?injector={irene.pk}&day={wednesday.isoformat()}")
    page.get_by_test_id(f"appointment-{booking.pk}").focus()
    page.keyboard.press("m")
    page.keyboard.press("ArrowRight")
    friday = thursday + datetime.timedelta(days=1)
    assert status.inner_text() == f"09:00, {friday:%a %b %-d}"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/appointments/{booking.pk}/")
    booking.refresh_from_db()
    assert booking.local_start.date() == friday
    assert booking.local_start.time() == datetime.time(9, 0)
    assert booking.injector == irene
