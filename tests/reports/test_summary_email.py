"""After signing, the patient receives their summary (issue 20): the aftercare email
carries the plan in plain words from ``patient_summary.build_summary``, the same
sentences as the summary page and PDF.

Doors of the email (``reports.summary_email.email_summary``, the one function that
sends it): signing the treatment (``charting:sign``), the aftercare page's button
(``charting:aftercare_email``); a second tab or a double submit of either sends
nothing more (one ``AftercareEmail`` row per treatment). The demo data and a
touch-up's signing send nothing; the Django admin does not send it. A patient with no
email: the signed chart says "No email: print the summary" with the PDF button.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from charting.models import AftercareEmail
from charting.recall_timing import DurationTable, recall_window
from charting.reports.models import Kind, ReportJob, SummaryWording, WordingKind
from charting.reports.patient_summary import day_words
from tests.factories import PASSWORD, charted_treatment

pytestmark = pytest.mark.django_db

# Right corrugator 10 U, left 8 U, procerus 4 U; the right pulls harder on frowning.
RIGHT_MORE = [
    ("CORR", "R", 6),
    ("CORR", "R", 4),
    ("PROC", "C", 4),
    ("CORR", "L", 4),
    ("CORR", "L", 4),
]
GRADES = {"FROWN.CORR.R": 3, "FROWN.CORR.L": 2, "FROWN.PROC.C": 2}
SENTENCE = "Your right frown muscle pulls harder, so it gets 2 units more."
HOSTILE = "<b>bold</b><script>alert(1)</script>"


def html_part(message) -> str:
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return html


def sign(client, treatment, **extra):
    return client.post(
        reverse("charting:sign", args=[treatment.visit_id]),
        {"password": PASSWORD, "review_days": 14},
        **extra,
    )


@pytest.fixture
def charted(patient, injector):
    patient.email = "maya@example.invalid"
    patient.save(update_fields=["email"])
    return charted_treatment(patient=patient, injector=injector, points=RIGHT_MORE, baseline=GRADES)


def test_signing_emails_the_patient_their_own_plan_with_review_and_next_dates(
    charted, injector_client, mailoutbox
):
    response = sign(injector_client, charted, follow=True)
    assert "emailed to maya@example.invalid" in response.content.decode()
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["maya@example.invalid"]
    charted.refresh_from_db()
    review = day_words(charted.due_review.due_on)
    treated_on = charted.due_review.due_on - datetime.timedelta(days=14)
    window = recall_window(  # the one rule of when the next treatment is due
        treated_on=treated_on,
        product_id=charted.product_id,
        muscle_ids=set(charted.injections.values_list("muscle_id", flat=True)),
        table=DurationTable.load(),
    )
    next_date = day_words(window.opens)
    for part in (mailoutbox[0].body, html_part(mailoutbox[0])):
        assert SENTENCE in part
        assert "Your right: 10 units; your left: 8 units." in part
        assert f"Your review: {review}" in part.replace("\n", " ")
        assert f"your next treatment from about {next_date}." in part
        assert "eyelid droops" in part and "Stay upright for about four hours." in part


def test_a_second_tab_or_a_second_press_sends_no_second_email(charted, injector_client, mailoutbox):
    """Guard (double submit). Doors: the sign form twice (a second tab, a resent
    form), then the aftercare page's button: one email, one row."""
    sign(injector_client, charted)
    second = sign(injector_client, charted)
    assert second.status_code == 409  # the signed chart, as it stands
    again = injector_client.post(
        reverse("charting:aftercare_email", args=[charted.visit_id]), follow=True
    )
    assert "already emailed to the patient" in again.content.decode()
    assert len(mailoutbox) == 1 and AftercareEmail.objects.filter(treatment=charted).count() == 1


