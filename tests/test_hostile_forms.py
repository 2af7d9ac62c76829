"""Hostile input to every form that creates or edits a record (issue 18: "the
security tests can fail").

Per form (one parametrized case each): the page is opened and its form read as a
browser would send it (values, checked boxes, selected options); ONE valid value set
is submitted first and must be accepted (a redirect and the record saved). Its free
text is itself hostile but valid (script and attribute markup), so the pages that
show the record (patient page, search, day view, chart...) are read and must show
it escaped. Then each field in turn gets hostile values for what it takes (script
tags, NUL, CR/LF, formula cells, 5000 characters; huge numbers, 1e30, NaN; far and
impossible dates; unknown choices; for the plan's points deeply nested JSON, units
of 1e30, a NUL in a note): never a 500, a clear message on the page when refused,
and no hostile markup written raw on the answer or on the pages that show the record.

``test_every_form_is_reached`` walks the URL patterns: a view that takes a POST is
either a case here or listed in ``NOT_RECORD_FORMS`` with the reason.

Seen to fail: with ``|safe`` on the patient's name in charting/patient_detail.html
(the patient cases: "written raw"), and with the check taken out of
``clinic.input_bounds.no_control_characters`` (a NUL in a name, a note, a reason:
500s from PostgreSQL).
"""

from __future__ import annotations

import datetime
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import reverse

from charting.models import Addendum, AdverseEvent, Consent, Lot, Treatment, Vial
from charting.reports.models import RecordRelease
from charting.reviews.models import Review
from clinic.models import Appointment, Patient, WaitlistEntry
from clinic.once import FIELD as TOKEN
from clinic.slots import local_today
from planning.choices import VisitKind
from planning.models import (
    MovementMap,
    Muscle,
    NotTreated,
    OutsideDose,
    PlanKeep,
    PlanTemplate,
    Screening,
    TreatmentPlan,
)
from planning.screening import QUESTIONS
from tests import hostile
from tests.factories import (
    PASSWORD,
    botox,
    charted_treatment,
    data_url,
    make_appointment,
    make_due_review,
    make_lot,
    make_plan,
    make_review,
    make_visit,
    make_waitlist_entry,
    signature_png,
    signed_treatment,
    treatment_visit,
)
from tests.test_role_matrix import all_pages

pytestmark = pytest.mark.django_db

NAME = f"Ann {hostile.SCRIPT}"  # a name a person could type: stored, shown as text
NOTE = f"Note {hostile.ATTRIBUTE} & more"
MAX_FIELDS = 6  # fields fuzzed per form (the movement map has a hundred cells)
# What a refused form shows: a message at the field or above the form.
MESSAGE_MARKS = (
    "invalid-feedback",
    "errorlist",
    "alert-danger",
    "alert-warning",
    'data-testid="signature-error"',
)
SKIP = {"csrfmiddlewaretoken", TOKEN}  # the token is tests/test_submit_once.py's


# ---------------------------------------------------------------- reading a form


@dataclass
class Form:
    action: str
    method: str
    values: dict[str, str] = field(default_factory=dict)  # what a browser sends
    kinds: dict[str, str] = field(default_factory=dict)  # input type, select, textarea


class _FormParser(HTMLParser):
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page, self.forms = page, []
        self._form = self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            action = urlsplit(urljoin(self.page, a.get("action") or self.page)).path
            self._form = Form(action, (a.get("method") or "get").lower())
        elif tag == "option" and self._select:
            name = self._select
            if "selected" in a or name not in self._form.values:
                self._form.values[name] = a.get("value", "")
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input":
            kind, name = a.get("type", "text"), a["name"]
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            self._form.kinds.setdefault(name, kind)
            if kind not in ("checkbox", "radio"):
                self._form.values.setdefault(name, a.get("value", ""))
            elif "checked" in a:
                self._form.values[name] = a.get("value", "on")
        elif tag == "textarea":
            self._form.kinds[a["name"]], self._form.values[a["name"]] = "textarea", ""
            self._textarea = a["name"]
        elif tag == "select":
            self._form.kinds[a["name"]], self._select = "select", a["name"]

    def handle_data(self, data):
        if self._textarea:
            self._form.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_on(client, page: str, action: str) -> Form:
    response = client.get(page)
    assert response.status_code == 200, f"{page}: {response.status_code}"
    parser = _FormParser(page)
    parser.feed(response.content.decode())
    found = [f for f in parser.forms if f.method == "post" and f.action == action]
    assert found, f"no form posting to {action} on {page}"
    return found[0]


