"""Patients imported from a CSV (issue 23, "Import"): a preview with every row's
problems before anything is saved, then all or nothing, audited, once.

Doors of the rule (``clinic.patient_import``): the admin's import page (upload,
preview, confirm; charting/views/patient_import.py) is the only one; the rows are
checked by the new-patient form's rules (``Patient.full_clean``,
``date_of_birth_problem``, the name and date of birth duplicate match).

Seen to fail (each hole planted, the test run red, the hole removed):
- ``test_rows_that_became_duplicates_refuse_the_whole_file``: with the second
  ``check_rows`` taken out of ``import_patients`` (the file imported beside the
  desk's new patient, a duplicate);
- ``test_a_double_submit_imports_once``: with the ``submit.earlier`` landing taken
  out of the confirm view (the second submit said "no file waiting");
- ``test_hostile_cells_are_shown_as_text``: with ``|safe`` on the preview's cells;
- ``test_the_front_desk_and_the_injector_cannot_import``: with ``Role.FRONT_DESK``
  added to the confirm view's roles;
- ``test_a_chart_number_taken_in_another_case_is_taken``: with the exact (case
  sensitive) lookup the first version had.
"""

from __future__ import annotations

import codecs
import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from clinic import once, patient_import
from clinic.models import Patient, PatientImport
from clinic.patients import create_patient
from clinic.tasks import forget_old_submits
from tests import hostile

pytestmark = pytest.mark.django_db

HEADER = "first_name,last_name,date_of_birth,sex,phone,email,chart_number\n"
PAGE = "/patients/import/"
CONFIRM = "/patients/import/confirm/"


def csv_file(text: str | bytes, name: str = "patients.csv") -> SimpleUploadedFile:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="text/csv")


def upload(client, text: str | bytes, name: str = "patients.csv"):
    return client.post(PAGE, {"file": csv_file(text, name)})


def confirm(client, *, token: str | None = None):
    waiting = PatientImport.objects.get()
    return client.post(
        CONFIRM,
        {"submit_token": token or once.new_token(), "sha256": waiting.file_sha256},
    )


def problems_by_line(client) -> dict[int, list[str]]:
    response = client.get(PAGE)
    assert response.status_code == 200
    return {row["line"]: row["problems"] for row in response.context["problem_rows"]}


def test_the_preview_explains_every_bad_row_and_saves_nothing(admin_client, patient):
    dob = patient.date_of_birth.isoformat()
    text = HEADER + "\n".join(
        [
            "Ann,Able,1980-04-03,F,,,",  # line 2: fine
            ",Blank,1980-04-03,F,,,",  # 3: no first name
            "Cid,Crumb,1980-02-30,M,,,",  # 4: no such day
            "Dee,Dell,next tuesday,F,,,",  # 5: not a date
            f"{patient.first_name.upper()},{patient.last_name},{dob},F,,,",  # 6: in the clinic
            f"Eve,Eton,1981-01-01,F,,,{patient.chart_number}",  # 7: chart number taken
            "Fay,Fox,1982-01-01,F,,,OLD-7",  # 8: fine
            "Gus,Gray,1983-01-01,M,,,old-7",  # 9: chart number on line 8
            "Ann,Able,1980-04-03,F,,,",  # 10: same person as line 2
            "Hal,Hart,2999-01-01,M,,,",  # 11: born in the future
            "Ida,Ives,1984-01-01,F,,not-an-email,",  # 12: bad email
            "Jo,Jay,1985-01-01,Q,,,",  # 13: unknown sex
            "Kim,Kay,1986-01-01,F,,,,extra",  # 14: a cell too many
        ]
    )
    response = upload(admin_client, text)
    assert response.status_code == 302  # read and kept: the preview is its own page

    found = problems_by_line(admin_client)
    assert set(found) == {3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14}
    assert found[3] == ["No first name."]
    assert "no such day (1980-02-30)" in found[4][0] and "not a date we read" in found[5][0]
    assert f"patient {patient.chart_number}: already in the clinic" in found[6][0]
    assert f"{patient.chart_number} belongs to a patient of the clinic" in found[7][0]
    assert found[9] == ["Chart number OLD-7 is also on line 8."]
    assert found[10] == ["Same name and date of birth as line 2 of this file."]
    assert "in the future" in found[11][0]
    assert found[12][0].startswith("Email:")
    assert found[13][0].startswith("Sex:")
    assert found[14][0].startswith("This line has 8 cells")
    assert Patient.objects.count() == 1  # nothing saved

    # Reloaded: the same preview (kept server-side), and no button to import.
    page = admin_client.get(PAGE)
    assert len(page.context["problem_rows"]) == 11
    assert "confirm-form" not in page.content.decode()


