"""Review timing (issue 17, finding 4): one rule, ``charting.review_timing``.

Doors of the rule tested here: the review's opening page (from the appointment and
from the reviews-due list), the review page's header, the touch-up add endpoint,
the signing of the review and of its touch-up (the signed content), a review made
by another door than ``open_review`` (refused at signing), the review's PDF section,
and booking (which review appointment counts as the cycle's review). The demo data
calls the same rule and raises on a demo bug (run by ``seed_demo`` in the browser
tests); the Django admin registers no review or touch-up."""

from __future__ import annotations

import datetime

import pytest
from django.contrib import admin
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from charting import review_timing
from charting.models import DueReview, Treatment
from charting.reports.review_section import review_summary
from charting.reports.treatments import with_rows
from charting.reviews.errors import ReviewError
from charting.reviews.models import Review
from charting.reviews.review import open_review, save_review, sign_review
from charting.seal import signed_content, verify
from clinic.models import Appointment
from planning.models import Muscle
from tests.factories import PASSWORD, RESIDUAL, make_appointment, signed_treatment

pytestmark = pytest.mark.django_db

REASON = "Left brow feels heavy since day 2; seen early."
WHY_NOW = "Patient travels for four weeks; asymmetry clear already."


def treated_days_ago(days, *, patient, injector, vial):
    return signed_treatment(
        patient=patient,
        injector=injector,
        vial=vial,
        started_at=timezone.now() - datetime.timedelta(days=days),
    )


@pytest.fixture
def day3(patient, injector, vial):
    """A treatment signed three days ago; its day-14 review is booked."""
    return treated_days_ago(3, patient=patient, injector=injector, vial=vial)


def review_appointment(treatment) -> Appointment:
    due = DueReview.objects.with_state().get(treatment=treatment)
    return Appointment.objects.get(pk=due.booked_id)


def test_an_early_review_opens_only_with_a_reason_stored_and_shown(day3, injector_client):
    """Door: the review's opening page (from the appointment)."""
    url = reverse("reviews:open_for_appointment", args=[review_appointment(day3).pk])
    asked = injector_client.get(url)
    assert asked.status_code == 200
    assert b'data-testid="early-review-form"' in asked.content
    assert b"due from day 10" in asked.content
    assert not Review.objects.exists()  # opening is not a click away
    refused = injector_client.post(url, {"early_reason": "   "})
    assert refused.status_code == 400 and b"Write the reason" in refused.content
    assert not Review.objects.exists()
    opened = injector_client.post(url, {"early_reason": REASON})
    review = Review.objects.get(treatment=day3)
    assert opened.status_code == 302 and opened["Location"] == review.get_absolute_url()
    assert review.early_reason == REASON
    page = injector_client.get(review.get_absolute_url()).content.decode()
    day = review_timing.treated_day(day3)
    assert f"Day {(timezone.localdate() - day).days} after treatment on {day:%-d %b}" in page
    assert REASON in page and "Early review" in page


def test_a_double_submit_of_the_early_reason_opens_one_review(day3, injector_client):
    """Doors: a double submit, a second tab (the treatment row is locked first)."""
    url = reverse("reviews:open_for_appointment", args=[review_appointment(day3).pk])
    first = injector_client.post(url, {"early_reason": REASON})
    second = injector_client.post(url, {"early_reason": "another tab"})
    assert first["Location"] == second["Location"]
    assert Review.objects.get().early_reason == REASON


def test_the_reviews_due_entry_asks_the_reason_too(day3, injector_client):
    """Door: the reviews-due list's link."""
    due = DueReview.objects.get(treatment=day3)
    response = injector_client.get(reverse("reviews:open_for_due", args=[due.pk]))
    assert b'data-testid="early-review-form"' in response.content
    assert not Review.objects.exists()


def test_the_review_at_two_weeks_says_its_day_and_asks_nothing(
    treated_two_weeks_ago, injector_client
):
    appointment = review_appointment(treated_two_weeks_ago)
    url = reverse("reviews:open_for_appointment", args=[appointment.pk])
    opened = injector_client.get(url)
    review = Review.objects.get()
    assert opened["Location"] == review.get_absolute_url() and review.early_reason == ""
    page = injector_client.get(review.get_absolute_url()).content.decode()
    assert "Day 14 after treatment on" in page and "Early review" not in page


def test_a_review_cannot_come_before_its_treatment(day3, injector):
    with pytest.raises(ReviewError, match="before its treatment"):
        open_review(
            treatment=day3,
            by=injector,
            on=review_timing.treated_day(day3) - datetime.timedelta(days=1),
            early_reason=REASON,
        )


def post_touch_up(client, review, vial, **extra):
    corr = Muscle.objects.get(code="CORR")
    data = {"target": f"{corr.pk}:L", "units": "2", "vial": vial.pk} | extra
    return client.post(reverse("reviews:touch_up", args=[review.pk]), data)


