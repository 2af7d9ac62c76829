"""Toxin from elsewhere (patient-reported) is recorded on the screening page through
planning.outside_doses, with a clear message at the field for bad input and nothing
saved, and then counts in the interval (tests/charting/test_dose_rules.py counts it
in the ceiling)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from planning.models import OutsideDose, Product
from planning.screening import evaluate
from planning.treatment_history import last_session
from tests.factories import ALL_NO, make_visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def url(patient, injector):
    visit = make_visit(patient=patient, injector=injector, screened=True)
    return reverse("planning:screening_outside_dose", args=[visit.pk])


def day(days_ago: int) -> str:
    return (timezone.localdate() - datetime.timedelta(days=days_ago)).isoformat()


def test_a_reported_dose_is_recorded_and_starts_the_interval(injector_client, url, patient):
    botox = Product.objects.get(code="botox-cosmetic")
    response = injector_client.post(
        url, {"given_on": day(40), "product": botox.pk, "units": "50", "where": "Migraine"}
    )
    assert response.status_code == 302
    dose = OutsideDose.objects.get(patient=patient)
    assert (dose.units, dose.product, dose.where) == (50, botox, "Migraine")
    page = injector_client.get(response.url).content.decode()
    assert "50 U" in page and "patient-reported" in page
    session = last_session(patient=patient, before=timezone.localdate())
    assert session.reported and session.on == dose.given_on
    findings = evaluate(answers=ALL_NO, patient=patient, on=timezone.localdate()).findings
    assert any("toxin elsewhere (patient-reported)" in f.message for f in findings)


def test_a_month_only_date_counts_as_the_months_last_day(injector_client, url, patient):
    response = injector_client.post(url, {"given_on": "2026-02-10", "month_only": "on"})
    assert response.status_code == 302
    dose = OutsideDose.objects.get(patient=patient)
    assert dose.given_on == datetime.date(2026, 2, 1) and dose.month_only
    assert dose.latest_day == datetime.date(2026, 2, 28)  # the safe side for an interval
    assert dose.when_text == "February 2026"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"given_on": day(-3)}, "given_on", "in the future"),
        ({}, "given_on", "Enter the day"),
        ({"given_on": "not a day"}, "given_on", "Enter a valid date"),
        ({"given_on": day(10), "units": "20"}, "units", "Choose the product too"),
        ({"given_on": day(10), "units": "1e9", "product": "botox"}, "units", "At most 2000 U"),
        ({"given_on": day(10), "units": "-4", "product": "botox"}, "units", ""),
        ({"given_on": day(10), "units": "0.25", "product": "botox"}, "units", ""),
        ({"given_on": day(10), "units": "lots", "product": "botox"}, "units", ""),
        ({"given_on": day(10), "product": "999999"}, "product", "Select a valid choice"),
    ],
)
def test_bad_input_gets_a_message_at_its_field_and_saves_nothing(
    injector_client, url, patient, data, field, message
):
    if data.get("product") == "botox":
        data["product"] = Product.objects.get(code="botox-cosmetic").pk
    response = injector_client.post(url, data)
    assert response.status_code == 400
    errors = response.context["outside_form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert not OutsideDose.objects.filter(patient=patient).exists()


def test_the_front_desk_cannot_record_clinical_history(desk_client, url, patient):
    response = desk_client.post(url, {"given_on": day(10)})
    assert response.status_code == 403
    assert not OutsideDose.objects.exists()
