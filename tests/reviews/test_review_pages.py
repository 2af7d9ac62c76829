"""The review pages: opened from my day and the reviews-due list, bad input, query counts."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from charting.models import DueReview
from charting.reviews.models import Review
from charting.reviews.review import add_side_effect, open_review
from clinic.models import Appointment
from planning.models import Muscle
from tests.factories import (
    PASSWORD,
    RESIDUAL,
    graded_review,
    make_appointment,
    signed_treatment,
    touch_up,
)
from tests.factories.reviews import two_weeks_after
from tests.queries import audit_event

pytestmark = pytest.mark.django_db


def test_my_day_opens_the_review_of_the_booked_appointment(
    treated_two_weeks_ago, injector, injector_client
):
    treatment = treated_two_weeks_ago
    due = DueReview.objects.with_state().get(treatment=treatment)
    appointment = Appointment.objects.get(pk=due.booked_id)
    url = reverse("open_appointment", args=[appointment.pk])
    day = appointment.starts_at.date().isoformat()
    assert url in injector_client.get(reverse("my_day"), {"day": day}).content.decode()
    opened = injector_client.get(url)
    assert opened["Location"] == reverse("reviews:open_for_appointment", args=[appointment.pk])
    response = injector_client.get(opened["Location"])
    review = Review.objects.get(treatment=treatment)
    assert response.status_code == 302 and response["Location"] == review.get_absolute_url()
    page = injector_client.get(review.get_absolute_url())
    assert page.status_code == 200
    assert b"Corrugator" in page.content and b"was 3" in page.content


def test_the_reviews_due_entry_opens_the_review(treated_two_weeks_ago, injector_client, front_desk):
    treatment = treated_two_weeks_ago
    due = DueReview.objects.get(treatment=treatment)
    url = reverse("reviews:open_for_due", args=[due.pk])
    listing = reverse("reviews_due") + "?booked=on"
    assert url in injector_client.get(listing).content.decode()
    desk = Client()  # the desk's own browser (the client fixtures share one)
    desk.force_login(front_desk)
    desk_page = desk.get(listing).content.decode()
    assert treatment.visit.patient.last_name in desk_page and url not in desk_page
    response = injector_client.get(url)
    assert response["Location"] == Review.objects.get(treatment=treatment).get_absolute_url()


def test_a_review_appointment_without_a_signed_treatment_says_so(
    patient, injector, injector_client
):
    appointment = make_appointment(patient=patient, injector=injector, kind=Appointment.Kind.REVIEW)
    response = injector_client.get(
        reverse("reviews:open_for_appointment", args=[appointment.pk]), follow=True
    )
    assert response.status_code == 200
    assert b"no signed treatment awaiting review" in response.content
    assert not Review.objects.exists()


def test_grading_an_untreated_muscle_through_the_page_is_refused(
    treatment, injector, injector_client
):
    review = open_review(treatment=treatment, by=injector, on=two_weeks_after(treatment))
    response = injector_client.post(
        review.get_absolute_url(),
        {"version": review.version, "g:CORR:L": "2", "g:FRONT:L": "3", "gais": "2", "note": "kept"},
    )
    assert response.status_code == 400
    assert b"was not treated in this cycle" in response.content
    assert b"kept" in response.content  # nothing entered is lost
    assert not review.findings.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"version": "x", "g:CORR:L": "9", "gais": "99", "satisfaction": "0"},
        {"version": "1", "gais": "<script>", "satisfaction": "seven"},
    ],
)
def test_garbage_on_the_review_form_is_a_clear_400(treatment, injector, injector_client, data):
    review = open_review(treatment=treatment, by=injector, on=two_weeks_after(treatment))
    response = injector_client.post(review.get_absolute_url(), data)
    assert response.status_code == 400
    assert b"alert-danger" in response.content


def test_touch_up_page_refuses_bad_input_and_adds_a_point(
    treatment, injector, injector_client, vial
):
    review = open_review(treatment=treatment, by=injector, on=two_weeks_after(treatment))
    url = reverse("reviews:touch_up", args=[review.pk])
    corr = Muscle.objects.get(code="CORR")
    bad = injector_client.post(url, {"target": f"{corr.pk}:L", "units": "1.3", "vial": vial.pk})
    assert bad.status_code == 400 and b"steps of 0.5" in bad.content
    junk = injector_client.post(url, {"target": "x:y", "units": "", "vial": "abc", "x": "2"})
    assert junk.status_code == 400 and b"Choose the muscle" in junk.content
    ok = injector_client.post(
        url, {"target": f"{corr.pk}:L", "units": "2", "vial": vial.pk, "x": "0.55", "y": "0.31"}
    )
    assert ok.status_code == 302
    review.refresh_from_db()
    point = review.touch_up.injections.get()
    assert (str(point.units), str(point.x)) == ("2.0", "0.5500")


def test_no_touch_up_after_the_review_is_signed(treatment, injector, injector_client, vial):
    review = graded_review(treatment=treatment, injector=injector, grades=RESIDUAL)
    response = injector_client.post(
        reverse("reviews:sign", args=[review.pk]), {"password": PASSWORD}
    )
    assert response.status_code == 302
    corr = Muscle.objects.get(code="CORR")
    late = injector_client.post(
        reverse("reviews:touch_up", args=[review.pk]),
        {"target": f"{corr.pk}:L", "units": "2", "vial": vial.pk},
    )
    assert late.status_code == 400 and b"no touch-up can be added after signing" in late.content


def test_signing_with_a_wrong_password_keeps_the_review_open(treatment, injector, injector_client):
    review = graded_review(treatment=treatment, injector=injector, grades=RESIDUAL)
    response = injector_client.post(reverse("reviews:sign", args=[review.pk]), {"password": "no"})
    assert response.status_code == 400 and b"password is not correct" in response.content
    assert not Review.objects.get().is_signed


def test_the_front_desk_never_opens_a_review(treatment, injector, desk_client):
    review = open_review(treatment=treatment, by=injector, on=two_weeks_after(treatment))
    for url in (
        review.get_absolute_url(),
        reverse("reviews:photos", args=[review.pk]),
        reverse("reviews:touch_up", args=[review.pk]),
        reverse("reviews:cycles", args=[treatment.visit.patient_id]),
    ):
        assert desk_client.get(url).status_code == 403


def _busy(review, injector, vial):
    """Fill a review with a touch-up on every side and a side effect."""
    for muscle, side in (("CORR", "L"), ("CORR", "R"), ("PROC", "C")):
        touch_up(review=review, vial=vial, by=injector, muscle=muscle, side=side, units="1")
    add_side_effect(review=review, kind="headache")


def test_the_review_page_runs_in_constant_queries(
    treatment,
    injector,
    injector_client,
    vial,
    django_assert_num_queries,
    # +1 +audit_event() on every count below: the read is audited (the review's
    # patient, then the event).
):
    review = graded_review(treatment=treatment, injector=injector, grades=RESIDUAL)
    url = review.get_absolute_url()
    # session, user, user's groups, review (+visit, people, treatments), treatment injections,
    # touch-up injections, findings, side effects, baseline map, its observations, and the
    # base layout's two location queries; the treatment's signature checked over its
    # stored values (injections, events, consents: 3; the touch-up is not signed yet);
    # +1 the photos of the review, treatment and consultation visits with their
    # measurements (charting.reviews.screens.measured_comparison)
    with django_assert_num_queries(12 + 3 + 1 + 1 + audit_event()):
        assert injector_client.get(url).status_code == 200
    _busy(review, injector, vial)
    with django_assert_num_queries(12 + 3 + 1 + 1 + audit_event()):
        assert injector_client.get(url).status_code == 200


def test_the_history_page_runs_in_constant_queries(
    patient, injector, injector_client, vial, django_assert_num_queries
):
    url = reverse("reviews:cycles", args=[patient.pk])

    def cycle():
        treatment = signed_treatment(patient=patient, injector=injector, vial=vial)
        review = graded_review(treatment=treatment, injector=injector, grades=RESIDUAL)
        _busy(review, injector, vial)
        injector_client.post(reverse("reviews:sign", args=[review.pk]), {"password": PASSWORD})

    cycle()
    # session, user, user's groups, patient, treatments with reviews and touch-ups,
    # their injections, findings, side effects, touch-ups' injections, two location queries,
    # the effect durations and their muscles (the next cycle's date, recall_timing);
    # +3: the read of the patient is audited (chain head locked, event, head moved on).
    with django_assert_num_queries(13 + audit_event()):
        first = injector_client.get(url)
    assert b"+1" in first.content
    for _ in range(3):
        cycle()
    with django_assert_num_queries(13 + audit_event()):
        response = injector_client.get(url)
    assert response.content.count(b'class="rv-chart"') == 3  # one chart per muscle and side


def test_the_touch_up_form_starts_on_the_side_that_moves_most(treatment, injector, injector_client):
    review = graded_review(treatment=treatment, injector=injector, grades=RESIDUAL)
    html = injector_client.get(reverse("reviews:touch_up", args=[review.pk])).content.decode()
    corr = Muscle.objects.get(code="CORR")
    assert f'value="{corr.pk}:L" selected' in html
