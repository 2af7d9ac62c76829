"""The active location (``clinic.middleware``): one rule, two ways to read it. A page
that does not list the locations asks the database (``resolve_location``); the day
view, the week view and the reviews-due filter pick it from the active locations they
read anyway (``pick_location``). Both must choose the same location in every case:
the session's choice, the user's default, the first active one by name."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from clinic.middleware import SESSION_KEY, pick_location, resolve_location
from clinic.models import Location
from tests.factories import LocationFactory

pytestmark = pytest.mark.django_db


def request_for(user, chosen):
    request = RequestFactory().get("/")
    request.user = user
    request.session = SessionStore()
    if chosen is not None:
        request.session[SESSION_KEY] = chosen
    return request


@pytest.mark.parametrize(
    "chosen", ["other", "closed", "default", None, "missing", "junk", "text id"]
)
@pytest.mark.parametrize("default", ["location", "closed", None])
def test_both_ways_choose_the_same_location(injector, location, other_location, chosen, default):
    closed = LocationFactory(name="Aardvark Closed Branch", is_active=False)
    places = {"other": other_location.pk, "closed": closed.pk, "default": location.pk}
    places |= {"missing": 999_999, "junk": "not-a-number", "text id": str(other_location.pk)}
    injector.default_location = {"location": location, "closed": closed, None: None}[default]
    injector.save()
    request = request_for(injector, places.get(chosen))

    # the session's choice if active, else the default if active, else the first by name
    expected = {"other": other_location, "text id": other_location, "default": location}.get(
        chosen,
        location if default == "location" else other_location,  # Hillcrest < Riverside
    )
    active = list(Location.objects.active())
    assert pick_location(request, active) == expected
    assert resolve_location(request) == expected