@pytest.mark.parametrize("rows", [5, 300])
def test_reading_a_file_takes_two_queries_whatever_its_length(rows, django_assert_num_queries):
    create_patient(data={"first_name": "Old", "last_name": "One", "date_of_birth": "1980-01-01"})
    text = HEADER + "".join(f"P{n},Q{n},1980-01-01,F,,,N-{n}\n" for n in range(rows))
    # 1 the file's chart numbers already taken, 2 the patients born on its dates
    with django_assert_num_queries(2):
        parsed = patient_import.read_csv(csv_file(text))
    assert len(parsed.rows) == rows and not any(r["problems"] for r in parsed.rows)


def test_a_chart_number_taken_in_another_case_is_taken(admin_client):
    create_patient(
        data={
            "first_name": "Old",
            "last_name": "One",
            "date_of_birth": "1970-01-01",
            "chart_number": "old-7",
        }
    )
    upload(admin_client, HEADER + "Ann,Able,1980-04-03,F,,,OLD-7\n")
    assert problems_by_line(admin_client) == {
        2: ["Chart number OLD-7 belongs to a patient of the clinic already."]
    }


def test_a_good_file_imports_every_row_audited_without_patient_data(admin_client, clinic_admin):
    assert PAGE in admin_client.get(reverse("patient_list")).content.decode()  # the way in
    create_patient(data={"first_name": "Old", "last_name": "One", "date_of_birth": "1970-01-01"})
    text = HEADER + "Ann,Able,1980-04-03,F,(555) 010-0100,ann@example.com,\n"
    text += "Ben,Best,04/21/1975,m,,,OLD-1042\n"
    text += "Cy,Cole,1990-12-31,,,,\n"
    upload(admin_client, text)

    response = confirm(admin_client)

    assert response.status_code == 302 and response["Location"] == reverse("patient_list")
    imported = {p.last_name: p for p in Patient.objects.exclude(last_name="One")}
    assert set(imported) == {"Able", "Best", "Cole"}
    assert imported["Best"].date_of_birth == datetime.date(1975, 4, 21)
    assert imported["Best"].sex == Patient.Sex.MALE and imported["Best"].chart_number == "OLD-1042"
    # Rows without a number get the clinic's next ones, in the file's order.
    assert imported["Able"].chart_number == "C-000002"
    assert imported["Cole"].chart_number == "C-000003"
    assert not PatientImport.objects.exists()  # the upload is not kept once imported

    event = AuditEvent.objects.get(object_type="clinic.patient", object_id="import")
    assert event.actor_id == clinic_admin.pk
    assert event.detail["imported"] == 3 and event.detail["rows"] == 3
    assert len(event.detail["file_sha256"]) == 64
    assert "Able" not in str(event.detail) and "1980" not in str(event.detail)


def test_a_file_with_a_bad_row_imports_nothing(admin_client):
    upload(admin_client, HEADER + "Ann,Able,1980-04-03,F,,,\nBen,,1975-04-21,M,,,\n")

    response = confirm(admin_client)  # a hand-made post: the page offers no button

    assert Patient.objects.count() == 0
    assert response["Location"] == PAGE
    messages = [str(m) for m in admin_client.get(PAGE).context["messages"]]
    assert any("1 of the rows now have a problem" in m for m in messages)