# ---------------------------------------------------------------- the forms


@dataclass
class Case:
    role: str  # who submits: "injector", "front desk", "clinic admin"
    page: str  # where the form is
    action: str  # where it posts
    valid: dict  # the valid value set, over the browser's defaults
    saved: Callable[[], bool]  # the valid submit stored the record
    # The pages that show the record, each with the stored hostile text it shows escaped.
    shown_on: dict[str, list[str]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)  # a field's kind, when not the input's
    fuzz: list[str] | None = None  # the fields fuzzed (all the form's, up to MAX_FIELDS)
    refresh: tuple[str, ...] = ()  # fields read again from the page before fuzzing


def _each(pages: list[str], texts: list[str]) -> dict[str, list[str]]:
    return dict.fromkeys(pages, texts)


def _day(location, days: int) -> str:
    return (local_today(location) + datetime.timedelta(days=days)).isoformat()


def _patient_detail(p):
    return reverse("patient_detail", args=[p.pk])


def case_patient_create(ctx) -> Case:
    return Case(
        role="front desk",
        page=reverse("patient_create"),
        action=reverse("patient_create"),
        valid={
            "first_name": NAME,
            "last_name": "O'Hara",
            "date_of_birth": "1984-05-06",
            "sex": "F",
            "front_desk_notes": NOTE,
            "confirm_not_duplicate": "on",
        },
        saved=lambda: Patient.objects.filter(first_name=NAME).exists(),
        shown_on=_each([reverse("patient_list") + "?q=O%27Hara"], [NAME]),
    )


def case_patient_edit(ctx) -> Case:
    patient, location = ctx["patient"], ctx["location"]
    # The patient is on today's day view: the name is shown there too.
    make_appointment(patient=patient, injector=ctx["injector"])
    url = reverse("patient_edit", args=[patient.pk])
    return Case(
        role="front desk",
        page=url,
        action=url,
        valid={"first_name": NAME, "front_desk_notes": NOTE},
        saved=lambda: Patient.objects.filter(pk=patient.pk, first_name=NAME).exists(),
        shown_on={
            _patient_detail(patient): [NAME, NOTE],
            reverse("patient_list") + f"?q={patient.last_name}": [NAME],
            reverse("schedule_day") + f"?day={_day(location, 1)}": [NAME],
        },
    )


def case_appointment_book(ctx) -> Case:
    patient, location, injector = ctx["patient"], ctx["location"], ctx["injector"]
    patient.first_name = NAME
    patient.save(update_fields=["first_name"])
    day = _day(location, 2)
    return Case(
        role="front desk",
        page=reverse("appointment_book") + f"?patient={patient.pk}",
        action=reverse("appointment_book"),
        valid={
            "kind": "consultation",
            "location": location.pk,
            "injector": injector.pk,
            "day": day,
            "start": "10:00",
            "desk_note": NOTE,
        },
        saved=lambda: Appointment.objects.filter(patient=patient, desk_note=NOTE).exists(),
        shown_on=_each([reverse("schedule_day") + f"?day={day}"], [NAME]),
    )


def case_appointment_reschedule(ctx) -> Case:
    appointment = make_appointment(patient=ctx["patient"], injector=ctx["injector"])
    url = reverse("appointment_reschedule", args=[appointment.pk])
    start = appointment.starts_at
    return Case(
        role="front desk",
        page=url,
        action=url,
        valid={"day": _day(ctx["location"], 3), "start": "11:00"},
        saved=lambda: Appointment.objects.get(pk=appointment.pk).starts_at != start,
    )


