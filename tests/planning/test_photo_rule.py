"""The photo rule (issue 17, finding 5): ``planning.photos.photo_refusal``.

Doors: the photo page (planning:photos, GET shows the form or the refusal, POST
stores or refuses) and ``store_photo``/``store_photos`` (the demo's and the
factories' door). The review's own door, "Take review photos" and "Back to the
review", is driven in a browser by tests/e2e/test_review_photos.py."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from planning.choices import VisitKind, VisitStatus
from planning.models import Photo
from planning.photos import NOT_SCREENED, store_photo
from tests.factories import jpeg_bytes, make_visit, upload

pytestmark = pytest.mark.django_db


def test_a_review_visit_takes_photos_without_a_screening(patient, injector, injector_client):
    visit = make_visit(patient=patient, injector=injector, kind=VisitKind.REVIEW)
    url = reverse("planning:photos", args=[visit.pk])
    page = injector_client.get(url).content.decode()
    assert 'data-testid="photo-form"' in page and 'data-testid="screening-missing"' not in page
    posted = injector_client.post(url, {"files": upload(jpeg_bytes((60, 80))), "back": "review"})
    assert posted.status_code == 302 and posted["Location"].endswith("?back=review")
    assert Photo.objects.filter(visit=visit).count() == 1
    store_photo(visit=visit, by=injector, upload=upload(jpeg_bytes((60, 80))))
    assert Photo.objects.filter(visit=visit).count() == 2


def test_other_visits_are_screened_first(patient, injector, injector_client):
    visit = make_visit(patient=patient, injector=injector)
    url = reverse("planning:photos", args=[visit.pk])
    assert NOT_SCREENED in injector_client.get(url).content.decode()
    injector_client.post(url, {"files": upload(jpeg_bytes((60, 80)))})
    with pytest.raises(ValidationError, match="once the patient is screened"):
        store_photo(visit=visit, by=injector, upload=upload(jpeg_bytes((60, 80))))
    assert not Photo.objects.exists()


def test_a_signed_review_takes_no_photo(patient, injector):
    visit = make_visit(
        patient=patient, injector=injector, kind=VisitKind.REVIEW, status=VisitStatus.COMPLETED
    )
    with pytest.raises(ValidationError, match="review is signed"):
        store_photo(visit=visit, by=injector, upload=upload(jpeg_bytes((60, 80))))
    assert not Photo.objects.exists()
