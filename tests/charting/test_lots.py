"""Lot and vial rules around their boundaries, and the lot pages."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from charting.errors import ChartingError
from charting.lots import (
    check_lot,
    lot_refusal,
    parse_ml,
    reconstitute,
    set_lot_status,
    vial_refusal,
)
from charting.models import Lot, LotStatus, Vial
from planning.models import Product
from tests.factories import botox, make_lot, make_vial
from tests.queries import audit_event

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 6, 10)


def test_a_lot_expiring_today_is_still_usable_and_refused_the_day_after():
    lot = make_lot(number="EXP-1")
    lot.expiry_date = TODAY
    assert lot_refusal(lot=lot, product=botox(), on=TODAY) is None
    with pytest.raises(ChartingError, match="expired on Jun 10, 2026"):
        check_lot(lot=lot, product=botox(), on=TODAY + datetime.timedelta(days=1))


@pytest.mark.parametrize(
    ("status", "words"), [(LotStatus.QUARANTINED, "quarantined"), (LotStatus.RECALLED, "recalled")]
)
def test_quarantined_and_recalled_lots_are_refused_with_the_reason(status, words):
    lot = make_lot(number="Q-1", status=status, note="cold chain broken")
    with pytest.raises(ChartingError) as refused:
        check_lot(lot=lot, product=botox(), on=timezone.localdate())
    assert words in refused.value.message
    assert "cold chain broken" in refused.value.message


def test_a_lot_of_another_product_than_the_plan_is_refused():
    dysport = Product.objects.get(code="dysport")
    lot = make_lot(product=dysport, number="DY-1")
    reason = lot_refusal(lot=lot, product=botox(), on=timezone.localdate())
    assert "Dysport" in reason and "BOTOX Cosmetic" in reason


def test_vial_use_by_is_reconstitution_plus_the_products_hours_to_the_minute(injector):
    made = timezone.make_aware(datetime.datetime(2026, 6, 10, 9, 0))
    vial = make_vial(by=injector, at=made)
    assert vial.use_by == made + datetime.timedelta(hours=24)
    with time_machine.travel(vial.use_by - datetime.timedelta(minutes=1), tick=False):
        assert vial_refusal(vial=vial, product=botox(), at=timezone.now()) is None  # usable
    with time_machine.travel(vial.use_by + datetime.timedelta(minutes=1), tick=False):
        assert "usable until" in vial_refusal(vial=vial, product=botox(), at=timezone.now())


def test_daxxify_vials_keep_72_hours(injector):
    daxxify = Product.objects.get(code="daxxify")
    made = timezone.now() - datetime.timedelta(hours=71)
    vial = make_vial(lot=make_lot(product=daxxify, number="DX-1"), by=injector, at=made)
    assert vial_refusal(vial=vial, product=daxxify, at=timezone.now()) is None
    late = made + datetime.timedelta(hours=72, minutes=1)
    assert "usable until" in vial_refusal(vial=vial, product=daxxify, at=late)


def test_reconstitute_records_a_vial_and_computes_concentration(injector):
    vial = reconstitute(
        lot=make_lot(),
        product=botox(),
        vial_units=100,
        diluent_ml=Decimal("2.5"),
        reconstituted_at=timezone.now(),
        by=injector,
    )
    assert vial.units_per_0_1_ml == Decimal("4.00")  # 100 U + 2.5 mL → 4 U / 0.1 mL [label]


def test_a_daxxify_50_unit_vial_at_its_labeled_0625_ml(injector):
    """Issue 16, finding 9: the label's dilution of a 50 U Daxxify vial can be recorded."""
    daxxify = Product.objects.get(code="daxxify")
    vial = reconstitute(
        lot=make_lot(product=daxxify, number="DX-1"),
        product=daxxify,
        vial_units=50,
        diluent_ml=parse_ml("0.625"),
        reconstituted_at=timezone.now(),
        by=injector,
    )
    vial.refresh_from_db()
    assert vial.diluent_ml == Decimal("0.625")
    assert vial.units_per_0_1_ml == Decimal("8")  # 8 U / 0.1 mL [label]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"vial_units": 300}, "vial_units"),
        ({"diluent_ml": "0"}, "diluent_ml"),
        ({"diluent_ml": "12"}, "diluent_ml"),
        ({"lot_status": LotStatus.RECALLED}, "lot"),
        ({"expiry_days": -1}, "lot"),
        ({"hours_ago": 25}, "reconstituted_at"),
    ],
)
def test_reconstitute_refuses_bad_input_and_saves_nothing(injector, changes, field):
    lot = make_lot(
        status=changes.get("lot_status", LotStatus.ACTIVE),
        note="recall",
        expiry_days=changes.get("expiry_days", 100),
    )
    with pytest.raises(ChartingError) as refused:
        reconstitute(
            lot=lot,
            product=botox(),
            vial_units=changes.get("vial_units", 100),
            diluent_ml=changes.get("diluent_ml", "2.5"),
            reconstituted_at=timezone.now() - datetime.timedelta(hours=changes.get("hours_ago", 0)),
            by=injector,
        )
    assert refused.value.field == field
    assert not Vial.objects.exists()