def case_appointment_cancel(ctx) -> Case:
    appointment = make_appointment(patient=ctx["patient"], injector=ctx["injector"])
    url = reverse("appointment_cancel", args=[appointment.pk])
    return Case(
        role="front desk",
        page=url,
        action=url,
        valid={"reason": NOTE},
        saved=lambda: Appointment.objects.get(pk=appointment.pk).status == "cancelled",
        shown_on=_each([appointment.get_absolute_url()], []),
    )


def case_waitlist_add(ctx) -> Case:
    patient, location = ctx["patient"], ctx["location"]
    patient.first_name = NAME
    patient.save(update_fields=["first_name"])
    return Case(
        role="front desk",
        page=reverse("waitlist_add") + f"?patient={patient.pk}",
        action=reverse("waitlist_add"),
        valid={"kind": "treatment", "location": location.pk, "desk_note": NOTE},
        saved=lambda: WaitlistEntry.objects.filter(patient=patient, desk_note=NOTE).exists(),
        shown_on=_each([reverse("waitlist") + f"?location={location.pk}"], [NAME, NOTE]),
    )


def case_waitlist_remove(ctx) -> Case:
    entry = make_waitlist_entry(
        patient=ctx["patient"], location=ctx["location"], by=ctx["users"]["front desk"]
    )
    url = reverse("waitlist_remove", args=[entry.pk])
    return Case(
        role="front desk",
        page=url,
        action=url,
        valid={"reason": NOTE},
        saved=lambda: WaitlistEntry.objects.filter(pk=entry.pk, removed_reason=NOTE).exists(),
        shown_on=_each(
            [reverse("waitlist") + f"?location={entry.location_id}&show=removed"], [NOTE]
        ),
    )


def case_review_dismiss(ctx) -> Case:
    due = make_due_review(patient=ctx["patient"], injector=ctx["injector"])
    url = reverse("review_dismiss", args=[due.pk])
    return Case(
        role="front desk",
        page=url,
        action=url,
        valid={"reason": NOTE},
        saved=lambda: type(due).objects.filter(pk=due.pk, dismissed_reason=NOTE).exists(),
    )


LOT_NUMBER = 'L"><IMG SRC=X ONERROR=ALERT(1)>'


def case_lot_create(ctx) -> Case:
    return Case(
        role="clinic admin",
        page=reverse("charting:lot_create"),
        action=reverse("charting:lot_create"),
        valid={
            "product": botox().pk,
            "number": LOT_NUMBER,
            "expiry_date": _day(ctx["location"], 400),
            "vial_count": "5",
        },
        saved=lambda: Lot.objects.filter(number=LOT_NUMBER).exists(),
        shown_on=_each([reverse("charting:lot_list")], [LOT_NUMBER]),
    )


def case_lot_edit(ctx) -> Case:
    lot = make_lot(number="EDIT-1")
    url = reverse("charting:lot_edit", args=[lot.pk])
    return Case(
        role="clinic admin",
        page=url,
        action=url,
        valid={"lot-number": LOT_NUMBER, "status-status": "recalled", "status-status_note": NOTE},
        saved=lambda: Lot.objects.filter(pk=lot.pk, number=LOT_NUMBER).exists(),
        shown_on=_each([reverse("charting:lot_list")], [LOT_NUMBER]),
    )


def _chart(ctx) -> Treatment:
    return charted_treatment(patient=ctx["patient"], injector=ctx["injector"])


def case_chart_save(ctx) -> Case:
    treatment = _chart(ctx)
    chart = reverse("charting:chart", args=[treatment.visit_id])
    first = treatment.injections.order_by("pk").first()
    return Case(
        role="injector",
        page=chart,
        action=reverse("charting:chart_save", args=[treatment.visit_id]),
        valid={f"u-{first.pk}": "4.5", "wasted_units": "1", "notes": NOTE},
        saved=lambda: Treatment.objects.filter(pk=treatment.pk, notes=NOTE).exists(),
        shown_on=_each([chart], [NOTE]),
        kinds={f"n-{first.pk}": "text"},
        fuzz=[
            f"u-{first.pk}",
            f"v-{first.pk}",
            f"n-{first.pk}",
            "add-0-units",
            "wasted_units",
            "notes",
        ],
        refresh=("version",),
    )