def test_html_in_a_clinic_edited_wording_is_escaped_in_the_html_part(
    charted, injector_client, mailoutbox
):
    """Guard (escaping). The clinic's wording (Django admin) reaches the email's HTML
    part; the patient's name too. Shown as text, never as markup."""
    charted.visit.patient.first_name = HOSTILE
    charted.visit.patient.save(update_fields=["first_name"])
    SummaryWording.objects.filter(kind=WordingKind.MUSCLE, key="CORR").update(
        text=f"the frown muscle {HOSTILE}"
    )
    SummaryWording.objects.filter(kind=WordingKind.REASON, key="stronger").update(
        text="{Your_side} {short} pulls harder " + HOSTILE
    )
    sign(injector_client, charted)
    html = html_part(mailoutbox[0])
    assert "<script>" not in html and "<b>bold</b>" not in html
    assert "the frown muscle &lt;b&gt;bold&lt;/b&gt;&lt;script&gt;" in html
    assert "Your right frown muscle pulls harder &lt;b&gt;" in html
    # the plain-text part is never read as HTML: the words as the clinic wrote them
    assert f"the frown muscle {HOSTILE}" in mailoutbox[0].body


def test_no_email_on_file_says_print_the_summary_with_its_pdf_button(
    patient, injector, injector_client, mailoutbox
):
    treatment = charted_treatment(
        patient=patient, injector=injector, points=RIGHT_MORE, baseline=GRADES
    )
    page = sign(injector_client, treatment, follow=True).content.decode()
    assert mailoutbox == [] and not AftercareEmail.objects.exists()
    assert "No email: print the summary." in page and 'data-testid="print-patient-summary"' in page
    response = injector_client.post(reverse("reports:patient_summary", args=[treatment.visit_id]))
    job = ReportJob.objects.get(kind=Kind.PATIENT_SUMMARY, visit_id=treatment.visit_id)
    assert response.status_code == 302 and response.url == job.get_absolute_url()


def test_a_mail_server_that_refuses_is_said_and_the_button_sends_later(
    charted, injector_client, mailoutbox, settings
):
    """A real SMTP connection to a closed port: the chart is signed, the page says the
    email was not sent (no 500), nothing is recorded, the aftercare button sends it."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    response = sign(injector_client, charted, follow=True)
    assert response.status_code == 200
    assert "The summary email could not be sent" in response.content.decode()
    charted.refresh_from_db()
    assert charted.is_signed and not AftercareEmail.objects.exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    injector_client.post(reverse("charting:aftercare_email", args=[charted.visit_id]))
    assert len(mailoutbox) == 1 and SENTENCE in mailoutbox[0].body


def test_the_front_desk_cannot_send_the_summary(charted, desk_client, mailoutbox):
    """Guard (access). Door: the aftercare page's button."""
    response = desk_client.post(reverse("charting:aftercare_email", args=[charted.visit_id]))
    assert response.status_code == 403 and mailoutbox == []


@pytest.mark.django_db(transaction=True)
def test_two_tabs_at_once_send_one_email(patient, injector, mailoutbox):
    """Guard (second tab, at the same moment): two requests each send the summary of
    the same signed treatment in their own transaction; the one row lets one through,
    the other is told it went already."""
    import threading

    from django.db import connection

    from charting.errors import ChartingError
    from charting.reports.summary_email import email_summary
    from tests.factories import signed_treatment

    patient.email = "maya@example.invalid"
    patient.save(update_fields=["email"])
    treatment = signed_treatment(patient=patient, injector=injector, points=RIGHT_MORE)
    start, said = threading.Barrier(2), []

    def press():
        try:
            start.wait(timeout=10)
            said.append(email_summary(treatment=treatment, by=injector))
        except ChartingError as exc:
            said.append(exc.message)
        finally:
            connection.close()

    tabs = [threading.Thread(target=press) for _ in range(2)]
    for tab in tabs:
        tab.start()
    for tab in tabs:
        tab.join(timeout=60)
    assert any(m.startswith("The summary was already emailed") for m in said)
    assert said.count("maya@example.invalid") == 1
    assert len(mailoutbox) == 1 and AftercareEmail.objects.count() == 1
