"""Issue 18, finding 12: a double-submitted addendum is stored once (``clinic.once``:
the addendum form's one-time token; the other doors are in tests/test_submit_once.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from charting.models import Addendum
from tests.factories import signed_treatment
from tests.test_submit_once import token_on

pytestmark = pytest.mark.django_db


def test_the_same_addendum_posted_twice_is_stored_once(injector_client, injector, patient):
    signed = signed_treatment(patient=patient, injector=injector)
    chart = reverse("charting:chart", args=[signed.visit_id])
    url = reverse("charting:addendum", args=[signed.visit_id])
    form = {"reason": "Late entry", "text": "Patient called: mild headache."}
    form["submit_token"] = token_on(injector_client.get(chart))
    assert injector_client.post(url, form).status_code == 302
    again = injector_client.post(url, {**form, "reason": " Late   entry "}, follow=True)
    assert again.status_code == 200
    assert "already added" in again.content.decode()
    assert Addendum.objects.filter(treatment=signed).count() == 1
    # The chart's next form (a new token) is a new addendum.
    form["submit_token"] = token_on(injector_client.get(chart))
    injector_client.post(url, {**form, "text": "Headache gone next day."})
    assert Addendum.objects.filter(treatment=signed).count() == 2