def test_rows_that_became_duplicates_refuse_the_whole_file(admin_client):
    upload(admin_client, HEADER + "Ann,Able,1980-04-03,F,,,\nBen,Best,1975-04-21,M,,,\n")
    assert problems_by_line(admin_client) == {}
    # Meanwhile the desk adds Ben (the new-patient form's door).
    create_patient(data={"first_name": "Ben", "last_name": "Best", "date_of_birth": "1975-04-21"})

    confirm(admin_client)

    assert Patient.objects.count() == 1  # the desk's Ben only: Ann is not half-imported
    found = problems_by_line(admin_client)  # the preview now says why
    assert list(found) == [3] and "already in the clinic" in found[3][0]


def test_a_double_submit_imports_once(admin_client):
    upload(admin_client, HEADER + "Ann,Able,1980-04-03,F,,,\n")
    token = once.new_token()
    sha256 = PatientImport.objects.get().file_sha256

    first = admin_client.post(CONFIRM, {"submit_token": token, "sha256": sha256})
    second = admin_client.post(CONFIRM, {"submit_token": token, "sha256": sha256})

    assert Patient.objects.count() == 1
    assert second["Location"] == first["Location"] == reverse("patient_list")
    messages = [str(m) for m in admin_client.get(second["Location"]).context["messages"]]
    assert "This file was already imported; imported once." in messages
    assert AuditEvent.objects.filter(object_id="import").count() == 1


def test_a_file_replaced_in_another_tab_is_not_imported_from_the_old_page(admin_client):
    upload(admin_client, HEADER + "Ann,Able,1980-04-03,F,,,\n")
    old_sha = PatientImport.objects.get().file_sha256
    upload(admin_client, HEADER + "Zed,Zane,1980-04-03,M,,,\n")  # the other tab

    admin_client.post(CONFIRM, {"submit_token": once.new_token(), "sha256": old_sha})

    assert Patient.objects.count() == 0


def test_utf8_with_a_byte_order_mark(admin_client):
    upload(admin_client, codecs.BOM_UTF8 + (HEADER + "Zoë,Ærø,1980-04-03,F,,,\n").encode())
    waiting = PatientImport.objects.get()
    assert waiting.encoding == "UTF-8 (with BOM)" and waiting.problem_rows == []
    confirm(admin_client)
    assert Patient.objects.get().full_name == "Zoë Ærø"


def test_windows_1252_is_read_and_said(admin_client):
    upload(admin_client, (HEADER + "José,Muñoz,1980-04-03,M,,,\n").encode("cp1252"))
    page = admin_client.get(PAGE)
    assert "read as Windows-1252" in page.content.decode()
    confirm(admin_client)
    assert Patient.objects.get().full_name == "José Muñoz"


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ((HEADER + "Ann,Able,1980-04-03,F,,,\n").encode("utf-16"), "UTF-16"),
        (b"first_name,last_name,date_of_birth\n\x81\x8d\x8f,x,1980-01-01\n", "neither UTF-8"),
        (b"", "file is empty."),
        (b"\n\n", "This file is empty."),
        (b"name,birthday\nAnn,1980-01-01\n", "it lacks First name, Last name, Date of birth"),
        (HEADER.encode(), "a header line and no patients"),
        (b'first_name,last_name,date_of_birth\n"Ann,Able,1980-01-01\n', "cannot be read as a CSV"),
    ],
)
def test_a_file_we_cannot_read_is_refused_with_a_message(admin_client, data, says):
    response = upload(admin_client, data)
    assert response.status_code == 200
    assert says in " ".join(response.context["form"].errors["file"])
    assert not PatientImport.objects.exists()


