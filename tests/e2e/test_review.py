"""The two-week review in a real browser: open it from the day list, grade residual
movement, compare photos, chart a 2 U touch-up on one side, sign; the history shows
the treatment and the touch-up, and next cycle's suggestion with its reason."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from charting.demo.reviews import READY_PATIENT
from charting.models import DueReview
from charting.reviews.models import Review
from clinic.demo import DEMO_PASSWORD
from clinic.models import Appointment, Patient
from clinic.patients import chart_number_for
from planning.face import default_position
from planning.models import Expression, Muscle
from tests.factories import make_photo

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_the_review_from_my_day(page, patient, day):
    """From the day list; the review photo is taken meanwhile (the demo took the
    baseline's before signing: a signed visit takes no photo)."""
    login(page, "injector@demo.clinic", DEMO_PASSWORD)
    page.goto(f"/my-day/?day={day:%Y-%m-%d}")
    row = page.get_by_test_id("my-day").locator(".list-group-item", has_text=patient.full_name)
    row.get_by_role("link", name="Open visit").click()
    page.wait_for_url("**/reviews/*/")
    review = Review.objects.get(treatment__visit__patient=patient)
    frown = Expression.objects.get(code="FROWN")
    make_photo(visit=review.visit, expression=frown)  # at the review
    return review


def grade_the_residual_movement(page):
    """Only the treated muscles, baseline beside each side; the left corrugator still moves."""
    grid = page.get_by_test_id("residual-grid")
    assert grid.locator("tr.mm-row").count() == 2  # CORR and PROC
    assert "was 3" in page.get_by_test_id("baseline-CORR:L").inner_text()
    page.get_by_test_id("grade-CORR:L-2").tap()
    page.get_by_test_id("grade-CORR:R-0").tap()
    page.get_by_test_id("grade-PROC:C-0").tap()
    assert "L +2" in page.get_by_test_id("row-CORR").inner_text()  # live highlight, in words
    page.get_by_test_id("gais").select_option("2")
    page.get_by_test_id("satisfaction").select_option("2")
    page.get_by_test_id("save-review").click()
    page.wait_for_url("**/reviews/*/")
    expect(page.get_by_test_id("asym-CORR")).to_be_visible()


def compare_the_photos(page):
    """Baseline and review side by side, and the overlay slider."""
    page.get_by_test_id("compare-photos-link").click()
    page.wait_for_url("**/reviews/*/photos/")
    compare = page.get_by_test_id("compare-FROWN")
    # Waited for: click() does not wait for the new page, and count() does not wait
    # at all (a bare count() here read 0 once in CI).
    expect(compare.locator("img.rv-photo")).to_have_count(4)  # two side by side, two in the overlay
    slider = page.get_by_test_id("slider-FROWN")
    slider.fill("20")
    clip = compare.locator("[data-overlay-top]").evaluate("img => img.style.clipPath")
    assert "80%" in clip


def chart_a_touch_up_on_the_diagram(page):
    """2 U on the left corrugator from a newly opened vial, placed by tapping the diagram."""
    page.get_by_test_id("touch-up-link").click()
    corr = Muscle.objects.get(code="CORR")
    # The wrong side chosen in the select (issue 17): the tap on the diagram decides.
    page.get_by_test_id("touch-up-target").select_option(f"{corr.pk}:R")
    page.get_by_test_id("touch-up-units").fill("2")
    # The treatment's vial is long past its use-by and vials are single-patient: no
    # vial is chosen for the injector; the fresh one is picked.
    vial = page.get_by_test_id("touch-up-vial")
    assert vial.input_value() == ""
    vial.select_option(index=1)
    diagram = page.get_by_test_id("face-diagram")
    box = diagram.bounding_box()
    x, y = default_position("CORR", "L")  # the patient's left corrugator
    diagram.tap(position={"x": box["width"] * x, "y": box["height"] * y})
    assert page.get_by_test_id("touch-up-target").input_value() == f"{corr.pk}:L"
    page.get_by_test_id("add-touch-up").click()
    expect(page.get_by_test_id("touch-up-list")).to_contain_text("2 U", use_inner_text=True)
    assert "10 U" in page.get_by_test_id("total-CORR-L").inner_text()
    assert "8 U" in page.get_by_test_id("total-CORR-R").inner_text()


def sign_the_review(page, review, due):
    """Signed with its touch-up; off the desk's list."""
    page.get_by_test_id("to-sign").click()
    page.get_by_test_id("sign-password").fill(DEMO_PASSWORD)
    page.get_by_test_id("sign-review").click()
    expect(page.get_by_test_id("review-signed")).to_be_visible()
    review.refresh_from_db()
    assert review.is_signed and review.touch_up.is_signed
    assert review.touch_up.signed_at <= timezone.now()
    assert DueReview.objects.with_state().get(pk=due.pk).state == "done"


def the_history_shows_the_touch_up_and_next_cycles_dose(page):
    page.get_by_test_id("history-link").click()
    history = page.get_by_test_id("history-CORR-L")
    assert "8" in history.inner_text() and "+2" in history.inner_text()
    suggestion = page.get_by_test_id("next-CORR-L").inner_text()
    assert "10 U" in suggestion and "touch-up" in suggestion
    assert "8 U" in page.get_by_test_id("next-CORR-R").inner_text()


def test_injector_finishes_a_review_with_a_touch_up(page, demo_data):
    patient = Patient.objects.get(chart_number=chart_number_for(READY_PATIENT))
    due = DueReview.objects.with_state().get(patient=patient)
    assert due.state == "booked"
    day = Appointment.objects.select_related("location").get(pk=due.booked_id).local_start.date()
    review = open_the_review_from_my_day(page, patient, day)
    grade_the_residual_movement(page)
    compare_the_photos(page)
    chart_a_touch_up_on_the_diagram(page)
    sign_the_review(page, review, due)
    the_history_shows_the_touch_up_and_next_cycles_dose(page)
