"""The charting journey in a real browser: consent signed on the pad, chart from the
plan, chart 96 U more than planned and see the block (signing off), reduce it, sign
with the reason for the change; the chart locks; an addendum shows under the
original."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from charting.models import Consent, DueReview, Treatment
from tests.factories import PASSWORD, make_lot, treatment_visit

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def draw_signature(page) -> None:
    pad = page.get_by_test_id("signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    x0, y0 = box["x"] + 40, box["y"] + box["height"] / 2
    page.mouse.move(x0, y0)
    page.mouse.down()
    for step in range(1, 30):
        page.mouse.move(x0 + step * 12, y0 + (25 if step % 2 else -25), steps=3)
    page.mouse.up()
    page.mouse.move(x0 + 20, y0 + 50)
    page.mouse.down()
    page.mouse.move(x0 + 300, y0 + 45, steps=10)
    page.mouse.up()


def expiry(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def sign_the_consent_on_the_pad(page, visit):
    """An empty pad is refused in the page; strokes are accepted."""
    page.goto(f"/charting/visits/{visit.pk}/consent/")
    page.get_by_test_id("consent-submit").click()
    expect(page.locator("[data-signature-hint]")).to_be_visible()
    draw_signature(page)
    page.get_by_test_id("consent-submit").click()
    page.wait_for_url(f"**/charting/visits/{visit.pk}/chart/")
    assert Consent.objects.filter(visit=visit).count() == 1


def chart_from_the_plan(page):
    page.get_by_test_id("chart-from-plan").click()
    page.get_by_test_id("chart-form").wait_for()
    # The form's start can be parsed before its rows: count() alone does not wait.
    expect(page.get_by_test_id("injection-row")).to_have_count(5)


def record_a_vial_of_the_good_lot(page):
    """An expired lot is refused with the reason; the good one is recorded as a vial."""
    vial_form = page.get_by_test_id("vial-form")
    vial_form.get_by_label("Lot").select_option(label="E2E-OLD · exp " + expiry(-1))
    vial_form.get_by_role("button", name="Record vial").click()
    expect(page.get_by_test_id("vial-form")).to_contain_text("expired on", use_inner_text=True)
    vial_form = page.get_by_test_id("vial-form")
    vial_form.get_by_label("Lot").select_option(label="E2E-GOOD · exp " + expiry(365))
    vial_form.get_by_role("button", name="Record vial").click()
    page.get_by_text("Vial recorded").wait_for()


def chart_far_more_than_planned_and_see_the_block(page):
    """The dose rules on the chart (issue 16): 100 U where 4 U were planned (100 U is
    the most one point may hold) is above the clinic's most per site; the block shows
    with the departure and signing is off."""
    page.get_by_test_id("units-PROC-C").fill("100")
    # Live, before saving: the server's rules on the form as it stands.
    live = page.get_by_test_id("chart-dose-checks")
    live.get_by_text("a site of 100 U is above the clinic", exact=False).wait_for()
    assert "not saved yet" in live.inner_text()
    page.get_by_test_id("save-chart").click()
    page.get_by_text("Chart saved.").wait_for()
    checks = page.get_by_test_id("chart-dose-checks")
    assert "a site of 100 U is above the clinic" in checks.inner_text()
    expect(page.get_by_test_id("dose-blocked")).to_be_visible()
    assert "96 U more" in page.get_by_test_id("departures").inner_text()
    assert page.get_by_test_id("sign-button").is_disabled()


def change_one_points_units_and_save(page):
    """The new vial fills every empty vial cell; signing waits for the save."""
    page.get_by_test_id("units-PROC-C").fill("5.5")
    assert page.get_by_test_id("sign-button").is_disabled()  # save first: nothing lost
    page.get_by_test_id("save-chart").click()
    page.get_by_text("Chart saved.").wait_for()
    assert page.get_by_test_id("units-PROC-C").input_value() == "5.5"
    assert "Ready to sign" in page.get_by_test_id("sign-card").inner_text()
    # 1.5 U more than planned: no block, a warning that asks for a reason.
    checks = page.get_by_test_id("chart-dose-checks").inner_text()
    assert "Blocked" not in checks and "Say why before signing" in checks
    assert not page.get_by_test_id("sign-button").is_disabled()


def sign_with_the_password(page, visit, patient):
    """Review on day 14; the chart locks."""
    sign = page.get_by_test_id("sign-card")
    sign.get_by_label("Your password").fill(PASSWORD)
    sign.get_by_label("Two-week review on day").select_option("14")
    sign.get_by_test_id("sign-button").click()  # without the reason: refused, nothing lost
    assert "Acknowledge the warnings" in page.get_by_test_id("sign-card").inner_text()
    sign = page.get_by_test_id("sign-card")
    sign.get_by_label("Your password").fill(PASSWORD)
    sign.get_by_label("Acknowledge the dose warnings").fill("Procerus stronger today: +1.5 U.")
    sign.get_by_test_id("sign-button").click()
    page.get_by_test_id("locked").wait_for()
    assert "Signed and locked" in page.get_by_test_id("locked").inner_text()
    assert page.locator("input[name^='u-']").count() == 0  # read-only
    assert "5.5 U" in page.get_by_test_id("injections").inner_text()
    assert "Riverside Test Clinic" in page.get_by_test_id("review").inner_text()
    treatment = Treatment.objects.get(visit=visit)
    assert treatment.is_signed and DueReview.objects.filter(patient=patient).count() == 1


def add_an_addendum(page):
    """It shows under the original, which stays as signed."""
    form = page.get_by_test_id("addendum-form")
    form.get_by_label("Reason").fill("Late entry")
    form.get_by_label("Addendum").fill("Small bruise at the left corrugator, ice given.")
    form.get_by_role("button", name="Add addendum").click()
    page.get_by_test_id("addendum").wait_for()
    assert "Small bruise" in page.get_by_test_id("addendum").inner_text()
    locked_y = page.get_by_test_id("locked").bounding_box()["y"]
    assert page.get_by_test_id("addendum").bounding_box()["y"] > locked_y
    assert "5.5 U" in page.get_by_test_id("injections").inner_text()


def test_consent_chart_sign_and_addendum(page, injector, patient):
    visit, _plan = treatment_visit(patient=patient, injector=injector)
    make_lot(number="E2E-OLD", expiry_days=-1)
    make_lot(number="E2E-GOOD")
    login(page, injector.email, PASSWORD)
    sign_the_consent_on_the_pad(page, visit)
    chart_from_the_plan(page)
    record_a_vial_of_the_good_lot(page)
    chart_far_more_than_planned_and_see_the_block(page)
    change_one_points_units_and_save(page)
    sign_with_the_password(page, visit, patient)
    add_an_addendum(page)