def case_adverse_event(ctx) -> Case:
    treatment = _chart(ctx)
    chart = reverse("charting:chart", args=[treatment.visit_id])
    return Case(
        role="injector",
        page=chart,
        action=reverse("charting:adverse_event", args=[treatment.visit_id]),
        valid={"kind": "other", "severity": "mild", "note": NOTE},
        saved=lambda: AdverseEvent.objects.filter(treatment=treatment, note=NOTE).exists(),
        shown_on=_each([chart], [NOTE]),
    )


def case_vial_add(ctx) -> Case:
    treatment = _chart(ctx)
    lot = make_lot(number="VIAL-LOT")
    before = Vial.objects.count()
    return Case(
        role="injector",
        page=reverse("charting:chart", args=[treatment.visit_id]),
        action=reverse("charting:vial_add", args=[treatment.visit_id]),
        valid={"lot": lot.pk, "vial_units": "100", "diluent_ml": "2.5"},
        saved=lambda: Vial.objects.count() == before + 1,
        kinds={"reconstituted_at": "date"},
    )


def case_sign(ctx) -> Case:
    treatment = _chart(ctx)
    return Case(
        role="injector",
        page=reverse("charting:chart", args=[treatment.visit_id]),
        action=reverse("charting:sign", args=[treatment.visit_id]),
        valid={"password": PASSWORD, "review_days": "14"},
        saved=lambda: Treatment.objects.get(pk=treatment.pk).signed_at is not None,
    )


def case_addendum(ctx) -> Case:
    treatment = signed_treatment(patient=ctx["patient"], injector=ctx["injector"])
    chart = reverse("charting:chart", args=[treatment.visit_id])
    return Case(
        role="injector",
        page=chart,
        action=reverse("charting:addendum", args=[treatment.visit_id]),
        valid={"reason": NOTE, "text": NAME},
        saved=lambda: Addendum.objects.filter(treatment=treatment, reason=NOTE).exists(),
        shown_on=_each([chart], [NOTE, NAME]),
    )


def case_consent(ctx) -> Case:
    visit, _ = treatment_visit(patient=ctx["patient"], injector=ctx["injector"])
    url = reverse("charting:consent", args=[visit.pk])
    return Case(
        role="injector",
        page=url,
        action=url,
        valid={"signed_name": NAME, "signature": data_url(signature_png())},
        saved=lambda: Consent.objects.filter(visit=visit, signed_name=NAME).exists(),
        shown_on=_each([url], [NAME]),
        kinds={"signature": "text"},
    )


def case_consent_withdraw(ctx) -> Case:
    treatment = _chart(ctx)
    consent = treatment.visit.consents.get()
    url = reverse("charting:consent_withdraw", args=[consent.pk])
    consent_page = reverse("charting:consent", args=[treatment.visit_id])
    return Case(
        role="injector",
        page=consent_page,
        action=url,
        valid={"reason": NOTE},
        saved=lambda: Consent.objects.get(pk=consent.pk).withdrawn_at is not None,
        shown_on=_each([consent_page], [NOTE]),
    )


def _screening_answers() -> dict:
    return {f"q_{q.code}": "no" for q in QUESTIONS}


def case_screening(ctx) -> Case:
    visit = make_visit(patient=ctx["patient"], injector=ctx["injector"])
    url = reverse("planning:screening", args=[visit.pk])
    return Case(
        role="injector",
        page=url,
        action=url,
        valid={**_screening_answers(), "allergies": NOTE, "medicines": NAME, "notes": NOTE},
        saved=lambda: Screening.objects.filter(visit=visit, medicines=NAME).exists(),
        shown_on=_each([url], [NAME]),
        fuzz=["allergies", "medicines", "notes", "q_pregnant"],
        kinds={"q_pregnant": "select"},
    )


def case_screening_outside_dose(ctx) -> Case:
    visit = make_visit(patient=ctx["patient"], injector=ctx["injector"])
    url = reverse("planning:screening", args=[visit.pk])
    return Case(
        role="injector",
        page=url,
        action=reverse("planning:screening_outside_dose", args=[visit.pk]),
        valid={
            "given_on": _day(ctx["location"], -200),
            "product": botox().pk,
            "units": "20",
            "where": NOTE,
        },
        saved=lambda: OutsideDose.objects.filter(patient=ctx["patient"], where=NOTE).exists(),
        shown_on=_each([url], [NOTE]),
    )