def test_formula_cells_are_stored_as_text(admin_client):
    text = HEADER + (
        '"=HYPERLINK(""http://evil.example"",""x"")",Able,1980-04-03,F,+1 555 0100,,\n'
        "'=SUM(A1),@Best,1975-04-21,M,-5550100,,\n"  # the quote our CSVs add is taken off
    )
    upload(admin_client, text)
    assert problems_by_line(admin_client) == {}
    confirm(admin_client)
    names = sorted(Patient.objects.values_list("first_name", "last_name", "phone"))
    assert names == [
        ('=HYPERLINK("http://evil.example","x")', "Able", "+1 555 0100"),
        ("=SUM(A1)", "@Best", "-5550100"),
    ]


def test_a_ten_thousand_character_cell_is_a_row_problem(admin_client):
    upload(
        admin_client,
        HEADER + "Ann," + "x" * 10_000 + ",1980-04-03,F,,,\nBen,Best,1975-04-21,M,,,\n",
    )
    found = problems_by_line(admin_client)
    assert list(found) == [2]
    assert found[2] == ["Last name: Ensure this value has at most 100 characters (it has 10000)."]
    body = admin_client.get(PAGE).content.decode()
    assert "x" * 81 not in body  # the preview shows the cell cut


def test_a_hundred_thousand_rows_are_refused_with_the_limit(admin_client):
    rows = "".join(f"P{n},Q{n},1980-01-01\n" for n in range(100_000))
    response = upload(admin_client, "first_name,last_name,date_of_birth\n" + rows)
    message = " ".join(response.context["form"].errors["file"])
    assert "the most one import takes is 5,000" in message
    assert not PatientImport.objects.exists()


def test_a_file_over_the_size_limit_is_refused_unread(admin_client):
    big = HEADER + "Ann,Able,1980-04-03,F,,," + " " * patient_import.MAX_BYTES + "\n"
    response = upload(admin_client, big)
    assert "the most one import takes is 5 MB" in " ".join(response.context["form"].errors["file"])


def test_hostile_cells_are_shown_as_text(admin_client):
    text = HEADER + f'"{hostile.SCRIPT}","{hostile.ATTRIBUTE.replace(chr(34), chr(34) * 2)}",'
    text += "1980-04-03,F,,,\n"
    text += f'"{hostile.SCRIPT}",Bad,not a date,F,,,\n'
    upload(admin_client, text)
    body = admin_client.get(PAGE).content.decode()
    hostile.assert_shown_as_text(body, hostile.SCRIPT)
    hostile.assert_shown_as_text(body, hostile.ATTRIBUTE)


def test_the_template_reads_back_as_two_good_rows(admin_client):
    response = admin_client.get(reverse("patient_import_template"))
    assert response["Content-Type"].startswith("text/csv")
    upload(admin_client, response.content)
    waiting = PatientImport.objects.get()
    assert len(waiting.rows) == 2 and waiting.problem_rows == []


@pytest.mark.parametrize("who", ["front_desk", "injector"])
def test_the_front_desk_and_the_injector_cannot_import(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert PAGE not in client.get(reverse("patient_list")).content.decode()  # no link
    assert client.get(PAGE).status_code == 403
    assert (
        client.post(PAGE, {"file": csv_file(HEADER + "Ann,Able,1980-04-03,F,,,\n")}).status_code
        == 403
    )
    assert client.post(CONFIRM, {"sha256": "x"}).status_code == 403
    assert client.get(reverse("patient_import_template")).status_code == 403
    assert not PatientImport.objects.exists() and not Patient.objects.exists()


def test_an_old_preview_is_forgotten(admin_client, clinic_admin):
    upload(admin_client, HEADER + "Ann,Able,1980-04-03,F,,,\n")
    PatientImport.objects.update(created_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    assert patient_import.waiting_for(clinic_admin) is None
    assert admin_client.get(PAGE).context["waiting"] is None
    forget_old_submits()  # beat's daily task drops it
    assert not PatientImport.objects.exists()