def test_recall_needs_a_reason_and_takes_effect_at_once(injector, clinic_admin):
    lot = make_lot()
    with pytest.raises(ChartingError, match="why"):
        set_lot_status(lot=lot, status=LotStatus.RECALLED, note=" ")
    vial = make_vial(lot=lot, by=injector)
    set_lot_status(lot=lot, status=LotStatus.RECALLED, note="Maker's notice")
    vial.refresh_from_db()
    assert "recalled" in vial_refusal(vial=vial, product=botox(), at=timezone.now())


def test_lot_numbers_are_unique_per_product():
    from django.db import IntegrityError

    make_lot(number="DUP-1")
    with pytest.raises(IntegrityError):
        make_lot(number="DUP-1")


def test_injectors_see_the_lot_list_with_reasons(injector_client, django_assert_num_queries):
    make_lot(number="OK-1")
    make_lot(number="OLD-1", expiry_days=-3)
    make_lot(number="BAD-1", status=LotStatus.RECALLED, note="notice 42")
    url = reverse("charting:lot_list")
    injector_client.get(url)
    # session, user, roles; lots with product and vial counts; the active location and
    # the location list (base layout)
    # +3: the read is audited (chain head locked, event inserted, head moved on).
    with django_assert_num_queries(6 + audit_event()):
        response = injector_client.get(url)
    page = response.content.decode()
    assert "OK-1" in page and "Usable" in page
    assert "expired on" in page and "notice 42" in page
    assert "New lot" not in page  # the injector does not manage lots


def test_the_lot_list_query_count_does_not_grow(injector_client, django_assert_num_queries):
    url = reverse("charting:lot_list")
    for n in range(30):
        make_lot(number=f"MANY-{n}")
    injector_client.get(url)
    with django_assert_num_queries(6 + audit_event()):  # as above: one query for all the lots
        injector_client.get(url)


def test_an_admin_adds_and_recalls_a_lot(admin_client):
    response = admin_client.post(
        reverse("charting:lot_create"),
        {
            "product": botox().pk,
            "number": " ab123 ",
            "expiry_date": "2030-01-31",
            "received_on": "2026-01-01",
            "vial_count": 5,
        },
    )
    assert response.status_code == 302
    lot = Lot.objects.get(number="AB123")
    response = admin_client.post(
        reverse("charting:lot_edit", args=[lot.pk]),
        {
            "lot-product": botox().pk,
            "lot-number": "AB123",
            "lot-expiry_date": "2030-01-31",
            "lot-received_on": "2026-01-01",
            "lot-vial_count": 5,
            "status-status": "recalled",
            "status-status_note": "",
        },
    )
    assert response.status_code == 422
    assert "Say why" in response.content.decode()
    lot.refresh_from_db()
    assert lot.status == LotStatus.ACTIVE


def test_injectors_cannot_edit_lots(injector_client):
    lot = make_lot()
    assert injector_client.get(reverse("charting:lot_edit", args=[lot.pk])).status_code == 403
