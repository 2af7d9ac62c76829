"""Past toxin treatments imported from a CSV as patient-reported history (issue 23,
optional part of "Import"): a preview with every row's problems before anything is
saved, then all or nothing, audited, once; every dose stored through
``planning.outside_doses`` (the one rule), so it counts in the interval and the
cumulative ceiling like one recorded at a screening.

Doors of the rule: the admin's import page (upload, preview, confirm, template;
planning/views/outside_dose_import.py), the screening page's form (the same rule, one
dose at a time: tests/planning/test_outside_doses.py), demo data (through the same
rule), the Django admin (neither OutsideDose nor the staged file is registered), a
second tab (another upload replaces the preview: the confirm's file hash refuses the
first tab's submit), a double submit (imported once).

Seen to fail (each hole planted, the test run red, the hole removed): see each test's
docstring.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from clinic import once
from planning.models import OutsideDose, OutsideDoseImport, Product
from planning.outside_doses import record_outside_dose
from planning.tasks import forget_old_dose_imports
from planning.treatment_history import last_session
from tests import hostile
from tests.charting.test_dose_rules import finalize, treatment_visit_today
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

HEADER = "chart_number,first_name,last_name,date_of_birth,date,product,units,where\n"
PAGE = "/planning/import/past-toxin/"
CONFIRM = "/planning/import/past-toxin/confirm/"


def day(days_ago: int) -> str:
    return (timezone.localdate() - datetime.timedelta(days=days_ago)).isoformat()


def upload(client, text: str | bytes, name: str = "past.csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(PAGE, {"file": SimpleUploadedFile(name, data, content_type="text/csv")})


def confirm(client, *, token: str | None = None, sha256: str | None = None):
    if sha256 is None:
        sha256 = OutsideDoseImport.objects.get().file_sha256
    return client.post(CONFIRM, {"submit_token": token or once.new_token(), "sha256": sha256})


def problems_by_line(client) -> dict[int, list[str]]:
    response = client.get(PAGE)
    assert response.status_code == 200
    return {row["line"]: row["problems"] for row in response.context["problem_rows"]}


def test_the_preview_explains_every_bad_row_and_saves_nothing(admin_client, patient):
    number = patient.chart_number
    dob = patient.date_of_birth.isoformat()
    rows = [
        f"{number},,,,{day(40)},BOTOX Cosmetic,20,Another clinic",  # 2: fine
        f",{patient.first_name.upper()},{patient.last_name},{dob},2025-06,unknown,,",  # 3: fine
        f"NOPE-1,,,,{day(40)},BOTOX Cosmetic,20,",  # 4: unknown chart number
        f",Nobody,Known,1970-01-01,{day(40)},unknown,,",  # 5: no such patient
        f"{number},,,,last spring,BOTOX Cosmetic,20,",  # 6: not a date
        f"{number},,,,{day(-5)},BOTOX Cosmetic,20,",  # 7: in the future
        f"{number},,,,{day(40)},Miracle Toxin,20,",  # 8: unknown product
        f"{number},,,,{day(40)},BOTOX Cosmetic,lots,",  # 9: units not a number
        f"{number},,,,{day(40)},BOTOX Cosmetic,5000,",  # 10: units out of range
        f"{number},,,,{day(40)},unknown,20,",  # 11: units without a product
        f"{number},,,,{day(40)},BOTOX Cosmetic,20,{'x' * 10_000}",  # 12: huge cell
        f"{number},,,,{day(40)},BOTOX Cosmetic,20,Another clinic",  # 13: same as line 2
        ",Maya,,,2025-06,unknown,unknown,",  # 14: no patient named fully
    ]
    response = upload(admin_client, HEADER + "\n".join(rows) + "\n")
    assert response.status_code == 302
    problems = problems_by_line(admin_client)
    expected = {
        4: "No patient of the clinic has chart number NOPE-1.",
        5: "No patient of the clinic has this name and date of birth.",
        6: "Date: not a date we read (last spring)",
        7: "Date: That day is in the future",
        8: "Product Miracle Toxin is not in the product list",
        9: "Units: ",
        10: "Units: At most 2000 U",
        11: "Units: Choose the product too",
        12: "Where / what for: 10,000 characters; at most 120.",
        13: "The same treatment as line 2 of this file.",
        14: "No patient: give the chart number, or the first name, last name and date of birth.",
    }
    assert sorted(problems) == sorted(expected)
    for line, message in expected.items():
        assert any(message in p for p in problems[line]), (line, problems[line])
    page = admin_client.get(PAGE)
    assert page.context["ready_count"] == 2
    assert 'data-testid="confirm-form"' not in page.content.decode()  # nothing to import
    assert "x" * 81 not in page.content.decode()  # the huge cell is shown cut
    assert not OutsideDose.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("\ufeff".encode("utf-16-le") + HEADER.encode("utf-16-le"), "saved as UTF-16"),
        (b"\x81\x8d\x8f\x90\x9d" * 10, "neither UTF-8 nor Windows-1252"),
        (b"", "empty"),
        (HEADER.encode(), "no treatments"),
        (b"chart_number,units\nA,1\n", "it lacks Date, Product"),
    ],
)
def test_a_file_we_cannot_read_gets_a_clear_message(admin_client, data, message):
    response = upload(admin_client, data)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["file"])
    assert not OutsideDoseImport.objects.exists()


def test_a_windows_1252_file_is_read_with_a_notice(admin_client, patient):
    text = HEADER + f"{patient.chart_number},,,,{day(40)},BOTOX Cosmetic,20,Clinique Réal\n"
    upload(admin_client, text.encode("cp1252"))
    page = admin_client.get(PAGE)
    assert "read as Windows-1252" in page.content.decode()
    assert page.context["ready_rows"][0]["cells"][-1] == "Clinique Réal"


def test_an_imported_dose_is_patient_reported_and_counts_in_interval_and_ceiling(
    admin_client, clinic_admin, injector, patient
):
    """The imported dose (380 U of BOTOX Cosmetic 30 days ago) is read by the dose
    rules (``dose_rules.check_doses`` via ``finalize_plan``), not copied: 24 U more is
    refused over the cumulative ceiling and the interval names it as patient-reported;
    the screening page lists it patient-reported."""
    text = HEADER + f"{patient.chart_number.lower()},,,,{day(30)},botox cosmetic,380,Migraine\n"
    assert upload(admin_client, text).status_code == 302
    response = confirm(admin_client)
    assert response.status_code == 302
    dose = OutsideDose.objects.get(patient=patient)
    assert (dose.units, dose.product.code, dose.where) == (
        Decimal("380"),
        "botox-cosmetic",
        "Migraine",
    )
    assert dose.recorded_by == clinic_admin and not OutsideDoseImport.objects.exists()
    visit = treatment_visit_today(patient, injector)
    with pytest.raises(ValidationError) as refused:
        finalize(visit, injector, [("CORR", "L", 10), ("CORR", "R", 10), ("PROC", "C", 4)])
    message = " ".join(refused.value.messages)
    assert "404 U of onabotulinumtoxinA" in message and "patient-reported" in message
    assert last_session(patient=patient, before=timezone.localdate()).reported
    injector_client = Client()  # admin_client is the test's one client
    injector_client.force_login(injector)
    screening = injector_client.get(reverse("planning:screening", args=[visit.pk]))
    listed = screening.content.decode()
    assert "380 U" in listed and "Migraine" in listed and "patient-reported" in listed


def test_a_month_only_date_and_unknown_product_are_stored_as_the_rule_does(admin_client, patient):
    dob = patient.date_of_birth.strftime("%m/%d/%Y")
    text = HEADER + f",{patient.first_name},{patient.last_name},{dob},2025-06,unknown,?,\n"
    upload(admin_client, text)
    assert confirm(admin_client).status_code == 302
    dose = OutsideDose.objects.get(patient=patient)
    assert dose.month_only and dose.given_on == datetime.date(2025, 6, 1)
    assert dose.product is None and dose.units is None and dose.when_text == "June 2025"


def test_all_or_nothing_when_a_row_went_bad_since_the_preview(admin_client, injector, patient):
    """Guard (all or nothing). A second tab: the same dose recorded at a screening
    after the preview; the import refuses the whole file and the preview shows why.
    Seen to fail: with the second ``check_rows`` taken out of ``import_doses``, both
    rows were imported (the first a duplicate of the screening's)."""
    other = PatientFactory(first_name="Noor", last_name="Okafor")
    text = HEADER + (
        f"{patient.chart_number},,,,{day(40)},BOTOX Cosmetic,20,\n"
        f"{other.chart_number},,,,{day(50)},BOTOX Cosmetic,12,\n"
    )
    upload(admin_client, text)
    assert admin_client.get(PAGE).context["ready_count"] == 2
    record_outside_dose(
        patient=patient,
        given_on=timezone.localdate() - datetime.timedelta(days=40),
        month_only=False,
        product=Product.objects.get(brand="BOTOX Cosmetic"),
        units="20",
        where="",
        by=injector,
        today=timezone.localdate(),
    )
    response = confirm(admin_client)
    assert response.status_code == 302
    assert OutsideDose.objects.count() == 1  # the screening's only
    assert not OutsideDose.objects.filter(patient=other).exists()
    problems = problems_by_line(admin_client)
    assert problems == {
        2: ["Already recorded for this patient (the same date, product and units)."]
    }
    assert not AuditEvent.objects.filter(object_id="import").exists()


def test_a_file_with_a_bad_row_cannot_be_imported_even_by_a_forged_post(admin_client, patient):
    text = HEADER + (
        f"{patient.chart_number},,,,{day(40)},BOTOX Cosmetic,20,\n"
        f"{patient.chart_number},,,,{day(-1)},BOTOX Cosmetic,20,\n"
    )
    upload(admin_client, text)
    confirm(admin_client)
    assert not OutsideDose.objects.exists()
    assert OutsideDoseImport.objects.exists()  # kept, with its problems, to correct


def test_the_import_is_audited_per_dose_and_for_the_file_without_patient_data(
    admin_client, clinic_admin, patient
):
    upload(admin_client, HEADER + f"{patient.chart_number},,,,{day(40)},BOTOX Cosmetic,20,\n")
    sha256 = OutsideDoseImport.objects.get().file_sha256
    confirm(admin_client)
    dose = OutsideDose.objects.get()
    per_dose = AuditEvent.objects.get(object_type="planning.outsidedose", object_id=str(dose.pk))
    assert per_dose.patient_id == patient.pk and per_dose.actor == clinic_admin
    whole = AuditEvent.objects.get(object_type="planning.outsidedose", object_id="import")
    assert whole.detail == {"imported": 1, "rows": 1, "file_sha256": sha256}
    assert patient.last_name not in str(whole.detail) + str(per_dose.detail)


def test_a_double_submit_imports_once(admin_client, patient):
    upload(admin_client, HEADER + f"{patient.chart_number},,,,{day(40)},BOTOX Cosmetic,20,\n")
    sha256 = OutsideDoseImport.objects.get().file_sha256
    token = once.new_token()
    first = confirm(admin_client, token=token, sha256=sha256)
    second = confirm(admin_client, token=token, sha256=sha256)
    assert first.status_code == second.status_code == 302
    assert second.url == first.url
    assert OutsideDose.objects.count() == 1


def test_a_formula_cell_is_stored_as_text_and_escaped_on_the_preview(admin_client, patient):
    """Guard (hostile input, escaping). A formula cell with markup in it is shown as
    text on the preview and stored as the text it is. Seen to fail: with ``|safe``
    on the preview's cells the script was written raw."""
    formula = '=HYPERLINK("http://evil.example","' + hostile.SCRIPT + '")'
    quoted, bad = (t.replace('"', '""') for t in (formula, hostile.ATTRIBUTE))
    text = HEADER + (
        f'{patient.chart_number},,,,{day(40)},BOTOX Cosmetic,20,"{quoted}"\n'
        f'"{bad}",,,,{day(40)},BOTOX Cosmetic,20,\n'
    )
    upload(admin_client, text)
    body = admin_client.get(PAGE).content.decode()
    hostile.assert_shown_as_text(body, hostile.SCRIPT)
    hostile.assert_shown_as_text(body, hostile.ATTRIBUTE)
    OutsideDoseImport.objects.update(
        rows=[r for r in OutsideDoseImport.objects.get().rows if not r["problems"]]
    )
    confirm(admin_client)
    assert OutsideDose.objects.get().where == formula


def test_the_template_reads_back_as_two_good_rows(admin_client):
    PatientFactory(chart_number="OLD-1042")
    PatientFactory(first_name="Ann", last_name="Example", date_of_birth=datetime.date(1980, 4, 3))
    response = admin_client.get(reverse("planning:outside_dose_import_template"))
    assert response["Content-Type"].startswith("text/csv")
    upload(admin_client, response.content)
    waiting = OutsideDoseImport.objects.get()
    assert len(waiting.rows) == 2 and waiting.problem_rows == []


@pytest.mark.parametrize("who", ["front_desk", "injector"])
def test_the_front_desk_and_the_injector_cannot_import(client, request, who, patient):
    """Guard (access). Doors: the page (GET, POST), the confirm, the template. Seen to
    fail: with ``Role.FRONT_DESK`` and ``Role.INJECTOR`` added to the page's
    ``role_required``, both read the page (200)."""
    client.force_login(request.getfixturevalue(who))
    row = f"{patient.chart_number},,,,{day(40)},BOTOX Cosmetic,20,\n"
    assert client.get(PAGE).status_code == 403
    data = SimpleUploadedFile("p.csv", (HEADER + row).encode(), content_type="text/csv")
    assert client.post(PAGE, {"file": data}).status_code == 403
    assert client.post(CONFIRM, {"sha256": "x"}).status_code == 403
    assert client.get(reverse("planning:outside_dose_import_template")).status_code == 403
    assert not OutsideDoseImport.objects.exists() and not OutsideDose.objects.exists()


def test_the_patients_import_page_links_to_it(admin_client):
    page = admin_client.get("/patients/import/").content.decode()
    assert PAGE in page
    assert admin_client.get(PAGE).status_code == 200


def test_an_old_preview_is_forgotten(admin_client, clinic_admin, patient):
    upload(admin_client, HEADER + f"{patient.chart_number},,,,{day(40)},BOTOX Cosmetic,20,\n")
    OutsideDoseImport.objects.update(created_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    assert admin_client.get(PAGE).context["waiting"] is None
    assert forget_old_dose_imports() == 1  # beat's daily task
    assert not OutsideDoseImport.objects.exists()
