"""The day grid shades an injector's break and the time outside their hours, and
says why (issue 19, "Hours"; the rule: ``clinic.hours.Closures.off``), on a tablet.
The band is drawn between the free times, under the appointments; its reason is
its text (read out) and its title (on hover)."""

import datetime

import pytest

from clinic.models import WorkingHours
from clinic.roles import Role
from clinic.slots import local_today
from tests.factories import PASSWORD, LocationFactory, UserFactory

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_break_is_a_shaded_band_that_says_why(page):
    location = LocationFactory(name="Riverside Clinic")
    irene = UserFactory(
        email="irene@test.clinic",
        first_name="Irene",
        last_name="Castellano",
        role=Role.INJECTOR,
        default_location=location,
    )
    UserFactory(email="frank@test.clinic", role=Role.FRONT_DESK, default_location=location)
    day = local_today(location) + datetime.timedelta(days=1)
    WorkingHours.objects.create(
        injector=irene,
        location=location,
        weekday=day.weekday(),
        starts_at=datetime.time(9),
        ends_at=datetime.time(15),
        break_starts_at=datetime.time(12, 30),
        break_ends_at=datetime.time(13),
    )
    page.set_viewport_size({"width": 1180, "height": 820})
    login(page, "frank@test.clinic", PASSWORD)
    page.goto(f"/day/?day={day.isoformat()}&location={location.pk}")
    band = page.get_by_test_id(f"off-{irene.pk}").filter(has_text="break")
    assert band.get_attribute("title") == "Irene Castellano's break 12:30–13:00"
    before = page.get_by_role("link", name="Book Irene Castellano at 12:15").bounding_box()
    after = page.get_by_role("link", name="Book Irene Castellano at 13:00").bounding_box()
    box = band.bounding_box()
    # Half an hour of 15 px rows, right between 12:15's slot and 13:00's.
    assert box["height"] == pytest.approx(90, abs=2)
    assert box["y"] == pytest.approx(before["y"] + before["height"], abs=2)
    assert after["y"] == pytest.approx(box["y"] + box["height"], abs=2)
    assert page.get_by_role("link", name="Book Irene Castellano at 12:30").count() == 0
    outside = page.get_by_test_id(f"off-{irene.pk}").filter(has_text="Outside")
    assert outside.inner_text() == "Outside Irene Castellano's hours here (09:00–15:00)"
