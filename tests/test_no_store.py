"""Issue 18, finding 11: no page or file that shows patient data may be kept by a
browser or a proxy: ``Cache-Control: no-store`` on all of them (photos included,
which were cached for an hour)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import charted_treatment, make_photo, make_visit

pytestmark = pytest.mark.django_db


def _stored_nowhere(response) -> None:
    assert response.status_code == 200, response.status_code
    cache_control = response["Cache-Control"]
    assert "no-store" in cache_control, cache_control
    assert "max-age=3600" not in cache_control


def test_patient_pages_and_photos_are_not_stored(injector_client, injector, patient):
    visit = make_visit(patient=patient, injector=injector, screened=True)
    photo = make_photo(visit=visit)
    treatment = charted_treatment(patient=patient, injector=injector)
    for url in (
        patient.get_absolute_url(),
        reverse("patient_list"),
        reverse("schedule_day"),
        reverse("planning:photos", args=[visit.pk]),
        reverse("planning:photo_file", args=[photo.pk]),
        reverse("planning:photo_thumbnail", args=[photo.pk]),
        reverse("charting:chart", args=[treatment.visit_id]),
    ):
        _stored_nowhere(injector_client.get(url))


def test_the_health_probe_keeps_its_own_no_cache(client):
    response = client.get(reverse("healthz"))
    assert "no-store" in response["Cache-Control"]


def test_photos_follow_the_pages_one_rule(injector_client, injector, patient):
    """Doors: the photo file, its thumbnail (planning.views.photos) and the photos
    page all get their header from ``clinic.middleware.NoStoreMiddleware`` alone;
    no view keeps a cache lifetime of its own (the photos had max-age=3600)."""
    visit = make_visit(patient=patient, injector=injector, screened=True)
    photo = make_photo(visit=visit)
    for url in (
        reverse("planning:photo_file", args=[photo.pk]),
        reverse("planning:photo_thumbnail", args=[photo.pk]),
        reverse("planning:photos", args=[visit.pk]),
    ):
        response = injector_client.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store", url
        assert "Expires" not in response and "Last-Modified" not in response
