"""Staged next steps and referrals recorded at the review (issue 20).

Doors (``charting.reviews.next_steps``): the review's next-steps page (injector
records; clinic admin reads; front desk refused), the referral letter (clinical only),
the front desk's list to book and its "booked" button (kind and due date, never the
detail), the patient page (every role; detail for clinical roles), a second submit
(double click, second tab). The Django admin registers no next step; the demo data
records two through the rule (``charting.demo.reviews``).
"""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from charting.review_timing import treated_day
from charting.reviews.choices import NextStepStatus
from charting.reviews.models import NextStep
from tests import hostile
from tests.factories import PatientFactory, make_next_step, make_review

pytestmark = pytest.mark.django_db

REASON = "Body-image concern <script>alert(1)</script> & more"


@pytest.fixture
def review(patient, injector):
    return make_review(patient=patient, injector=injector)


def due(review, days=21) -> str:
    return (treated_day(review.treatment) + datetime.timedelta(days=days)).isoformat()


def test_the_injector_records_a_referral_once(injector_client, review):
    url = reverse("reviews:next_steps", args=[review.pk])
    data = {"kind": "referral", "detail": REASON, "refer_to": "Psychologist", "due_on": due(review)}
    assert injector_client.post(url, data).status_code == 302
    assert injector_client.post(url, data).status_code == 302  # double submit
    step = NextStep.objects.get(review=review)
    assert step.patient_id == review.visit.patient_id and step.status == NextStepStatus.OPEN
    page = injector_client.get(url)
    hostile.assert_shown_as_text(page.text, REASON)
    assert "<script>alert(1)</script>" not in page.text


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "referral", "detail": "  "}, "detail", "Write the reason for the referral"),
        ({"kind": "filler", "due_on": "2001-01-01"}, "due_on", "Choose a day after the treatment"),
        ({"kind": "filler", "due_on": "not a date"}, "due_on", "Give the date the step is due"),
        ({"kind": "botox-again"}, "kind", "Choose what the next step is"),
    ],
)
def test_bad_input_gets_a_message(injector_client, review, data, field, message):
    url = reverse("reviews:next_steps", args=[review.pk])
    response = injector_client.post(url, {"detail": "", "due_on": due(review), **data})
    assert response.status_code == 400
    assert message in response.text
    assert not NextStep.objects.exists()


def test_the_front_desk_list_shows_what_to_book_not_the_detail(
    desk_client, review, injector, location
):
    """Guard (seen red with ``{{ s.detail }}`` planted in next_steps_to_book.html): the
    desk sees the kind and the due date, not the referral's reason."""
    patient = review.visit.patient
    patient.home_location = location
    patient.save()
    step = make_next_step(review=review, by=injector, detail=REASON)
    filler = make_next_step(review=review, by=injector, kind="filler", detail="Tear trough")
    page = desk_client.get(reverse("next_steps_to_book"))
    assert page.status_code == 200
    row = page.text.split(f'data-testid="step-{step.pk}"')[1].split("</tr>")[0]
    assert "Referral" in row and f"{step.due_on:%b} {step.due_on.day}" in row
    assert patient.last_name in row
    assert f'data-testid="step-{filler.pk}"' in page.text
    for clinical in ("Body-image", "Tear trough", "Oculoplastic"):
        assert clinical not in page.text
    # Booked: off the list (twice is harmless).
    booked = reverse("next_step_booked", args=[step.pk])
    assert desk_client.post(booked).status_code == 302
    assert desk_client.post(booked).status_code == 302
    step.refresh_from_db()
    assert step.status == NextStepStatus.BOOKED
    assert (
        f'data-testid="step-{step.pk}"' not in desk_client.get(reverse("next_steps_to_book")).text
    )


