"""The patient import in a real browser, as the clinic admin does it: from the patient
list, a file with bad rows explained (and still there after a reload, tablet-wide
without sideways scroll, no axe violation), then the corrected file imported with a
double tap on the button: once."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinic.models import Patient
from tests.factories import PASSWORD

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "assets" / "axe-core" / "axe.min.js"
HEADER = "first_name,last_name,date_of_birth,sex,phone,email,chart_number\n"
BAD = HEADER + "Ann,Able,1980-04-03,F,,,\n,Blank,1980-02-30,F,,,\nAnn,Able,1980-04-03,F,,,\n"
GOOD = HEADER + "Ann,Able,1980-04-03,F,,,\n=Bo,Best,04/21/1975,M,,,OLD-1\n"


def test_a_file_explained_then_imported_once(page, clinic_admin, tmp_path):
    page.context.add_init_script(path=str(AXE))
    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_text(BAD)
    good.write_text(GOOD)
    login(page, clinic_admin.email, PASSWORD)
    page.goto("/patients/")
    page.get_by_role("link", name="Import from CSV").click()

    page.get_by_label("CSV file of patients").set_input_files(str(bad))
    page.get_by_role("button", name="Read the file").click()
    rows = page.get_by_test_id("problem-rows")
    assert "No first name." in rows.inner_text()
    assert "Date of birth: there is no such day (1980-02-30)." in rows.inner_text()
    assert "Same name and date of birth as line 2 of this file." in rows.inner_text()
    page.reload()  # the preview is kept server-side
    assert page.get_by_test_id("problem-count").inner_text() == "2 with problems"
    assert page.get_by_role("button", name="Import").count() == 0
    for width, height in [(820, 1180), (1180, 820)]:
        page.set_viewport_size({"width": width, "height": height})
        wide = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
        assert wide[0] <= wide[1], f"scrolls sideways at {width}"
        result = page.evaluate(
            "() => axe.run(document, {runOnly: {type: 'tag', values: "
            "['wcag2a', 'wcag2aa']}, resultTypes: ['violations']})"
        )
        assert [v["id"] for v in result["violations"]] == []

    page.get_by_label("CSV file of patients").set_input_files(str(good))
    page.get_by_role("button", name="Read the file").click()
    page.get_by_role("button", name="Import 2 patients").dblclick()
    page.get_by_text("Imported 2 patients").or_(page.get_by_text("imported once")).wait_for()
    assert sorted(Patient.objects.values_list("first_name", flat=True)) == ["=Bo", "Ann"]
