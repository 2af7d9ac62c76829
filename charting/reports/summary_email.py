"""The patient's summary reaches the patient after signing (issue 20): one email with
the plan in plain words (``patient_summary.build_summary``, the same sentences as the
summary page and PDF), the aftercare advice and what to expect when, in a plain-text
part and an HTML part (escaped like the page).

Sent once per treatment: ``charting.AftercareEmail`` holds one row per treatment,
claimed in the same transaction as the send (a failed send leaves no row, so the
injector may press again). Doors: signing a treatment (``charting.views.chart.sign``,
right after the signature commits), the aftercare page's button (a patient whose
email was added later, a send that failed); a second tab, a double submit or a second
press finds the row and sends nothing. The demo data and a touch-up's signing send
nothing. The address is never logged.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from charting.aftercare import aftercare_context
from charting.errors import ChartingError
from charting.models import AftercareEmail, Treatment

from .patient_summary import build_summary

NO_EMAIL = "No email: print the summary. The patient has no email address on file."
NOT_SIGNED = "The summary is emailed once the chart is signed."


def already_sent(sent: AftercareEmail) -> str:
    return (
        "The summary was already emailed to the patient on "
        f"{timezone.localtime(sent.sent_at):%b %-d, %Y %H:%M}; it is sent once."
    )


def email_context(*, treatment: Treatment) -> dict:
    summary = build_summary(visit=treatment.visit)
    return aftercare_context(treatment=treatment, timeline=summary.timeline) | {"summary": summary}


def email_summary(*, treatment: Treatment, by=None) -> str:
    """Email the patient their summary and aftercare, once; returns the address.
    ``ChartingError`` when the chart is unsigned, the patient has no email, or it was
    sent already."""
    treatment = Treatment.objects.select_related("visit__patient", "visit__location").get(
        pk=treatment.pk
    )
    if not treatment.is_signed:
        raise ChartingError(NOT_SIGNED)
    patient = treatment.visit.patient
    if not patient.email:
        raise ChartingError(NO_EMAIL)
    context = email_context(treatment=treatment)
    try:
        with transaction.atomic():
            # The claim: a second tab's insert waits here, then fails on the one row.
            AftercareEmail.objects.create(treatment=treatment, sent_by=by)
            message = EmailMultiAlternatives(
                subject=f"Your treatment and aftercare at {settings.CLINIC_NAME}",
                body=render_to_string("reports/summary_email.txt", context),
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[patient.email],
            )
            message.attach_alternative(
                render_to_string("reports/summary_email.html", context), "text/html"
            )
            message.send()
    except IntegrityError:
        raise ChartingError(already_sent(AftercareEmail.objects.get(treatment=treatment))) from None
    return patient.email
