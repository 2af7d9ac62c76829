"""A lot expiring absurdly far away is refused (issue 18, finding 7: a lot accepted
with expiry 0001-01-01). The rule: ``Lot.clean`` through ``clinic.input_bounds``
(expiry from ten years back to five ahead; received from ten years back to
tomorrow). Doors: the lot page (add and edit), the Django admin, the demo data.
Seen to fail with ``self.clean_dates()`` taken out of ``Lot.clean``."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from charting.demo import treatments as demo_treatments
from charting.models import Lot
from tests.factories import botox, make_lot

pytestmark = pytest.mark.django_db

ABSURD = ["0001-01-01", "9999-12-31"]


def lot_data(**changes) -> dict:
    data = {
        "product": botox().pk,
        "number": "WIN-1",
        "expiry_date": (timezone.localdate() + datetime.timedelta(days=400)).isoformat(),
        "received_on": timezone.localdate().isoformat(),
        "vial_count": 5,
    }
    return data | changes


@pytest.mark.parametrize("day", ABSURD)
@pytest.mark.parametrize("field", ["expiry_date", "received_on"])
def test_the_lot_page_refuses_an_absurd_date(admin_client, field, day):
    response = admin_client.post(reverse("charting:lot_create"), lot_data(**{field: day}))
    assert response.status_code == 422
    assert "Choose a day between" in response.content.decode()
    assert not Lot.objects.filter(number="WIN-1").exists()
    # The same form with a sane date is saved: the refusal was the date's.
    assert admin_client.post(reverse("charting:lot_create"), lot_data()).status_code == 302


def test_the_lot_page_refuses_it_when_editing_and_keeps_an_old_lot_editable(admin_client):
    lot = make_lot()
    url = reverse("charting:lot_edit", args=[lot.pk])
    form = {f"lot-{k}": v for k, v in lot_data(number=lot.number).items()} | {
        "status-status": lot.status,
        "status-status_note": "",
    }
    response = admin_client.post(url, form | {"lot-expiry_date": "9999-12-31"})
    assert response.status_code == 422 and "Choose a day between" in response.content.decode()
    lot.refresh_from_db()
    assert lot.expiry_date.year != 9999
    # A lot recorded long ago (before the window) can still be recalled: only a
    # changed date is checked.
    old = timezone.localdate() - datetime.timedelta(days=4000)
    Lot.objects.filter(pk=lot.pk).update(expiry_date=old, received_on=old)
    form |= {"lot-expiry_date": old.isoformat(), "lot-received_on": old.isoformat()}
    form |= {"status-status": "recalled", "status-status_note": "Recall notice"}
    assert admin_client.post(url, form).status_code == 302
    assert Lot.objects.get(pk=lot.pk).status == "recalled"


@pytest.mark.parametrize("day", ABSURD)
def test_the_django_admin_refuses_it(admin_client, day):
    response = admin_client.post(
        reverse("admin:charting_lot_add"),
        lot_data(expiry_date=day, status="active", status_note=""),
    )
    assert response.status_code == 200
    assert "Choose a day between" in response.content.decode()
    assert not Lot.objects.filter(number="WIN-1").exists()


def test_the_demo_data_refuses_it(monkeypatch, injector):
    # The demo's lots are data: one absurd row among them stops the demo with the
    # lot's own message rather than storing it.
    injector.email = "injector@demo.clinic"  # the demo's injector
    injector.save(update_fields=["email"])
    (code, _, _, status, note) = demo_treatments.DEMO_LOTS[0]
    absurd = (code, "DEMO-FAR", 2_900_000, status, note)  # in the year 9900 or so
    monkeypatch.setattr(demo_treatments, "DEMO_LOTS", [absurd])
    with pytest.raises(ValidationError, match="Choose a day between"):
        demo_treatments.seed(io.StringIO())
    assert not Lot.objects.filter(number="DEMO-FAR").exists()