def test_the_front_desk_cannot_open_the_clinical_detail(desk_client, review, injector):
    """Guard (seen red with the role check taken out of
    ``reviews.access.get_next_step_for`` and CLINICAL widened to every role on the
    letter view): the letter and the next-steps page are refused to the front desk."""
    step = make_next_step(review=review, by=injector, detail=REASON)
    assert desk_client.get(reverse("reviews:referral_letter", args=[step.pk])).status_code == 403
    assert desk_client.get(reverse("reviews:next_steps", args=[review.pk])).status_code == 403
    post = {"kind": "filler", "due_on": due(review)}
    assert (
        desk_client.post(reverse("reviews:next_steps", args=[review.pk]), post).status_code == 403
    )
    assert NextStep.objects.count() == 1


def test_a_clinic_admin_reads_but_does_not_record(admin_client, review):
    url = reverse("reviews:next_steps", args=[review.pk])
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"kind": "filler", "due_on": due(review)})
    assert response.status_code == 403


def test_the_patient_page_shows_the_step_detail_to_clinical_roles_only(
    front_desk, injector_client, review, injector
):
    """Guard (seen red with ``{% if clinical %}`` taken out of _patient_next_steps.html)."""
    desk_client = Client()
    desk_client.force_login(front_desk)
    step = make_next_step(review=review, by=injector, detail=REASON)
    url = reverse("patient_detail", args=[review.visit.patient_id])
    desk = desk_client.get(url).text
    assert f'data-testid="patient-next-step-{step.pk}"' in desk and "Referral" in desk
    assert "Body-image" not in desk
    clinical = injector_client.get(url).text
    hostile.assert_shown_as_text(clinical, REASON)
    assert "<script>alert(1)</script>" not in clinical


def test_the_referral_letter_prints_escaped(injector_client, review, injector):
    """Guard (seen red with ``|safe`` planted on the reason in referral_letter.html)."""
    step = make_next_step(review=review, by=injector, detail=REASON)
    page = injector_client.get(reverse("reviews:referral_letter", args=[step.pk]))
    assert page.status_code == 200
    assert review.visit.patient.full_name in page.text
    assert "Oculoplastic surgeon" in page.text
    hostile.assert_shown_as_text(page.text, REASON)
    assert "<script>alert(1)</script>" not in page.text
    filler = make_next_step(review=review, by=injector, kind="filler", detail="")
    assert (
        injector_client.get(reverse("reviews:referral_letter", args=[filler.pk])).status_code == 404
    )


@pytest.mark.parametrize("count", [3, 15])
def test_the_front_desk_list_in_constant_queries(
    count, desk_client, injector, django_assert_num_queries
):
    for n in range(count):
        review = make_review(patient=PatientFactory(), injector=injector)
        make_next_step(review=review, by=injector, kind="filler", days=14 + n)
    # 1 session, 2 user, 3 roles, 4 the active location, 5 the open steps with their
    # patients, 6 the navigation bar's locations
    with django_assert_num_queries(6):
        page = desk_client.get(reverse("next_steps_to_book") + "?all=1")
    assert page.text.count('data-testid="step-') == count


def test_the_demo_has_staged_steps_once(desk_client):
    """The demo door: the steps go through the rule; a second run adds none."""
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    steps = list(NextStep.objects.order_by("kind"))
    assert [s.kind for s in steps] == ["filler", "referral"]
    page = desk_client.get(reverse("next_steps_to_book") + "?all=1")
    assert all(f'data-testid="step-{s.pk}"' in page.text for s in steps)
    assert "(demo)" not in page.text  # the detail stays clinical


def test_the_rule_itself_refuses_anyone_but_an_injector(review, front_desk, clinic_admin):
    """Whichever door calls ``record_next_step`` (the review page, the demo), only an
    injector records a next step."""
    from django.core.exceptions import PermissionDenied

    from charting.reviews.next_steps import record_next_step

    due = treated_day(review.treatment) + datetime.timedelta(days=21)
    for who in (front_desk, clinic_admin):
        with pytest.raises(PermissionDenied):
            record_next_step(review=review, kind="filler", detail="", due_on=due, by=who)
    assert not NextStep.objects.exists()
