"""Issue 18, finding 7: hostile numbers, dates and text get a clear message, never a
500, and absurd values are refused: one helper for "a date in a sane window" and one
for "text without control characters" (clinic.input_bounds)."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clinic.input_bounds import date_in_window, no_control_characters
from planning.choices import VisitKind
from tests.factories import GLABELLAR, charted_treatment, make_plan, make_visit

pytestmark = pytest.mark.django_db

ABSURD_DAYS = ["0001-01-01", "9999-12-31"]


def test_the_helpers():
    today = datetime.date(2025, 6, 1)
    assert date_in_window(today, today=today, back_days=10, ahead_days=10) == today
    with pytest.raises(ValidationError, match="between"):
        date_in_window(datetime.date(9999, 12, 31), today=today, back_days=10, ahead_days=10)
    with pytest.raises(ValidationError, match="between"):
        date_in_window(datetime.date(1, 1, 1), today=today, back_days=10, ahead_days=10)
    assert no_control_characters("C-1") == "C-1"
    assert no_control_characters("two\nlines", multiline=True) == "two\nlines"
    for bad in ("C-1\r\nX", "a\x00b", "a\x1bb"):
        with pytest.raises(ValidationError, match="control"):
            no_control_characters(bad)
    with pytest.raises(ValidationError):
        no_control_characters("a\x00b", multiline=True)


@pytest.mark.parametrize("day", ABSURD_DAYS)
@pytest.mark.parametrize("page", ["schedule_day", "schedule_week", "my_day"])
def test_calendar_pages_with_an_absurd_day_say_so(injector_client, page, day):
    response = injector_client.get(reverse(page), {"day": day})
    assert response.status_code == 200
    assert "Choose a day between" in response.content.decode()


def _plan_post(client, plan, points_raw):
    return client.post(
        plan.get_absolute_url(), {"points": points_raw, "version": plan.version, "action": "save"}
    )


def _point(**extra):
    muscle, side, units = GLABELLAR[0]
    return {"muscle": muscle, "side": side, "units": str(units), "x": "0.5", "y": "0.3", **extra}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (json.dumps([_point(units="1e30")]), "Point 1"),
        ("[" * 100_000 + "]" * 100_000, "could not be read"),
        (json.dumps([_point(note="a\x00b")]), "control"),
        (json.dumps([_point(x="1e999999999")]), "Point 1"),
    ],
    ids=["units 1e30", "nested JSON", "NUL in a note", "huge x"],
)
def test_hostile_plan_points_get_a_message(injector_client, patient, injector, raw, message):
    visit = make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True)
    plan = make_plan(visit=visit, by=injector)
    response = _plan_post(injector_client, plan, raw)
    assert response.status_code == 400  # the editor's answer to points it refuses
    assert message in response.content.decode()
    plan.refresh_from_db()
    assert plan.version == 1


@pytest.mark.parametrize("wasted", ["1e9", "1e30", "5000"])
def test_absurd_wasted_units_get_a_message(injector_client, injector, patient, wasted):
    treatment = charted_treatment(patient=patient, injector=injector)
    url = reverse("charting:chart_save", args=[treatment.visit_id])
    form = {"version": 1, "wasted_units": wasted}
    for i in treatment.injections.all():
        form[f"u-{i.pk}"] = "4"
    response = injector_client.post(url, form)
    assert response.status_code == 422
    assert "At most" in response.content.decode()
    treatment.refresh_from_db()
    assert treatment.wasted_units == 0


def test_a_chart_number_with_a_line_break_is_refused(desk_client):
    data = {
        "first_name": "Clara",
        "last_name": "Northcott",
        "date_of_birth": "1990-03-14",
        "sex": "F",
        "chart_number": "C-1\r\nX",
    }
    response = desk_client.post(reverse("patient_create"), data)
    assert response.status_code == 200
    assert "control" in " ".join(response.context["form"].errors["chart_number"])


def test_an_appointment_on_9999_12_31_is_refused(patient, location, injector, front_desk):
    from clinic import scheduling
    from clinic.errors import SchedulingError
    from clinic.models import Appointment
    from tests.factories import at

    with pytest.raises(SchedulingError, match="Choose a day between"):
        scheduling.book_appointment(
            patient=patient,
            kind=Appointment.Kind.CONSULTATION,
            location=location,
            injector=injector,
            starts_at=at(location, datetime.date(9999, 12, 31), "10:00"),
            by=front_desk,
        )
