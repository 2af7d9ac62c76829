"""The consultation in a real browser: start, screen, acknowledge, grade by tapping,
see the asymmetry, upload a photo, reload and find it all."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from clinic.demo import DEMO_PASSWORD
from clinic.models import Patient
from clinic.patients import chart_number_for
from planning.models import Observation, Photo, Screening
from tests.factories import GPS_IFD, jpeg_bytes

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def grade_button(page, key: str, grade: int):
    return page.get_by_test_id(f"grade-{key}-{grade}")


def radio(page, key: str, value: str):
    return page.locator(f'input[id="g-{key}-{value}"]')


def start_the_consultation(page, patient):
    """From the patient page, then on to the screening."""
    login(page, "injector@demo.clinic", DEMO_PASSWORD)
    page.goto(f"/patients/{patient.pk}/")
    page.get_by_test_id("start-consultation").click()
    page.wait_for_url("**/planning/visits/*/")
    page.get_by_role("link", name="1 · Screening").click()
    # Wait for the screening itself: the questions read before it has loaded would
    # be the visit page's (none), and an empty screening is refused with a 400.
    page.wait_for_url("**/planning/visits/*/screening/")


def answer_the_screening(page, yes: str):
    """Every question answered: ``yes`` to one, no to the others."""
    expect(page.locator("[data-question]").first).to_be_visible()
    questions = page.locator("[data-question]").all()
    assert len(questions) > 5
    for fieldset in questions:
        code = fieldset.get_attribute("data-question")
        answer = "Yes" if code == yes else "No"
        fieldset.locator("label", has_text=answer).tap()
        expect(fieldset.get_by_label(answer, exact=True)).to_be_checked()
    page.get_by_test_id("save-screening").click()


def screen_and_acknowledge_a_warning(page):
    answer_the_screening(page, yes="pregnant_or_breastfeeding")
    assert "Warnings to acknowledge" in page.get_by_test_id("screening-outcome").inner_text()
    page.locator("#id_note").fill("Not pregnant now; stopped breastfeeding in March.")
    page.get_by_test_id("acknowledge").click()
    expect(page.get_by_test_id("acknowledged-by")).to_contain_text(
        "Acknowledged by Irene Castellano", use_inner_text=True
    )


def grade_the_movement_map(page):
    """Tap a few cells: the corrugator moves more on the left; arrows move through a
    cell's grades."""
    page.get_by_role("link", name="2 · Movement map").click()
    grade_button(page, "FROWN.CORR.L", 3).tap()
    grade_button(page, "FROWN.CORR.R", 1).tap()
    grade_button(page, "FROWN.PROC.C", 2).tap()
    grade_button(page, "BROWS.FRONT.L", 2).tap()
    grade_button(page, "BROWS.FRONT.R", 2).tap()
    corr = page.locator('tbody[data-expression="FROWN"] tr[data-muscle="CORR"]')
    front = page.locator('tbody[data-expression="BROWS"] tr[data-muscle="FRONT"]')
    assert "is-asymmetric" in corr.get_attribute("class")
    assert "L +2" in corr.locator("[data-diff]").inner_text()
    assert "is-asymmetric" not in front.get_attribute("class")
    chip = page.locator('[data-summary="CORR"]')
    assert "is-asymmetric" in chip.get_attribute("class")
    assert "L +2" in chip.inner_text()  # in words, from the page's sides convention
    # The summary's rule is the server's (planning.movement.strongest_grades): a grade
    # at rest counts only for a muscle graded at rest alone.
    grade_button(page, "REST.CORR.R", 3).tap()
    assert chip.locator('[data-side="R"]').inner_text() == "1"
    grade_button(page, "REST.DAO.L", 2).tap()
    assert page.locator('[data-summary="DAO"] [data-side="L"]').inner_text() == "2"
    radio(page, "SQUINT.OOC.L", "x").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert radio(page, "SQUINT.OOC.L", "1").is_checked()
    page.get_by_test_id("save-map").click()
    # The save answers with the same page: wait for its message, not for a load state
    # the page before the post may still report.
    expect(page.get_by_text("Movement map saved.")).to_be_visible()


def upload_a_frown_photo_with_gps(page, tmp_path):
    original = jpeg_bytes((600, 400), gps=True)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)
    photo_path = tmp_path / "frown.jpg"
    photo_path.write_bytes(original)
    page.get_by_role("link", name="Add a Frown photo").click()
    assert page.locator("#id_expression option:checked").inner_text() == "Frown"
    page.get_by_test_id("photo-input").set_input_files(str(photo_path))
    page.get_by_label("When").select_option("max")
    page.get_by_test_id("upload-photos").click()
    page.wait_for_url("**/map/")


def everything_is_there_after_a_reload(page):
    page.reload()
    assert radio(page, "FROWN.CORR.L", "3").is_checked()
    assert radio(page, "FROWN.CORR.R", "1").is_checked()
    assert radio(page, "FROWN.PROC.C", "2").is_checked()
    assert radio(page, "SQUINT.OOC.L", "1").is_checked()
    corr = page.locator('tbody[data-expression="FROWN"] tr[data-muscle="CORR"]')
    assert "is-asymmetric" in corr.get_attribute("class")
    thumb = page.get_by_test_id("photos-FROWN").locator("img")
    assert thumb.count() == 1
    thumb.scroll_into_view_if_needed()
    expect(thumb).to_have_js_property("complete", True)
    assert thumb.evaluate("img => img.naturalWidth") > 0
    assert "done" in page.get_by_test_id("visit-steps").inner_text()


def the_database_holds_what_the_screens_showed(patient):
    screening = Screening.objects.get(visit__patient=patient)
    assert screening.outcome == "warn" and screening.acknowledged_by.email == "injector@demo.clinic"
    cells = {
        (o.expression.code, o.muscle.code, o.side): o.grade
        for o in Observation.objects.filter(movement_map__visit__patient=patient).select_related(
            "expression", "muscle"
        )
    }
    assert cells[("FROWN", "CORR", "L")] == 3 and cells[("FROWN", "CORR", "R")] == 1
    photo = Photo.objects.get(visit__patient=patient)
    assert photo.moment == "max" and photo.expression.code == "FROWN"


def test_injector_records_a_consultation(page, demo_data, tmp_path):
    patient = Patient.objects.get(chart_number=chart_number_for(10))
    start_the_consultation(page, patient)
    screen_and_acknowledge_a_warning(page)
    grade_the_movement_map(page)
    upload_a_frown_photo_with_gps(page, tmp_path)
    everything_is_there_after_a_reload(page)
    the_database_holds_what_the_screens_showed(patient)


def test_a_blocked_patient_cannot_go_further(page, demo_data):
    start_the_consultation(page, Patient.objects.get(chart_number=chart_number_for(11)))
    answer_the_screening(page, yes="infection_at_site")
    assert (
        "Infection at the planned injection site"
        in page.get_by_test_id("screening-blocked").inner_text()
    )
    page.get_by_role("link", name="2 · Movement map").click()
    page.wait_for_url("**/planning/visits/*/map/")
    expect(page.get_by_test_id("screening-blocked")).to_be_visible()
    assert page.get_by_test_id("save-map").count() == 0
    assert (
        grade_button(page, "FROWN.CORR.L", 3).is_disabled()
        or radio(page, "FROWN.CORR.L", "3").is_disabled()
    )