def test_an_early_review_never_opens_a_touch_up_by_itself(day3, injector, injector_client, vial):
    """Door: the touch-up add endpoint. The early review's reason does not count."""
    review = open_review(treatment=day3, by=injector, early_reason=REASON)
    page = injector_client.get(reverse("reviews:touch_up", args=[review.pk])).content
    assert b'data-testid="touch-up-timing"' in page and b"days 10\xe2\x80\x9321" in page
    bare = post_touch_up(injector_client, review, vial)
    assert bare.status_code == 400
    assert b"write why the touch-up is given now" in bare.content
    assert b"Confirm that you give the touch-up" in bare.content
    unconfirmed = post_touch_up(injector_client, review, vial, timing_reason=WHY_NOW)
    assert unconfirmed.status_code == 400 and b"Confirm that you give" in unconfirmed.content
    review.refresh_from_db()
    assert review.touch_up_id is None  # nothing added, no touch-up opened
    ok = post_touch_up(injector_client, review, vial, timing_reason=WHY_NOW, timing_ack="yes")
    assert ok.status_code == 302
    review.refresh_from_db()
    assert review.touch_up.timing_reason == WHY_NOW
    assert review.touch_up.timing_finding["day"] == 3
    # a second point: the reason is already there
    again = post_touch_up(injector_client, review, vial)
    assert again.status_code == 302


def test_the_reason_is_signed_with_the_touch_up_and_shown_in_the_pdf(
    day3, injector, injector_client, vial
):
    """Doors: signing the review and its touch-up; the review's PDF section."""
    review = open_review(treatment=day3, by=injector, early_reason=REASON)
    post_touch_up(injector_client, review, vial, timing_reason=WHY_NOW, timing_ack="yes")
    review = save_review(review=review, version=review.version, grades=RESIDUAL, gais="2")
    sign_review(review=review, by=injector, password=PASSWORD)
    touch_up = Treatment.objects.get(pk=Review.objects.get().touch_up_id)
    content = signed_content(touch_up)
    assert content["timing_reason"] == WHY_NOW and content["timing_finding"]["day"] == 3
    assert verify(touch_up)
    summary = review_summary(with_rows().get(pk=day3.pk))
    html = render_to_string("pdf/_review.html", {"r": summary})
    assert REASON in html and WHY_NOW in html and "Day 3 after treatment on" in html


def test_a_touch_up_in_days_10_to_21_needs_no_reason(treated_two_weeks_ago, injector, vial):
    treatment = treated_two_weeks_ago
    review = open_review(treatment=treatment, by=injector)
    assert review_timing.touch_up_timing(treatment=treatment, on=review.visit.date) is None
    late = review_timing.touch_up_timing(
        treatment=treatment,
        on=review_timing.treated_day(treatment) + datetime.timedelta(days=22),
    )
    assert late is not None and "this is day 22" in late.message


def test_an_early_review_made_by_another_door_is_not_signed_without_its_reason(
    day3, injector, vial
):
    """Door: signing refuses a review that did not come through ``open_review``."""
    review = open_review(treatment=day3, by=injector, early_reason=REASON)
    Review.objects.filter(pk=review.pk).update(early_reason="")
    review = save_review(
        review=Review.objects.get(), version=review.version, grades=RESIDUAL, gais="2"
    )
    with pytest.raises(ReviewError, match="due from day 10"):
        sign_review(review=review, by=injector, password=PASSWORD)


def test_a_review_appointment_the_day_after_does_not_count_as_the_review(day3, patient, injector):
    """Door: booking. The booked day-14 appointment counts; one on day 1 does not."""
    booked = review_appointment(day3)
    booked.status = Appointment.Status.CANCELLED
    booked.cancel_reason = "Rebooked"
    booked.save()
    due = DueReview.objects.with_state().get(treatment=day3)
    assert due.state == "open"
    day1 = review_timing.treated_day(day3) + datetime.timedelta(days=1)
    make_appointment(
        patient=patient,
        injector=injector,
        kind=Appointment.Kind.REVIEW,
        starts_at=datetime.datetime.combine(
            day1, datetime.time(11), tzinfo=review_timing.zone_of(day3.visit.location)
        ),
    )
    assert DueReview.objects.with_state().get(treatment=day3).state == "open"  # still owed
    day10 = review_timing.window_opens(day3)
    make_appointment(
        patient=patient,
        injector=injector,
        kind=Appointment.Kind.REVIEW,
        starts_at=datetime.datetime.combine(
            day10, datetime.time(9), tzinfo=review_timing.zone_of(day3.visit.location)
        ),
    )
    assert DueReview.objects.with_state().get(treatment=day3).state == "booked"


def test_the_django_admin_makes_no_review_or_touch_up():
    assert Review not in admin.site._registry
    assert Treatment not in admin.site._registry


def test_a_nul_in_either_reason_is_a_message_not_a_500(day3, injector, injector_client, vial):
    """Hostile input at both doors of the timing reasons (found in review: a NUL
    reached PostgreSQL as a 500)."""
    url = reverse("reviews:open_for_appointment", args=[review_appointment(day3).pk])
    refused = injector_client.post(url, {"early_reason": "side effect\x00"})
    assert refused.status_code == 400 and b"control characters" in refused.content
    assert not Review.objects.exists()
    review = open_review(treatment=day3, by=injector, early_reason=REASON)
    page = post_touch_up(injector_client, review, vial, timing_reason="now\x00", timing_ack="yes")
    assert page.status_code == 400 and b"control characters" in page.content
    review.refresh_from_db()
    assert review.touch_up_id is None
