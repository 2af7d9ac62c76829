"""The pre-visit intake in real browsers (issue 20): the front desk sends the
link, the patient fills the form on a phone (390 × 844) and uploads a selfie,
the injector sees the answers pre-filled and marked and confirms them.

Doors: the appointment page's "send the form" button, the patient's pages under
/p/, the injector's screening page."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from charting.reports.models import Kind, ReportJob
from planning.models import PatientIntake, Screening
from planning.screening_questions import QUESTIONS
from tests.factories import PASSWORD, make_appointment, make_plan, make_visit

from .conftest import login

GLABELLA = [("CORR", "R", 10), ("CORR", "L", 8), ("PROC", "C", 4)]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def selfie_jpeg() -> bytes:
    """A small real JPEG, as a phone's front camera would send (with EXIF)."""
    image = Image.new("RGB", (240, 320), (200, 160, 140))
    image.paste((90, 60, 50), (60, 100, 180, 130))  # the frown
    exif = Image.Exif()
    exif[0x010F] = "InventedPhone"  # Make
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90, exif=exif)
    return out.getvalue()


def test_patient_fills_intake_on_a_phone_and_the_injector_confirms_it_plans_and_prints(
    browser, live_server, page, settings, patient, injector, front_desk
):
    settings.PATIENT_BASE_URL = live_server.url
    appointment = make_appointment(
        patient=patient, injector=injector, starts_at=timezone.now() + datetime.timedelta(hours=3)
    )
    visit = make_visit(patient=patient, injector=injector)

    # The front desk sends the form and reads the address under the QR code.
    login(page, front_desk.email, PASSWORD)
    page.goto(f"/appointments/{appointment.pk}/")
    page.get_by_test_id("intake-send").click()
    expect(page.get_by_test_id("intake-qr").locator("svg")).to_have_count(1)
    url = page.get_by_test_id("intake-url").inner_text().strip()

    # The patient, on a phone, no account.
    phone_context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    phone_context.set_default_timeout(10_000)
    phone = phone_context.new_page()
    phone.goto(url)
    expect(phone).to_have_url(f"{live_server.url}/p/start/")  # the token left the address bar
    phone.get_by_label("Your date of birth").fill("1985-04-12")
    phone.get_by_test_id("open-form").tap()
    expect(phone.locator("h1")).to_have_text("Hello Maya")
    for question in QUESTIONS:
        answer = "Yes" if question.code == "interacting_medicines" else "No"
        phone.locator(f'fieldset[data-question="{question.code}"]').get_by_label(answer).check()
    phone.get_by_label("Frown lines between the eyebrows: bothers me").check()
    phone.get_by_label("Eyebrow shape or height: keep as it is").check()
    phone.get_by_label("In your own words: what bothers you?").fill("I look angry in photos.")
    phone.get_by_label("A recent photo of the expression you dislike (optional)").set_input_files(
        {"name": "selfie.jpg", "mimeType": "image/jpeg", "buffer": selfie_jpeg()}
    )
    expect(phone.get_by_test_id("consent-text")).to_be_visible()
    # Nothing wider than the phone's screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.get_by_test_id("send-intake").tap()
    expect(phone.get_by_test_id("patient-done")).to_be_visible()
    phone_context.close()

    intake = PatientIntake.objects.get()
    assert intake.selfie_name and intake.confirmed_at is None
    assert not Screening.objects.filter(visit=visit).exists()

    # The injector: pre-filled, marked patient-reported; confirms.
    page.context.clear_cookies()
    login(page, injector.email, PASSWORD)
    page.goto(f"/planning/visits/{visit.pk}/screening/")
    expect(page.get_by_test_id("intake-prefilled")).to_be_visible()
    expect(page.get_by_test_id("intake-unconfirmed")).to_be_visible()
    assert page.locator("#id_q_interacting_medicines_0").is_checked()  # "yes", pre-filled
    assert "Frown lines" in page.get_by_test_id("intake-bothers").inner_text()
    expect(page.get_by_test_id("intake-selfie")).to_be_visible()
    page.get_by_test_id("save-screening").click()
    expect(page.get_by_test_id("intake-confirmed")).to_be_visible()
    expect(page.get_by_test_id("intake-agrees")).to_be_visible()
    intake.refresh_from_db()
    assert intake.confirmed_by == injector
    assert Screening.objects.get(visit=visit).answers["interacting_medicines"] is True

    # The injector plans (a final plan; the plan editor has its own browser tests) and
    # asks for the patient's summary in plain words, which the page shows first.
    make_plan(visit=visit, by=injector, points=GLABELLA, final=True)
    page.goto(f"/reports/visits/{visit.pk}/summary/")
    area = page.get_by_test_id("summary-area-CORR")
    expect(area).to_contain_text("the muscle that pulls the brows together when you frown")
    expect(page.get_by_test_id("summary-timeline")).to_contain_text("Days 2–5")
    page.get_by_test_id("request-patient-summary").click()
    expect(page.locator("main")).to_contain_text("Patient summary")
    assert ReportJob.objects.filter(patient=patient, kind=Kind.PATIENT_SUMMARY).count() == 1
