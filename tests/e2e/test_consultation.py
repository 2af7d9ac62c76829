"""The consultation in a real browser: start, screen, acknowledge, grade by tapping,
see the asymmetry, upload a photo, reload and find it all."""

import io

import pytest
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import expect

from clinic.demo import DEMO_PASSWORD
from clinic.models import Patient
from planning.models import Observation, Photo, Screening
from tests.factories import GPS_IFD, jpeg_bytes

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_data(transactional_db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def grade_button(page, key: str, grade: int):
    return page.get_by_test_id(f"grade-{key}-{grade}")


def radio(page, key: str, value: str):
    return page.locator(f'input[id="g-{key}-{value}"]')


def test_injector_records_a_consultation(page, demo_data, tmp_path):
    patient = Patient.objects.get(chart_number="D-0010")
    login(page, "injector@demo.clinic", DEMO_PASSWORD)
    page.goto(f"/patients/{patient.pk}/")

    # Start the consultation from the patient page.
    page.get_by_test_id("start-consultation").click()
    page.wait_for_url("**/planning/visits/*/")
    page.get_by_role("link", name="1 · Screening").click()

    # Screening: every question answered, one warn answer.
    for fieldset in page.locator("[data-question]").all():
        code = fieldset.get_attribute("data-question")
        answer = "Yes" if code == "pregnant_or_breastfeeding" else "No"
        fieldset.locator("label", has_text=answer).tap()
    page.get_by_test_id("save-screening").click()
    assert "Warnings to acknowledge" in page.get_by_test_id("screening-outcome").inner_text()
    page.locator("#id_note").fill("Not pregnant now; stopped breastfeeding in March.")
    page.get_by_test_id("acknowledge").click()
    assert "Acknowledged by Irene Castellano" in page.get_by_test_id("acknowledged-by").inner_text()

    # Movement map: tap a few cells; the corrugator moves more on the left.
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
    assert "L stronger" in chip.inner_text()
    # Keyboard: arrows move through a cell's grades.
    radio(page, "SQUINT.OOC.L", "x").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert radio(page, "SQUINT.OOC.L", "1").is_checked()
    page.get_by_test_id("save-map").click()
    page.wait_for_load_state()
    assert "Movement map saved." in page.content()

    # A photo for the frown, with GPS in the file.
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

    # Reload: everything is still there.
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

    # And in the database: what the screens showed.
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


def test_a_blocked_patient_cannot_go_further(page, demo_data):
    patient = Patient.objects.get(chart_number="D-0011")
    login(page, "injector@demo.clinic", DEMO_PASSWORD)
    page.goto(f"/patients/{patient.pk}/")
    page.get_by_test_id("start-consultation").click()
    page.get_by_role("link", name="1 · Screening").click()
    for fieldset in page.locator("[data-question]").all():
        code = fieldset.get_attribute("data-question")
        fieldset.locator("label", has_text="Yes" if code == "infection_at_site" else "No").tap()
    page.get_by_test_id("save-screening").click()
    assert (
        "Infection at the planned injection site"
        in page.get_by_test_id("screening-blocked").inner_text()
    )
    page.get_by_role("link", name="2 · Movement map").click()
    assert page.get_by_test_id("screening-blocked").is_visible()
    assert page.get_by_test_id("save-map").count() == 0
    assert (
        grade_button(page, "FROWN.CORR.L", 3).is_disabled()
        or radio(page, "FROWN.CORR.L", "3").is_disabled()
    )
