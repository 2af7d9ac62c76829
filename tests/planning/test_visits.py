"""Starting a consultation from the patient page, and the visit overview."""

import pytest
from django.urls import reverse

from planning.choices import VisitKind
from planning.models import DoseRange, Visit
from tests.factories import make_photo, make_visit, screen
from tests.queries import audit_event

pytestmark = pytest.mark.django_db


def test_the_patient_page_offers_start_consultation_to_clinical_roles(
    client, injector, clinic_admin, patient
):
    for user in (injector, clinic_admin):
        client.force_login(user)
        html = client.get(reverse("patient_detail", args=[patient.pk])).content.decode()
        assert 'data-testid="start-consultation"' in html
        assert 'data-testid="patient-visits"' in html


def test_the_front_desk_sees_no_visits_section(desk_client, patient, injector):
    make_visit(patient=patient, injector=injector)
    html = desk_client.get(reverse("patient_detail", args=[patient.pk])).content.decode()
    assert "start-consultation" not in html
    assert "patient-visits" not in html


def test_start_consultation_opens_one_visit_per_day(injector_client, injector, patient, location):
    url = reverse("planning:start_consultation", args=[patient.pk])
    first = injector_client.post(url)
    visit = Visit.objects.get()
    assert first["Location"] == reverse("planning:visit_detail", args=[visit.pk])
    assert (visit.patient, visit.injector, visit.location) == (patient, injector, location)
    assert visit.kind == VisitKind.CONSULTATION
    again = injector_client.post(url)
    assert again["Location"] == first["Location"]
    assert Visit.objects.count() == 1


def test_start_consultation_is_post_only_and_not_for_the_front_desk(
    client, injector, front_desk, patient
):
    url = reverse("planning:start_consultation", args=[patient.pk])
    client.force_login(injector)
    assert client.get(url).status_code == 405
    client.force_login(front_desk)
    assert client.post(url).status_code == 403
    assert not Visit.objects.exists()


def test_the_patient_page_lists_visits_in_constant_queries(
    injector_client, patient, injector, django_assert_num_queries
):
    for n in range(12):
        make_visit(patient=patient, injector=injector, days_ago=n * 20)
    # 1 session, 2 user, 3 roles, 4 patient with home location, 5 the active location,
    # 6 the patient's latest appointments, 7 the patient's recent visits (planning
    # section), 8 the location menu, 9 the staged next steps to book.
    # The read is audited: the event (audit_event()).
    with django_assert_num_queries(9 + audit_event()):
        response = injector_client.get(reverse("patient_detail", args=[patient.pk]))
    assert response.content.decode().count("list-group-item-action") == 8


def test_visit_overview(injector_client, patient, injector, django_assert_num_queries):
    visit = make_visit(patient=patient, injector=injector)
    screen(visit, injector, yes=["keloids"])
    # 1 session, 2 user, 3 roles, 4 visit with people, 5 screening, 6 cells, 7 photos,
    # 8 the active location, 9 the location menu.
    # The read is audited: the event (audit_event()); the view hands over the visit's patient.
    with django_assert_num_queries(9 + audit_event()):
        response = injector_client.get(reverse("planning:visit_detail", args=[visit.pk]))
    html = response.content.decode()
    assert "Warnings to acknowledge" in html
    assert "1 warning" in html


def test_an_unknown_visit_is_not_found(injector_client):
    assert injector_client.get(reverse("planning:visit_detail", args=[999999])).status_code == 404


def test_label_dose_ranges_are_read_only_in_the_admin(admin_client):
    label = DoseRange.objects.label().first()
    practice = DoseRange.objects.practice().first()
    change = reverse("admin:planning_doserange_change", args=[label.pk])
    page = admin_client.get(change)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    response = admin_client.post(change, {"min_units": "1"})
    assert response.status_code == 403
    editable = admin_client.get(reverse("admin:planning_doserange_change", args=[practice.pk]))
    assert 'name="_save"' in editable.content.decode()


