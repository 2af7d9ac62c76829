"""A signed record does not change through the lot it points at (issue 18, finding
2): a lot used in a signed chart keeps its product, number and expiry. Doors: the
lot page, the Django admin, the model layer. Seen to fail with the check taken out
of Lot.clean (the lot page renamed it and every signed chart said the new number)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from charting.models import Lot
from charting.models.locking import SignedRecordError
from tests.factories import charted_treatment, signed_treatment

pytestmark = pytest.mark.django_db


def lot_of(treatment) -> Lot:
    return treatment.injections.first().vial.lot


def lot_form(lot, **changes) -> dict:
    data = {
        "lot-product": lot.product_id,
        "lot-number": lot.number,
        "lot-expiry_date": lot.expiry_date.isoformat(),
        "lot-received_on": lot.received_on.isoformat(),
        "lot-vial_count": lot.vial_count,
        "status-status": lot.status,
        "status-status_note": lot.status_note,
    }
    return data | {f"lot-{k}": v for k, v in changes.items()}


def test_the_lot_page_refuses_renaming_a_signed_lot(patient, injector, admin_client):
    lot = lot_of(signed_treatment(patient=patient, injector=injector))
    url = reverse("charting:lot_edit", args=[lot.pk])
    response = admin_client.post(url, lot_form(lot, number="RENAMED-1"))
    assert response.status_code == 422
    assert "is in signed charts" in response.content.decode()
    lot.refresh_from_db()
    assert lot.number != "RENAMED-1"


def test_the_django_admin_refuses_it_too(patient, injector, admin_client):
    lot = lot_of(signed_treatment(patient=patient, injector=injector))
    url = reverse("admin:charting_lot_change", args=[lot.pk])
    assert admin_client.get(url).status_code == 200
    data = {
        "product": lot.product_id,
        "number": "RENAMED-2",
        "expiry_date": lot.expiry_date.isoformat(),
        "received_on": lot.received_on.isoformat(),
        "vial_count": lot.vial_count,
        "status": lot.status,
        "status_note": lot.status_note,
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200 and "is in signed charts" in response.content.decode()
    lot.refresh_from_db()
    assert lot.number != "RENAMED-2"


def test_the_model_layer_refuses_it(patient, injector):
    lot = lot_of(signed_treatment(patient=patient, injector=injector))
    lot.expiry_date += datetime.timedelta(days=30)
    with pytest.raises(SignedRecordError, match="is in signed charts"):
        lot.save()


def test_a_lot_only_in_open_charts_may_still_be_corrected(patient, injector):
    lot = lot_of(charted_treatment(patient=patient, injector=injector))
    lot.number = "CORRECTED-1"
    lot.full_clean()
    lot.save()
    assert Lot.objects.get(pk=lot.pk).number == "CORRECTED-1"


def test_a_signed_lot_may_still_be_recalled(patient, injector):
    from charting.choices import LotStatus
    from charting.lots import set_lot_status

    lot = lot_of(signed_treatment(patient=patient, injector=injector))
    set_lot_status(lot=lot, status=LotStatus.RECALLED, note="Manufacturer recall 2026-12.")
    lot.refresh_from_db()
    assert lot.status == LotStatus.RECALLED
