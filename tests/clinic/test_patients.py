import datetime
import re

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from clinic.models import Patient
from tests.factories import PatientFactory
from tests.hostile import ATTRIBUTE, SCRIPT, assert_shown_as_text

pytestmark = pytest.mark.django_db


def valid_data(**overrides):
    data = {
        "first_name": "Clara",
        "last_name": "Northcott",
        "date_of_birth": "1990-03-14",
        "sex": "F",
        "phone": "(555) 010-4242",
        "email": "clara@example.com",
        "chart_number": "",
        "home_location": "",
        "front_desk_notes": "",
    }
    data.update(overrides)
    return data


class TestSearch:
    @pytest.fixture
    def people(self, location):
        return {
            "anna": PatientFactory(
                first_name="Anna",
                last_name="Smithers",
                chart_number="C-000777",
                phone="(555) 010-9876",
                date_of_birth=datetime.date(1979, 2, 3),
            ),
            "bob": PatientFactory(first_name="Bob", last_name="Annandale"),
            "zed": PatientFactory(first_name="Zed", last_name="Quill", is_active=False),
        }

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("smith", {"anna"}),
            ("ann smi", {"anna"}),
            ("ANNA", {"anna", "bob"}),
            ("C-000777", {"anna"}),
            ("c-000777", {"anna"}),
            ("000777", {"anna"}),  # the end of a chart number
            ("555 010 9876", {"anna"}),
            ("010-9876", {"anna"}),  # the end of a phone
            ("9876", {"anna"}),
            ("1979-02-03", {"anna"}),
            ("02/03/1979", {"anna"}),
            ("nobody", set()),
        ],
    )
    def test_finds_by_name_chart_phone_and_birth_date(self, desk_client, people, query, expected):
        response = desk_client.get(reverse("patient_list"), {"q": query})
        assert response.status_code == 200
        found = {p["pk"] for p in response.context["page"]}
        assert found == {people[k].pk for k in expected}

    @pytest.mark.parametrize(
        ("query", "indexes"),
        [
            ("smith", {"patient_chart_upper_idx", "patient_last_name_trgm"}),
            ("C-000777", {"patient_chart_upper_idx", "patient_chart_tail_idx"}),
            ("555 010 9876", {"patient_chart_tail_idx", "patient_phone_tail_idx"}),
            ("1979-02-03", {"patient_dob_idx"}),
        ],
    )
    def test_each_kind_of_query_is_answered_by_an_index(self, people, query, indexes):
        """On PostgreSQL, every condition of a search has an index that matches its
        expression (migrations 0005, 0006): a condition without one scans every
        patient (docs/benchmarks.md). Sequential scans are off so that the plan
        shows the indexes even on a table of three."""
        if connection.vendor != "postgresql":
            pytest.skip("PostgreSQL's indexes")
        sql, params = Patient.objects.search(query).values("pk").query.sql_with_params()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "Seq Scan" not in plan
        assert all(name in plan for name in indexes), plan

    def test_inactive_patients_only_when_asked(self, desk_client, people):
        url = reverse("patient_list")
        zed = people["zed"].get_absolute_url()
        shown = desk_client.get(url, {"q": "quill"}).content.decode()
        assert zed not in shown and 'id="id_inactive">' in shown  # the box unticked
        shown = desk_client.get(url, {"q": "quill", "inactive": "on"}).content.decode()
        assert f'<a href="{zed}" class="fw-semibold">Quill, Zed</a>' in shown
        assert 'id="id_inactive" checked>' in shown and 'value="quill"' in shown
        everyone = desk_client.get(url, {"inactive": "on"}).content.decode()
        assert "Annandale, Bob" in everyone and "Quill, Zed" in everyone
        # the badge on Zed's row alone
        assert everyone.count('<span class="badge text-bg-secondary">inactive</span>') == 1

    def test_the_search_box_and_what_no_match_says(self, desk_client, people):
        """The box the page writes: search type, autofocus, the form's maximum length,
        marked invalid (and pointed at its message) only when the query is refused."""
        url = reverse("patient_list")
        shown = desk_client.get(url, {"q": "nobody"}).content.decode()
        box = re.search(r'<input type="search" name="q"[^>]*>', shown).group(0)
        assert 'autofocus maxlength="100" id="id_q"' in box and "aria-invalid" not in box
        assert "No patients found. Check the spelling" in shown
        refused = desk_client.get(url, {"q": "x" * 101}).content.decode()
        box = re.search(r'<input type="search" name="q"[^>]*>', refused).group(0)
        assert 'aria-invalid="true" aria-describedby="id_q_error"' in box
        assert '<div class="text-danger" id="id_q_error">' in refused
        assert (
            "No patients found" not in desk_client.get(url, {"q": "quill", "inactive": "on"}).text
        )

    def test_a_hostile_query_is_shown_as_text_in_the_box_and_the_sentence(self, desk_client):
        """The search box is written in the page, not by the form's widget: the query
        it shows back is escaped there (an attribute) and in the result sentence."""
        query = ATTRIBUTE + SCRIPT
        html = desk_client.get(reverse("patient_list"), {"q": query}).content.decode()
        assert_shown_as_text(html, query)
        assert 'value="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;' in html

    def test_a_row_shows_the_record_as_the_page_did(self, desk_client, location):
        """The rows' fragment (clinic/patient_rows.jinja) writes what the page's loop
        wrote: the link, the date of birth as "Mar 18, 1980", the home location's name,
        and a dash for none."""
        PatientFactory(
            first_name="Ines", last_name="Aldaya", date_of_birth=datetime.date(1980, 3, 18),
            chart_number="C-004411", phone="555 010 4411", home_location=location,
        )  # fmt: skip
        PatientFactory(first_name="Ines", last_name="Beltran", home_location=None)
        html = desk_client.get(reverse("patient_list"), {"q": "ines"}).content.decode()
        cells = [" ".join(c.split()) for c in re.findall(r"<td>(.*?)</td>", html, re.S)]
        assert cells[1:5] == ["C-004411", "Mar 18, 1980", "555 010 4411", location.name]
        assert cells[-1] == "—"
        assert "2 patients match “ines”." in html

    def test_overlong_query_is_a_form_error_not_a_500(self, desk_client, people):
        response = desk_client.get(reverse("patient_list"), {"q": "x" * 500})
        assert response.status_code == 200
        assert response.context["form"].errors["q"]

    def test_pages_of_25(self, desk_client, location):
        PatientFactory.create_batch(30)
        response = desk_client.get(reverse("patient_list"), {"page": 2})
        assert len(response.context["page"]) == 5
        assert desk_client.get(reverse("patient_list"), {"page": "junk"}).status_code == 200


