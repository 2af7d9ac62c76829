"""The front desk's side of the pre-visit intake: send the link (email + QR code on
screen) or hand a clinic tablet to the patient. Status only: the answers are
clinical and never reach these pages (``clinic.models.intake``)."""

from __future__ import annotations

import smtplib

from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from .. import intake_links, once
from ..access import get_appointment_for, role_required
from ..roles import Role

INTAKE_ROLES = (Role.FRONT_DESK, Role.ADMIN, Role.INJECTOR)


@role_required(*INTAKE_ROLES)
@require_POST
def intake_send(request, appointment_id: int):
    """A new link: emailed when the patient has an address, and shown once as a QR
    code (the token is not stored, so leaving this page leaves the code)."""
    appointment = get_appointment_for(request.user, appointment_id)
    here = reverse("appointment_detail", args=[appointment.pk])
    with once.submit_once(request) as submit:
        if submit.earlier:  # a double tap: one link, one email; its code is not kept
            messages.info(
                request,
                "The link was sent once (the button was pressed twice). To show a QR "
                'code again, press "Send a new link" (the earlier link then stops).',
            )
            return redirect(submit.earlier)
        try:
            new = intake_links.create_link(appointment=appointment, by=request.user)
        except intake_links.IntakeRefused as exc:
            messages.error(request, str(exc))
            return redirect(here)
        mail_failed = False
        try:
            emailed = intake_links.email_link(new=new)
        except (smtplib.SMTPException, OSError):  # the mail server: the code still works
            emailed, mail_failed = False, True
        submit.stored(here)
    return render(
        request,
        "clinic/intake_link.html",
        {
            "appointment": appointment,
            "link": new.link,
            "url": new.url,
            "qr": intake_links.qr_svg(new.url),
            "emailed": emailed,
            "mail_failed": mail_failed,
        },
    )


@role_required(*INTAKE_ROLES)
@require_POST
def intake_kiosk(request, appointment_id: int):
    """Hand this tablet to the patient: the staff session ends here (signed out, its
    data gone), and the new, empty session holds the patient's link only."""
    appointment = get_appointment_for(request.user, appointment_id)
    try:
        new = intake_links.create_link(appointment=appointment, by=request.user, kiosk=True)
    except intake_links.IntakeRefused as exc:
        messages.error(request, str(exc))
        return redirect("appointment_detail", appointment_id=appointment.pk)
    logout(request)  # flushes the session: nothing of the staff user stays
    intake_links.bind_kiosk(new=new, session=request.session)
    return redirect("patient:start")
