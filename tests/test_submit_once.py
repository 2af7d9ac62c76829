"""A double submit of a form that creates a record stores one (issue 18, "races and
repeats"). The rule: ``clinic.once`` (a one-time token per rendered form, claimed
server-side). Doors listed here: the new-patient form, the booking form (a
consultation and a review), "Book review"'s free times (its suggested time), the addendum under
a signed chart; each is posted twice with the token its page rendered, and the
second submit lands on the record the first stored, with a message. A refused
submit gives its token back; a second tab racing the first waits for it.
Seen to fail with the ``submit.earlier`` redirect taken out of the patient and
booking views (two appointments; the patient form came back as a duplicate)."""

from __future__ import annotations

import datetime
import re
import threading

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from charting.models import Addendum, DueReview
from clinic.models import Appointment, FormSubmit, Patient
from clinic.once import FIELD, KEEP_DAYS
from clinic.slots import local_today
from clinic.tasks import forget_old_submits
from tests.conftest import need
from tests.factories import PatientFactory, make_due_review, signed_treatment

pytestmark = pytest.mark.django_db

WEEK = datetime.timedelta(days=KEEP_DAYS, minutes=1)
NEW_PATIENT = {
    "first_name": "Odette",
    "last_name": "Twice",
    "date_of_birth": "1984-05-06",
    "sex": "F",
    "phone": "",
    "email": "",
    "chart_number": "",
    "home_location": "",
    "front_desk_notes": "",
}


def token_on(page) -> str:
    found = re.search(rf'name="{FIELD}" value="([^"]+)"', page.content.decode())
    assert found, "the form carries no one-time token"
    return found.group(1)


def booking(patient, injector, location, kind="consultation") -> dict:
    day = local_today(location) + datetime.timedelta(days=3)
    return {
        "patient": patient.pk,
        "kind": kind,
        "location": location.pk,
        "injector": injector.pk,
        "day": day.isoformat(),
        "start": "10:00",
        "end": "",
        "desk_note": "",
    }


def test_a_new_patient_submitted_twice_is_stored_once(desk_client):
    url = reverse("patient_create")
    form = NEW_PATIENT | {FIELD: token_on(desk_client.get(url))}
    first = desk_client.post(url, form)
    assert first.status_code == 302
    again = desk_client.post(url, form, follow=True)
    assert again.status_code == 200
    assert Patient.objects.filter(last_name="Twice").count() == 1
    patient = Patient.objects.get(last_name="Twice")
    assert again.redirect_chain[-1][0] == first["Location"] == patient.get_absolute_url()
    body = again.content.decode()
    assert "already saved" in body and patient.chart_number in body


def test_a_refused_submit_gives_its_token_back(desk_client):
    url = reverse("patient_create")
    token = token_on(desk_client.get(url))
    refused = desk_client.post(url, NEW_PATIENT | {FIELD: token, "first_name": " "})
    assert refused.status_code == 200 and "first_name" in refused.context["form"].errors
    assert token_on(refused) == token  # the form comes back with its token, filled in
    assert desk_client.post(url, NEW_PATIENT | {FIELD: token}).status_code == 302
    assert Patient.objects.filter(last_name="Twice").count() == 1


def test_two_forms_of_the_same_page_are_two_patients(desk_client):
    # Two rendered forms (two tokens) are two submits: the second is a possible
    # duplicate the desk confirms, as before.
    url = reverse("patient_create")
    desk_client.post(url, NEW_PATIENT | {FIELD: token_on(desk_client.get(url))})
    second = NEW_PATIENT | {FIELD: token_on(desk_client.get(url))}
    assert "Possible duplicate" in desk_client.post(url, second).content.decode()
    assert desk_client.post(url, second | {"confirm_not_duplicate": "on"}).status_code == 302
    assert Patient.objects.filter(last_name="Twice").count() == 2


@pytest.mark.parametrize("kind", ["consultation", "review"])
def test_a_booking_submitted_twice_is_booked_once(desk_client, patient, injector, location, kind):
    url = reverse("appointment_book")
    page = desk_client.get(url, {"patient": patient.pk})
    form = booking(patient, injector, location, kind) | {FIELD: token_on(page)}
    first = desk_client.post(url, form)
    assert first.status_code == 302
    again = desk_client.post(url, form, follow=True)
    assert again.status_code == 200
    assert Appointment.objects.filter(patient=patient).count() == 1
    appointment = Appointment.objects.get(patient=patient)
    assert again.redirect_chain[-1][0] == appointment.get_absolute_url()
    body = again.content.decode()
    assert "already booked" in body and patient.full_name in body


def test_book_review_clicked_twice_books_one_review(desk_client, injector):
    due = make_due_review(patient=PatientFactory(), injector=injector)
    url = reverse("review_book", args=[due.pk])
    page = desk_client.get(url)  # the review's free times, one form
    token = token_on(page)
    suggested = re.search(r'name="starts" value="([^"]+)" data-testid="book-suggested"', page.text)
    form = {FIELD: token, "starts": suggested.group(1)}
    assert desk_client.post(url, form).status_code == 302
    again = desk_client.post(url, form, follow=True)
    assert again.status_code == 200
    due = DueReview.objects.with_state().get(pk=due.pk)
    reviews = Appointment.objects.filter(patient=due.patient, kind=Appointment.Kind.REVIEW)
    assert reviews.count() == 1 and due.booked_id == reviews.get().pk
    assert again.redirect_chain[-1][0] == reviews.get().get_absolute_url()
    assert "already booked" in again.content.decode()


def test_an_addendum_submitted_twice_is_stored_once(injector_client, injector, patient):
    signed = signed_treatment(patient=patient, injector=injector)
    chart = reverse("charting:chart", args=[signed.visit_id])
    form = {"reason": "Late entry", "text": "Patient called: mild headache."}
    form[FIELD] = token_on(injector_client.get(chart))
    url = reverse("charting:addendum", args=[signed.visit_id])
    assert injector_client.post(url, form).status_code == 302
    again = injector_client.post(url, form, follow=True)
    assert again.status_code == 200
    assert "already added" in again.content.decode()
    assert Addendum.objects.filter(treatment=signed).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_second_tab_racing_the_first_waits_and_lands_on_its_patient(front_desk, location):
    need(settings.DATABASE_IS_POSTGRES, "the race needs PostgreSQL's row locks")
    tabs = [Client(), Client()]
    for tab in tabs:
        tab.force_login(front_desk)
    url = reverse("patient_create")
    form = NEW_PATIENT | {FIELD: token_on(tabs[0].get(url))}
    start = threading.Barrier(2, timeout=10)
    responses = [None, None]

    def submit(n: int) -> None:
        try:
            start.wait()
            responses[n] = tabs[n].post(url, form)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    patient = Patient.objects.get(last_name="Twice")  # exactly one
    assert [r.status_code for r in responses] == [302, 302]
    assert {r["Location"] for r in responses} == {patient.get_absolute_url()}


def test_claims_older_than_a_week_are_forgotten(desk_client, front_desk):
    url = reverse("patient_create")
    desk_client.post(url, NEW_PATIENT | {FIELD: token_on(desk_client.get(url))})
    recent = FormSubmit.objects.get()
    old = FormSubmit.objects.create(
        key="0" * 64, user=front_desk, url="/patients/", created_at=timezone.now() - WEEK
    )
    assert forget_old_submits.delay().get() == 1  # the beat's task
    assert list(FormSubmit.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not FormSubmit.objects.filter(pk=old.pk).exists()