def case_movement_map(ctx) -> Case:
    visit = make_visit(patient=ctx["patient"], injector=ctx["injector"], screened=True)
    url = reverse("planning:movement_map", args=[visit.pk])
    return Case(
        role="injector",
        page=url,
        action=url,
        valid={"g:FROWN.CORR.L": "2", "n:FROWN.CORR.L": NOTE, "notes": NAME},
        saved=lambda: MovementMap.objects.filter(visit=visit, notes=NAME).exists(),
        shown_on=_each([url], [NAME, NOTE]),
        fuzz=["g:FROWN.CORR.L", "n:FROWN.CORR.L", "notes"],
        kinds={"g:FROWN.CORR.L": "select"},
    )


def _point(**extra) -> dict:
    # The patient's left corrugator, drawn in its region (planning.face).
    return {"muscle": "CORR", "side": "L", "units": "4", "x": "0.5875", "y": "0.3019", **extra}


def case_plan_points(ctx) -> Case:
    visit = make_visit(
        patient=ctx["patient"], injector=ctx["injector"], kind=VisitKind.TREATMENT, screened=True
    )
    plan = make_plan(visit=visit, by=ctx["injector"])
    url = plan.get_absolute_url()
    return Case(
        role="injector",
        page=url,
        action=url,
        valid={"points": json.dumps([_point(note=NOTE)]), "notes": NAME, "action": "save"},
        saved=lambda: TreatmentPlan.objects.filter(pk=plan.pk, notes=NAME).exists(),
        shown_on=_each([url], [NAME]),
        kinds={"points": "json"},
        fuzz=["points", "notes", "version"],
        refresh=("version",),
    )


def case_plan_template(ctx) -> Case:
    visit = make_visit(
        patient=ctx["patient"], injector=ctx["injector"], kind=VisitKind.TREATMENT, screened=True
    )
    plan = make_plan(visit=visit, by=ctx["injector"], points=[("CORR", "L", 4)])
    return Case(
        role="injector",
        page=plan.get_absolute_url(),
        action=reverse("planning:plan_save_template", args=[plan.pk]),
        valid={"name": NAME},
        saved=lambda: PlanTemplate.objects.filter(name=NAME).exists(),
        shown_on=_each([plan.get_absolute_url()], [NAME]),
    )


def case_plan_keep(ctx) -> Case:
    visit = make_visit(
        patient=ctx["patient"], injector=ctx["injector"], kind=VisitKind.TREATMENT, screened=True
    )
    plan = make_plan(visit=visit, by=ctx["injector"], points=[("CORR", "L", 4)])
    return Case(
        role="injector",
        page=plan.get_absolute_url(),
        action=reverse("planning:plan_keep", args=[plan.pk]),
        valid={"muscle": "FRONTL", "side": "R", "reason": NAME, "action": "keep"},
        saved=lambda: PlanKeep.objects.filter(plan=plan, reason=NAME).exists(),
        shown_on=_each([plan.get_absolute_url()], [NAME]),
        kinds={"muscle": "select", "side": "select"},
    )


def case_review(ctx) -> Case:
    review = make_review(patient=ctx["patient"], injector=ctx["injector"])
    url = reverse("reviews:review", args=[review.pk])
    return Case(
        role="injector",
        page=url,
        action=url,
        valid={"g:CORR:L": "1", "n:CORR:L": NOTE, "gais": "2", "satisfaction": "2", "note": NAME},
        saved=lambda: Review.objects.filter(pk=review.pk, note=NAME).exists(),
        shown_on=_each([url], [NAME, NOTE]),
        kinds={"g:CORR:L": "select"},
        refresh=("version",),
    )


