""" "Not treated today": a visit's outcome with its reason, recorded by the injector.

A visit that ends without treatment for a clinical reason (REFERENCE.md's
contraindications and cautions: infection at the site, pregnancy, neuromuscular
disease, an interval under 90 days, suspected body dysmorphic disorder, brow ptosis
from laxity …) or because the patient chose not to be treated is a decision, stored
with who and when, and the visit is completed by it; it is not an abandoned visit.
The history (patient page, visit page) shows the reason.

Doors: the visit's "Not treated today" page (``planning:not_treated``; recording needs
the injector role), the visit page and the patient page's visit list (shown); the
Django admin registers no outcome; the demo data records none. A second submit (double
click, second tab) with the same reason returns the first; a different one is refused.
A visit whose treatment is signed cannot be recorded as not treated, and charting's
signing refuses a treatment on a visit recorded as not treated (both under the
patient's lock, ``planning.dose_rules.lock_patient``).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from clinic.input_bounds import NO_CONTROL, control_characters_in
from clinic.roles import Role

from .choices import NotTreatedReason, VisitStatus
from .dose_rules import lock_patient
from .models import NotTreated, Visit

NOTE_MAX = 1000


@transaction.atomic
def record_not_treated(*, visit: Visit, reason: str, note: str = "", by) -> NotTreated:
    if not by.has_role(Role.INJECTOR):  # whichever door calls: an injector decides it
        raise PermissionDenied("An injector records that the patient is not treated today.")
    note = (note or "").strip()
    errors = {}
    if reason not in NotTreatedReason.values:
        errors["reason"] = "Choose why the patient is not treated today."
    if control_characters_in(note, multiline=True):
        errors["note"] = NO_CONTROL
    elif len(note) > NOTE_MAX:
        errors["note"] = f"Keep the note to {NOTE_MAX} characters."
    elif reason == NotTreatedReason.OTHER and not note:
        errors["note"] = "Write the reason."
    if errors:
        raise ValidationError(errors)
    lock_patient(visit.patient_id)  # signing waits for it (charting.signing), and vice versa
    locked = Visit.objects.select_for_update().get(pk=visit.pk)
    if locked.is_locked:
        raise ValidationError({"reason": "This visit's treatment is signed: it was treated."})
    if locked.status == VisitStatus.CANCELLED:
        raise ValidationError({"reason": "This visit was cancelled."})
    existing = NotTreated.objects.filter(visit=visit).first()
    if existing is not None:
        if existing.reason == reason and existing.note == note:
            return existing
        raise ValidationError({"reason": "Not treated today is already recorded for this visit."})
    outcome = NotTreated(visit=visit, reason=reason, note=note, recorded_by=by)
    outcome.full_clean()
    outcome.save()
    Visit.objects.filter(pk=visit.pk).update(status=VisitStatus.COMPLETED)
    visit.status = VisitStatus.COMPLETED
    return outcome
