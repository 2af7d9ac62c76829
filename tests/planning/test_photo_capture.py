"""The photo page's guided capture, server side: the shots to take, the ghost of each
(the same shot from the patient's latest earlier visit, never another patient's),
the guided flag, the refusal shown beside the capture, and a constant query count.
The capture in a browser is tests/e2e/test_photo_capture.py."""

import re

import pytest
from django.urls import reverse

from planning.capture import ghost_photos
from planning.models import Expression
from planning.photos import clean_image, save_clean_photo
from tests.factories import PatientFactory, jpeg_bytes, make_photo, make_visit, upload
from tests.queries import audit_event

pytestmark = pytest.mark.django_db


def photos_url(visit, **query):
    url = reverse("planning:photos", args=[visit.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def shot_tag(html: str, code: str, moment: str) -> str:
    match = re.search(rf'<a [^>]*data-testid="shot-{code}-{moment}"[^>]*>', html)
    assert match, f"no shot {code} {moment} on the page"
    return match.group(0)


def ghost_id(html: str, code: str, moment: str) -> int | None:
    found = re.search(r'data-ghost-id="(\d+)"', shot_tag(html, code, moment))
    return int(found.group(1)) if found else None


@pytest.fixture
def frown():
    return Expression.objects.get(code="FROWN")


@pytest.fixture
def history(patient, injector, frown):
    """The patient's frown photos at two earlier visits, and another patient's frown
    photo at a visit between those and today's, which is nearer in time."""
    older = make_visit(patient=patient, injector=injector, days_ago=120, screened=True)
    latest = make_visit(patient=patient, injector=injector, days_ago=60, screened=True)
    stranger = PatientFactory(home_location=patient.home_location)
    theirs = make_visit(patient=stranger, injector=injector, days_ago=10, screened=True)
    photos = {
        "older max": make_photo(visit=older, expression=frown, moment="max"),
        "latest max": make_photo(visit=latest, expression=frown, moment="max"),
        "latest rest": make_photo(visit=latest, expression=frown, moment="rest"),
        "older rest": make_photo(visit=older, expression=frown, moment="rest"),
        "stranger max": make_photo(visit=theirs, expression=frown, moment="max"),
    }
    return {"older": older, "latest": latest, "photos": photos}


def test_the_ghost_is_the_same_shot_from_the_latest_earlier_visit(
    injector_client, visit, history, frown
):
    photos = history["photos"]
    ghosts = ghost_photos(visit=visit)
    assert ghosts[(frown.pk, "max")] == photos["latest max"]
    assert ghosts[(frown.pk, "rest")] == photos["latest rest"]  # stored before "older rest"
    assert all(g.visit.patient_id == visit.patient_id for g in ghosts.values())
    html = injector_client.get(photos_url(visit)).content.decode()
    assert ghost_id(html, "FROWN", "max") == photos["latest max"].pk
    assert ghost_id(html, "FROWN", "rest") == photos["latest rest"].pk
    assert ghost_id(html, "SMILE", "max") is None  # never taken before: no ghost
    date = history["latest"].date
    assert f'data-ghost-date="{date.day} {date:%b %Y}"' in shot_tag(html, "FROWN", "max")


def test_never_another_patients_photo_nor_a_later_visits(patient, injector, history, frown):
    # The patient's first visit: the only earlier frown is the stranger's.
    first = make_visit(patient=patient, injector=injector, days_ago=200, screened=True)
    assert ghost_photos(visit=first) == {}
    # The stranger's own visit has no ghost of this patient's.
    stranger_visit = history["photos"]["stranger max"].visit
    assert ghost_photos(visit=stranger_visit) == {}
    # The middle visit's ghost is the older visit's, not the latest's (later).
    assert (
        ghost_photos(visit=history["latest"])[(frown.pk, "max")] == history["photos"]["older max"]
    )


def test_a_patients_own_photo_is_never_a_ghost_nor_ticked(
    injector_client, visit, patient, injector, frown
):
    earlier = make_visit(patient=patient, injector=injector, days_ago=30, screened=True)
    for target in (earlier, visit):
        save_clean_photo(
            visit=target,
            by=injector,
            cleaned=clean_image(upload(jpeg_bytes((60, 80)))),
            expression=frown,
            moment="max",
            patient_uploaded=True,
        )
    html = injector_client.get(photos_url(visit)).content.decode()
    assert ghost_id(html, "FROWN", "max") is None
    assert "is-taken" not in shot_tag(html, "FROWN", "max")
    assert "not measured per side" in html


def test_shots_are_each_expression_at_rest_and_at_maximum_ticked_when_taken(
    injector_client, visit, frown
):
    make_photo(visit=visit, expression=frown, moment="rest")
    html = injector_client.get(photos_url(visit)).content.decode()
    for expression in Expression.objects.all():
        for moment in ("rest", "max"):
            tag = shot_tag(html, expression.code, moment)
            taken = (expression, moment) == (frown, "rest")
            assert ("is-taken" in tag) is taken, (expression.code, moment)
    assert 'data-testid="capture"' in html and "js/photo_capture.js" in html
    assert 'name="guided"' in html


def test_a_shot_link_chooses_its_expression_and_moment(injector_client, visit, frown):
    html = injector_client.get(photos_url(visit, expression="FROWN", moment="max")).content
    html = html.decode()
    assert re.search(rf'<option value="{frown.pk}" selected>Frown</option>', html)
    assert re.search(r'<option value="max" selected>', html)


def test_a_refused_guided_photo_says_why_beside_the_capture(injector_client, visit, frown):
    response = injector_client.post(
        photos_url(visit),
        {
            "files": [upload(b"not a photo at all", name="capture.jpg")],
            "expression": frown.pk,
            "moment": "max",
            "guided": "1",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    error = re.search(
        r'<div class="alert alert-danger" role="alert" data-testid="photo-error">'
        r"(.*?)</div>",
        html,
        re.S,
    )
    assert error and "not a photo we can read" in error.group(1)
    # The message sits in the capture's column, before the capture itself.
    assert html.index('data-testid="photo-error"') < html.index('data-testid="capture"')
    assert not visit.photos.exists()


def test_the_guided_flag_is_a_hidden_optional_field():
    from planning.forms import PhotoUploadForm

    form = PhotoUploadForm()
    assert form.fields["guided"].required is False
    assert form.fields["guided"].widget.is_hidden


def test_no_capture_on_a_visit_that_takes_no_photo(injector_client, patient, injector):
    unscreened = make_visit(patient=patient, injector=injector)
    html = injector_client.get(photos_url(unscreened)).content.decode()
    assert 'data-testid="capture"' not in html and "data-shot" not in html


@pytest.mark.parametrize("earlier_visits", [1, 8])
def test_the_ghosts_cost_one_query_however_long_the_history(
    earlier_visits, injector_client, patient, injector, frown, django_assert_num_queries
):
    smile = Expression.objects.get(code="SMILE")
    for n in range(earlier_visits):
        earlier = make_visit(
            patient=patient, injector=injector, days_ago=30 * (n + 1), screened=True
        )
        for expression in (frown, smile):
            for moment in ("rest", "max"):
                make_photo(visit=earlier, expression=expression, moment=moment)
    visit = make_visit(patient=patient, injector=injector, screened=True)
    make_photo(visit=visit, expression=frown, moment="max")
    # 1 session, 2 user, 3 roles, 4 visit with people, 5 screening, 6 photos with
    # expressions, 7 the active location, 8 the location menu, 9 the expressions,
    # 10 the ghosts (one window query, with their visits).
    # The read is audited: the event (audit_event()); the view hands over the visit's patient.
    with django_assert_num_queries(10 + audit_event()):
        response = injector_client.get(photos_url(visit))
    html = response.content.decode()
    assert html.count("data-ghost-id=") == 4  # frown and smile, at rest and at maximum