def case_side_effect(ctx) -> Case:
    review = make_review(patient=ctx["patient"], injector=ctx["injector"])
    url = reverse("reviews:review", args=[review.pk])
    corr = Muscle.objects.get(code="CORR")
    return Case(
        role="injector",
        page=url,
        action=reverse("reviews:side_effect_add", args=[review.pk]),
        valid={
            "kind": "eyelid_ptosis",
            "muscle": corr.pk,
            "side": "L",
            "started_on": _day(ctx["location"], 0),
            "se_note": NOTE,
        },
        saved=lambda: review.side_effects.filter(note=NOTE).exists(),
        shown_on=_each([url], [NOTE]),
    )


def case_touch_up(ctx) -> Case:
    review = make_review(patient=ctx["patient"], injector=ctx["injector"])
    url = reverse("reviews:touch_up", args=[review.pk])
    corr = Muscle.objects.get(code="CORR")
    return Case(
        role="injector",
        page=url,
        action=url,
        valid={"target": f"{corr.pk}:L", "units": "2", "x": "0.55", "y": "0.31", "note": NOTE},
        saved=lambda: Review.objects.filter(pk=review.pk, touch_up__isnull=False).exists(),
        shown_on=_each([url], []),
        kinds={"x": "number", "y": "number", "units": "number"},
    )


def case_next_step(ctx) -> Case:
    review = make_review(patient=ctx["patient"], injector=ctx["injector"])
    url = reverse("reviews:next_steps", args=[review.pk])
    due = review.treatment.started_at.date() + datetime.timedelta(days=21)
    return Case(
        role="injector",
        page=url,
        action=url,
        valid={"kind": "referral", "detail": NOTE, "refer_to": NAME, "due_on": due.isoformat()},
        saved=lambda: review.next_steps.filter(detail=NOTE).exists(),
        shown_on={url: [NOTE, NAME], _patient_detail(ctx["patient"]): [NOTE]},
    )


def case_not_treated(ctx) -> Case:
    visit = make_visit(patient=ctx["patient"], injector=ctx["injector"])
    url = reverse("planning:not_treated", args=[visit.pk])
    return Case(
        role="injector",
        page=url,
        action=url,
        valid={"reason": "other", "note": NOTE},
        saved=lambda: NotTreated.objects.filter(visit=visit, note=NOTE).exists(),
        shown_on={reverse("planning:visit_detail", args=[visit.pk]): [NOTE]},
    )


def case_record_release(ctx) -> Case:
    """The log of a record given out (issue 23): the admin's, on the record page."""
    patient = ctx["patient"]
    signed_treatment(patient=patient, injector=ctx["injector"])
    page = reverse("reports:patient_record", args=[patient.pk])
    return Case(
        role="clinic admin",
        page=page,
        action=reverse("reports:record_release", args=[patient.pk]),
        valid={
            "requested_on": _day(ctx["location"], -10),
            "given_on": _day(ctx["location"], 0),
            "given_to": NAME,
            "method": "email",
            "note": NOTE,
        },
        saved=lambda: RecordRelease.objects.filter(patient=patient, given_to=NAME).exists(),
        shown_on=_each([page], [NAME, NOTE]),
    )


CASES = {
    name.removeprefix("case_"): builder
    for name, builder in sorted(globals().items())
    if name.startswith("case_")
}

