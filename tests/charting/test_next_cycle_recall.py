"""The recall list: last treatment 3 to 4 months ago, nothing booked."""

import datetime
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from charting.next_cycle_recall import months_before, patients_due_back
from charting.signing import seal
from clinic.models import Appointment
from tests.factories import PatientFactory, charted_treatment, make_appointment

pytestmark = pytest.mark.django_db
Kind, Status = Appointment.Kind, Appointment.Status


HOURS = itertools.count()


def treated(injector, days_ago, **kw):
    """A past appointment (each an hour apart, so none overlap)."""
    patient = kw.pop("patient", None) or PatientFactory()
    make_appointment(
        patient=patient,
        injector=injector,
        kind=kw.pop("kind", Kind.TREATMENT),
        status=kw.pop("status", Status.COMPLETED),
        starts_at=timezone.now() - datetime.timedelta(days=days_ago, hours=next(HOURS)),
        **kw,
    )
    return patient


def test_months_before_clamps_the_day():
    assert months_before(datetime.date(2026, 7, 31), 4) == datetime.date(2026, 3, 31)
    assert months_before(datetime.date(2026, 6, 30), 4) == datetime.date(2026, 2, 28)
    assert months_before(datetime.date(2026, 2, 15), 3) == datetime.date(2025, 11, 15)


def test_who_is_recalled(injector, location):
    due = treated(injector, 105)
    too_recent = treated(injector, 60)
    too_old = treated(injector, 150)
    consult_only = treated(injector, 105, kind=Kind.CONSULTATION)
    no_show = treated(injector, 105, status=Status.NO_SHOW)
    booked = treated(injector, 100)
    make_appointment(patient=booked, injector=injector)  # tomorrow
    retreated = treated(injector, 110)
    treated(injector, 20, patient=retreated)
    signed_in_charting = PatientFactory()
    treatment = charted_treatment(
        patient=signed_in_charting,
        injector=injector,
        started_at=timezone.now() - datetime.timedelta(days=100),
    )
    seal(treatment=treatment, by=injector, at=treatment.started_at)  # signed, no review booked
    found = set(patients_due_back(today=timezone.localdate()))
    assert due in found and signed_in_charting in found
    assert not found & {too_recent, too_old, consult_only, no_show, booked, retreated}


def test_the_recall_page_lists_with_a_booking_link(desk_client, injector, location):
    patient = treated(injector, 100)
    patient.home_location = location
    patient.save()
    page = desk_client.get(reverse("next_cycle_recall"))
    assert page.status_code == 200
    assert patient.last_name in page.text
    assert f"?patient={patient.pk}&amp;kind=treatment" in page.text