class TestCreate:
    def test_creates_with_the_next_chart_number(self, desk_client):
        PatientFactory(chart_number="C-000041")
        response = desk_client.post(reverse("patient_create"), valid_data())
        patient = Patient.objects.get(last_name="Northcott")
        assert response.status_code == 302
        assert response["Location"] == patient.get_absolute_url()
        assert patient.chart_number == "C-000042"
        assert patient.phone_digits == "5550104242"

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("date_of_birth", "2999-01-01", "in the future"),
            ("date_of_birth", "not a date", "Enter a valid date"),
            ("first_name", "   ", "This field is required"),
            ("last_name", "", "This field is required"),
            ("email", "not-an-email", "valid email"),
        ],
    )
    def test_bad_input_shows_a_message_at_the_field(self, desk_client, field, value, message):
        response = desk_client.post(reverse("patient_create"), valid_data(**{field: value}))
        assert response.status_code == 200
        assert message in " ".join(response.context["form"].errors[field])
        # Nothing entered is lost: the other fields come back filled in.
        assert 'value="Northcott"' in response.text or field == "last_name"
        assert not Patient.objects.exists()

    def test_future_date_of_birth_relative_to_today(self, desk_client):
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        response = desk_client.post(
            reverse("patient_create"), valid_data(date_of_birth=tomorrow.isoformat())
        )
        assert "in the future" in response.text

    def test_duplicate_chart_number_is_refused(self, desk_client):
        PatientFactory(chart_number="C-000100")
        response = desk_client.post(reverse("patient_create"), valid_data(chart_number="c-000100"))
        assert response.status_code == 200
        assert "belongs to another patient" in response.context["form"].errors["chart_number"][0]
        assert Patient.objects.count() == 1

    def test_same_name_and_birth_date_warns_and_shows_the_existing_record(self, desk_client):
        existing = PatientFactory(
            first_name="Clara", last_name="Northcott", date_of_birth=datetime.date(1990, 3, 14)
        )
        response = desk_client.post(reverse("patient_create"), valid_data(first_name="clara"))
        assert response.status_code == 200
        assert "Possible duplicate" in response.text
        assert existing.get_absolute_url() in response.text
        assert Patient.objects.count() == 1
        # The user confirms it is another person: the record is created.
        response = desk_client.post(
            reverse("patient_create"), valid_data(confirm_not_duplicate="on")
        )
        assert response.status_code == 302
        assert Patient.objects.count() == 2


class TestEdit:
    def test_edit_keeps_the_chart_number_unique(self, desk_client, patient):
        PatientFactory(chart_number="C-000900")
        url = reverse("patient_edit", args=[patient.pk])
        data = valid_data(chart_number="C-000900", is_active="on")
        response = desk_client.post(url, data)
        assert "belongs to another patient" in response.text
        data["chart_number"] = patient.chart_number
        assert desk_client.post(url, data).status_code == 302
        patient.refresh_from_db()
        assert patient.first_name == "Clara"

    def test_unknown_patient_is_404(self, desk_client):
        assert desk_client.get(reverse("patient_detail", args=[999999])).status_code == 404


@pytest.mark.parametrize("count", [5, 200])
def test_patient_list_query_count_does_not_grow(
    count, desk_client, location, django_assert_num_queries
):
    PatientFactory.create_batch(count, home_location=location)
    desk_client.get(reverse("patient_list"))  # warm the session
    # 1 session, 2 user, 3 the user's roles, 4 count for the pager, 5 the page of
    # patients as values, their home location's name joined, 6 locations in the navigation
    # (the active location is resolved by 7 default location).
    with django_assert_num_queries(7):
        response = desk_client.get(reverse("patient_list"))
    assert len(response.context["page"]) == min(count, 25)