# Views that take a POST but store no record a person types (or are fuzzed elsewhere).
NOT_RECORD_FORMS = {
    "login": "signs in; its lockout and messages are tests/security",
    "logout": "signs out",
    "password_change": "Django's own form; tests/security",
    "password_reset_done": "a page saying to check the mail; no form",
    "password_reset_complete": "a page saying the password is saved; no form",
    "switch_location": "chooses a location from a list, stores nothing",
    "appointment_status": "status buttons; an unknown status is a message (test_booking_views)",
    "review_book": "a time from its list: tests/charting/test_review_book.py (tampered times)",
    "calendar_feed_rotate": "one button, no field",
    "patient_import": "a CSV upload: tests/clinic/test_patient_import.py (hostile cells, sizes)",
    "patient_import_confirm": "one button: imports the preview (tests/clinic/test_patient_import)",
    "planning:outside_dose_import": (
        "a CSV upload: tests/planning/test_outside_dose_import.py (hostile cells, sizes)"
    ),
    "planning:outside_dose_import_confirm": (
        "one button: imports the preview (tests/planning/test_outside_dose_import.py)"
    ),
    "waitlist_book": "one tap: an unknown or taken freed time is a message "
    "(tests/clinic/test_waitlist.py)",
    "charting:aftercare_email": "sends the summary once; no field "
    "(tests/reports/test_summary_email.py)",
    "charting:chart_start": "one button: charts from the final plan",
    "charting:chart_preview": "saves nothing: the chart's live totals",
    "planning:plan_preview": "saves nothing: the plan's live totals",
    "planning:plan_apply": "a template from a list, a version: messages (tests/planning)",
    "planning:plan_for_visit": "a product from a list: starts a plan",
    "planning:start_consultation": "one button: opens a consultation",
    "planning:photos": "an upload: tests/planning/test_photos (type, size, EXIF)",
    "appointment_intake_send": "one button: a new intake link",
    "appointment_intake_kiosk": "one button: hands the tablet to the patient",
    "patient:start": "the patient's date of birth, anonymous: "
    "tests/planning/test_patient_intake.py (the same hostile values)",
    "patient:intake": "the patient's form behind a link: tests/planning/test_patient_intake.py "
    "(the same hostile values, and the selfie's)",
    "planning:screening_acknowledge": "a note of the screening (fuzzed as the screening's)",
    "planning:screening_confirm": "one button: no change since the last screening",
    "reports:export_history": "dates of a report: tests/reports",
    "reports:patient_history": "one button: a report",
    "reports:export_fhir": "dates of an export: tests/reports/test_fhir_export.py (hostile dates)",
    "reports:patient_fhir": "dates of an export: tests/reports/test_fhir_export.py (hostile dates)",
    "reports:patient_record": "a choice and a box: a report (tests/reports/test_record.py)",
    "reports:injection_map": "one button: a report",
    "reports:patient_summary": "one button: the patient summary PDF",
    "reports:referral_letter": "one button: the referral letter PDF "
    "(tests/reports/test_referral_letter.py)",
    "reports:job_retry": "one button",
    "reviews:sign": "a password: the review's signing tests",
    "reviews:touch_up_remove": "one button",
    "next_step_booked": "one button: the step is booked (tests/reviews/test_next_steps.py)",
    "security:backup_codes": "one button: new codes",
    "security:session_keepalive": "no field",
    "security:two_factor_setup": "a six-digit code: tests/security",
    "security:two_factor_verify": "a six-digit code: tests/security",
}
CASE_OF_URL = {
    "patient_create": "patient_create",
    "patient_edit": "patient_edit",
    "appointment_book": "appointment_book",
    "appointment_reschedule": "appointment_reschedule",
    "appointment_cancel": "appointment_cancel",
    "waitlist_add": "waitlist_add",
    "waitlist_remove": "waitlist_remove",
    "review_dismiss": "review_dismiss",
    "charting:lot_create": "lot_create",
    "charting:lot_edit": "lot_edit",
    "charting:chart_save": "chart_save",
    "charting:adverse_event": "adverse_event",
    "charting:vial_add": "vial_add",
    "charting:sign": "sign",
    "charting:addendum": "addendum",
    "charting:consent": "consent",
    "charting:consent_withdraw": "consent_withdraw",
    "planning:screening": "screening",
    "planning:screening_outside_dose": "screening_outside_dose",
    "planning:movement_map": "movement_map",
    "planning:plan": "plan_points",
    "planning:plan_save_template": "plan_template",
    "planning:plan_keep": "plan_keep",
    "reviews:review": "review",
    "reviews:side_effect_add": "side_effect",
    "reviews:touch_up": "touch_up",
    "reviews:next_steps": "next_step",
    "planning:not_treated": "not_treated",
    "reports:record_release": "record_release",
}


def _takes_post(view) -> bool:
    source = inspect.getsource(inspect.unwrap(view))
    return "require_POST" in source or "request.POST" in source or "request.method" in source