@pytest.mark.parametrize("photos", [1, 10])
def test_photos_page_queries_are_constant(
    photos, injector_client, patient, injector, django_assert_num_queries
):
    visit = make_visit(patient=patient, injector=injector, screened=True)
    for _ in range(photos):
        make_photo(visit=visit)
    # 1 session, 2 user, 3 roles, 4 visit with people, 5 screening, 6 photos with
    # expressions, 7 the active location, 8 the location menu, 9 the expression choices,
    # 10 the ghosts of the guided capture (planning.capture.ghost_photos).
    # The read is audited: the event (audit_event()); the view hands over the visit's patient.
    with django_assert_num_queries(10 + audit_event()):
        response = injector_client.get(reverse("planning:photos", args=[visit.pk]))
    assert response.content.decode().count('class="photo-tile"') == photos


@pytest.mark.parametrize("earlier", [1, 10])
def test_screening_page_queries_are_constant(
    earlier, injector_client, patient, injector, django_assert_num_queries
):
    for n in range(earlier):
        make_visit(patient=patient, injector=injector, days_ago=30 * (n + 1), screened=True)
    visit = make_visit(patient=patient, injector=injector)
    # 1 session, 2 user, 3 roles, 4 visit with people, 5 this visit's screening (none),
    # 6 the patient's latest earlier screening, 7 toxin from elsewhere (patient-reported),
    # 8 the products of its form, 9 the active location, 10 the location menu, 11 the
    # patient's pending pre-visit answers (planning.intake, read once).
    # The read is audited: the event (audit_event()); the view hands over the visit's patient.
    with django_assert_num_queries(11 + audit_event()):
        response = injector_client.get(reverse("planning:screening", args=[visit.pk]))
    assert 'data-testid="screening-reuse"' in response.content.decode()


HOSTILE = '<script>alert("x")</script>'


def test_the_patient_page_lists_visits_and_appointments_as_before_with_names_escaped(
    injector_client, patient, injector, location
):
    """The two lists are read as plain values and drawn by fragments
    (planning/patient_visits.jinja, clinic/patient_appointments.jinja): the same
    words as the model-backed rows they replaced, and every name escaped. Seen to fail
    with ``|safe`` on the location in either fragment."""
    from django.utils import dateformat

    from clinic.patient_appointments import recent_appointment_rows
    from planning.choices import NotTreatedReason
    from planning.models import NotTreated
    from planning.visits import recent_visit_rows
    from tests.factories.clinic import make_appointment

    location.name = f"Main {HOSTILE}"
    location.save()
    injector.title = "RN"
    injector.save()
    treated = make_visit(patient=patient, injector=injector, days_ago=30, screened=True)
    skipped = make_visit(patient=patient, injector=injector, days_ago=3)
    NotTreated.objects.create(
        visit=skipped, reason=NotTreatedReason.values[0], recorded_by=injector
    )
    booked = make_appointment(patient=patient, injector=injector, location=location)
    html = injector_client.get(reverse("patient_detail", args=[patient.pk])).content.decode()
    assert HOSTILE not in html
    escaped = "Main &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"
    assert html.count(escaped) == 3  # two visits and the appointment
    assert f"{escaped} · {injector.get_full_name()}, RN" in html  # as str(injector)
    assert dateformat.format(treated.date, "M j, Y") in html
    assert "screened</span>" in html and "not screened</span>" in html
    label = NotTreatedReason(NotTreatedReason.values[0]).label
    assert f"not treated: {label}" in html
    assert "Completed</span>" in html  # a status other than open is shown
    assert reverse("planning:visit_detail", args=[skipped.pk]) in html
    assert reverse("appointment_detail", args=[booked.pk]) in html
    assert f"{injector.get_full_name()} · {escaped} · Booked" in html
    assert str(recent_appointment_rows(patient=patient)).count("<li") == 1
    Visit.objects.all().delete()
    assert recent_visit_rows(patient=patient) == ""  # the page then says "No visits yet."
    assert (
        "No visits yet."
        in injector_client.get(reverse("patient_detail", args=[patient.pk])).content.decode()
    )
