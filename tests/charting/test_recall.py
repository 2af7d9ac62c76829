"""Lot recall: the right patients and treatments, a CSV, and a constant query count."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from charting.lot_recall import recall_search
from tests.factories import PatientFactory, charted_treatment, make_lot, make_vial, signed_treatment
from tests.queries import audit_event

pytestmark = pytest.mark.django_db


def _treated(*, injector, lot, patient=None):
    """A glabellar chart (20 U) drawn from a vial of ``lot``."""
    vial = make_vial(lot=lot, by=injector)
    return charted_treatment(patient=patient or PatientFactory(), injector=injector, vial=vial)


def test_recall_finds_every_patient_who_received_the_lot(injector):
    bad, good = make_lot(number="BAD-7"), make_lot(number="GOOD-1")
    hit_1 = _treated(injector=injector, lot=bad)
    hit_2 = _treated(injector=injector, lot=bad)
    _treated(injector=injector, lot=good)
    mixed = _treated(injector=injector, lot=good)
    first = mixed.injections.order_by("order").first()
    first.vial = make_vial(lot=bad, by=injector)  # one point of this chart from the bad lot
    first.save()
    result = recall_search(number="bad-7")  # any case
    found = {t.pk: t.lot_units for t in result.treatments}
    assert found == {hit_1.pk: Decimal("20"), hit_2.pk: Decimal("20"), mixed.pk: Decimal("4")}
    assert result.patient_count == 3


def test_an_unknown_number_finds_nothing(injector):
    assert recall_search(number="NOPE").treatments == []
    assert recall_search(number="  ").number == ""


@pytest.mark.parametrize("treatments", [2, 25])
def test_the_recall_page_has_a_constant_query_count(
    admin_client, injector, django_assert_num_queries, treatments
):
    lot = make_lot(number="RC-9")
    for _ in range(treatments):
        _treated(injector=injector, lot=lot)
    url = reverse("charting:lot_recall")
    admin_client.get(url, {"number": "RC-9"})
    # session, user, roles; the lots with that number; the treatments with patient,
    # location, injector, product and the lot's units (one aggregate query); the active
    # location and the location list (base layout)
    # +3: the read is audited (chain head locked, event inserted, head moved on).
    with django_assert_num_queries(7 + audit_event()):
        response = admin_client.get(url, {"number": "RC-9"})
    assert response.content.decode().count("<tr>") == treatments + 1  # + header


def test_the_recall_csv_lists_patients_units_and_dates(admin_client, injector, patient):
    lot = make_lot(number="CSV-1")
    treatment = _treated(injector=injector, lot=lot, patient=patient)
    response = admin_client.get(reverse("charting:lot_recall_export"), {"number": "csv-1"})
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="recall-csv-1.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 1
    assert rows[0]["chart_number"] == patient.chart_number
    assert rows[0]["patient"] == "Maya Lockwood"
    assert rows[0]["units_from_lot"] == "20"
    assert rows[0]["treatment_date"] == treatment.visit.date.isoformat()
    assert rows[0]["lot"] == "CSV-1"


def test_recall_is_for_clinic_admins_only(injector_client):
    assert injector_client.get(reverse("charting:lot_recall")).status_code == 403
    assert injector_client.get(reverse("charting:lot_recall_export")).status_code == 403


def test_a_signed_chart_warns_when_its_lot_is_recalled_later(injector_client, injector, patient):
    from charting.lots import set_lot_status
    from charting.models import LotStatus

    lot = make_lot(number="LATER-1")
    vial = make_vial(lot=lot, by=injector)
    treatment = signed_treatment(patient=patient, injector=injector, vial=vial)
    url = reverse("charting:chart", args=[treatment.visit_id])
    assert 'data-testid="lot-alert"' not in injector_client.get(url).content.decode()
    set_lot_status(lot=lot, status=LotStatus.RECALLED, note="Maker's notice 7")
    page = injector_client.get(url).content.decode()
    assert 'data-testid="lot-alert"' in page and "Maker&#x27;s notice 7" in page