def test_every_form_is_reached():
    posting = {name for name, pattern in all_pages() if _takes_post(pattern.callback)}
    posting |= {name for name, _ in all_pages() if name in CASE_OF_URL}
    missing = posting - set(CASE_OF_URL) - set(NOT_RECORD_FORMS)
    assert missing == set(), "a form to fuzz here (a case) or to list in NOT_RECORD_FORMS"
    assert set(CASE_OF_URL.values()) == set(CASES)


# ---------------------------------------------------------------- the fuzzing


def hostile_values(name: str, kind: str, valid: str) -> list:
    if kind == "json":
        return [
            json.dumps([_point(units="1e30")]),
            hostile.NESTED,
            json.dumps([_point(note=hostile.NUL)]),
            json.dumps([_point(note=hostile.MARKUP, x="1e999999999")]),
            json.dumps({"muscle": hostile.SCRIPT}),
        ]
    if kind in ("date", "datetime-local"):
        return hostile.FOR_DATE
    if kind == "time":
        return hostile.FOR_TIME
    if kind == "number" or (kind == "hidden" and valid.replace(".", "", 1).isdigit()):
        return hostile.FOR_NUMBER
    if kind in ("select", "radio", "checkbox"):
        return [*hostile.FOR_CHOICE, ["1", "2"]]  # a list where one value is expected
    return hostile.FOR_TEXT


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def assert_no_raw(body: str, where: str) -> None:
    lowered = body.lower()
    for mark in hostile.RAW:
        assert mark.lower() not in lowered, f"{where}: hostile markup written raw"


@pytest.fixture
def ctx(patient, injector, front_desk, clinic_admin, location):
    return {
        "patient": patient,
        "injector": injector,
        "location": location,
        "users": {"injector": injector, "front desk": front_desk, "clinic admin": clinic_admin},
    }


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_values_in_a_form(name, client, ctx):
    case = CASES[name](ctx)
    client.force_login(ctx["users"][case.role])
    form = form_on(client, case.page, case.action)
    base = {**form.values, **{k: str(v) for k, v in case.valid.items()}}

    # One valid value set first: accepted, stored, shown escaped where it is shown.
    response = client.post(case.action, base)
    assert response.status_code == 302, f"{name}: the valid set was refused\n" + _errors(response)
    assert case.saved(), f"{name}: the valid set was not stored"
    landing = client.get(response["Location"])
    assert landing.status_code == 200
    for page in [response["Location"], *case.shown_on]:
        html = _body(client.get(page))
        assert_no_raw(html, page)
        for text in case.shown_on.get(page, []):
            hostile.assert_shown_as_text(html, text)

    # Then each field in turn.
    if case.refresh:
        again = form_on(client, case.page, case.action)
        base |= {k: again.values[k] for k in case.refresh if k in again.values}
    kinds = {**form.kinds, **case.kinds}
    fields = case.fuzz or [n for n in base if n not in SKIP and not n.startswith("initial-")]
    for field_name in fields[:MAX_FIELDS]:
        kind = kinds.get(field_name, "text")
        for value in hostile_values(field_name, kind, str(base.get(field_name, ""))):
            # without the one-time token: the valid submit claimed it, and a claimed
            # token lands on the stored record instead of checking the field
            data = {k: v for k, v in {**base, field_name: value}.items() if k != TOKEN}
            response = client.post(case.action, data)
            where = f"{name}: {field_name}={str(value)[:60]!r}"
            assert response.status_code < 500, where
            if response.status_code == 302:
                response = client.get(response["Location"])
                assert response.status_code < 500, where
            elif response.status_code in (200, 400, 409, 422):
                body = _body(response)
                assert any(mark in body for mark in MESSAGE_MARKS), f"{where}: no message"
            assert_no_raw(_body(response), where)

    # Whatever hostile text was stored on the way is shown escaped.
    for page in case.shown_on:
        response = client.get(page)
        assert response.status_code == 200
        assert_no_raw(_body(response), f"{name}: {page} after the hostile values")


def _errors(response) -> str:
    body = _body(response)
    found = [
        line.strip()
        for line in body.splitlines()
        if any(mark in line for mark in MESSAGE_MARKS) or "error" in line.lower()
    ]
    return f"status {response.status_code}\n" + "\n".join(found[:15])
