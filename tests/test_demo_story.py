"""The demo hangs together (issue 19, finding 8): the appointment book and the charts
are generated from one story (``clinic.demo_story``), so across the whole demo

- every signed treatment (and touch-up) has a completed appointment of its kind at its
  time, place and injector;
- every appointment of a past day is completed, a no-show or cancelled;
- no appointment falls on a closed day, a holiday or the injector's leave
  (``clinic.hours``);
- no patient has two treatments within the retreatment interval
  (``planning.dosing.RETREATMENT_DAYS``);
- every review appointment is 10–21 days after the patient's treatment
  (``charting.review_timing``);
- every completed appointment has its visit and every visit its appointment, so the
  month's export (``charting.reports.patient_history.export_patients``) and the book
  hold the same patients;
- the README's "today" patient (C-000005) is on the injector's My day.

The doors of the demo these rules meet: the booking rules (``clinic.scheduling``:
``book_appointment``, ``change_status``), the review's booking (``book_review``) and
timing, the dose rules' demo door. Each check is seen to fail by planting the old
incoherence (a plant per check below, rolled back).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from charting import review_timing
from charting.demo.treatments import TODAY_PATIENT
from charting.models import Treatment
from charting.reports.models import SummaryWording
from charting.reports.patient_history import export_patients
from charting.reports.patient_summary import build_summary
from clinic.hours import closures, hours_warning
from clinic.models import (
    Appointment,
    Location,
    Patient,
    Room,
    User,
    WaitlistEntry,
    WorkingHours,
)
from clinic.patients import chart_number_for
from clinic.roles import Role
from clinic.rooms import needs_room
from clinic.slots import local_datetime, local_today
from clinic.waitlist import offers_for
from planning.choices import VisitKind, VisitStatus
from planning.dosing import RETREATMENT_DAYS
from planning.models import Screening, Visit
from tests.factories.clinic import UserFactory
from tests.tamper import tamper

pytestmark = pytest.mark.django_db
Kind, Status = Appointment.Kind, Appointment.Status
FINISHED = {Status.COMPLETED, Status.NO_SHOW, Status.CANCELLED}
SEEN = {Status.COMPLETED, Status.ARRIVED, Status.IN_TREATMENT}
VISIT_KIND = {
    Kind.CONSULTATION: VisitKind.CONSULTATION,
    Kind.TREATMENT: VisitKind.TREATMENT,
    Kind.REVIEW: VisitKind.REVIEW,
    Kind.TOUCH_UP: VisitKind.REVIEW,
}


def _book():
    return list(Appointment.objects.select_related("location", "injector", "patient"))


def unsigned_treatments(book) -> list[str]:
    """Signed treatments without a completed appointment of their kind at their time."""
    found = []
    for t in Treatment.objects.signed().select_related("visit"):
        kinds = {Kind.TREATMENT} if t.visit.kind == VisitKind.TREATMENT else {Kind.REVIEW}
        kinds |= {Kind.TOUCH_UP} if t.visit.kind == VisitKind.REVIEW else set()
        if not any(
            a.patient_id == t.visit.patient_id
            and a.kind in kinds
            and a.status == Status.COMPLETED
            and a.location_id == t.visit.location_id
            and a.injector_id == t.visit.injector_id
            and a.starts_at <= t.started_at < a.ends_at
            for a in book
        ):
            found.append(f"treatment {t.pk} of patient {t.visit.patient_id} at {t.started_at}")
    return found


def open_in_the_past(book, today) -> list[str]:
    return [
        f"{a} on {a.local_start:%a %b %-d} is {a.status}"
        for a in book
        if a.local_start.date() < today and a.status not in FINISHED
    ]


def on_closed_days(book) -> list[str]:
    found = []
    known = {}
    for a in book:
        if a.location_id not in known:
            days = [b.local_start.date() for b in book]
            known[a.location_id] = closures(
                location=a.location, first_day=min(days), last_day=max(days)
            )
        reason = known[a.location_id].unavailable(a.injector, a.local_start.date())
        if reason:
            found.append(f"{a} on {a.local_start:%a %b %-d}: {reason}")
    return found


def outside_the_hours(book) -> list[str]:
    """Every booking within its day's opening hours and its injector's hours there,
    outside their break (``clinic.hours.hours_warning``, the desk's warning)."""
    return [
        f"{a} at {a.local_start:%a %H:%M}: {warning}"
        for a in book
        if (
            warning := hours_warning(
                location=a.location, injector=a.injector, starts_at=a.starts_at, ends_at=a.ends_at
            )
        )
    ]


def without_a_room(book) -> list[str]:
    """A treatment or touch-up at a location with rooms holds one."""
    with_rooms = set(Room.objects.values_list("location_id", flat=True))
    return [
        f"{a} has no room"
        for a in book
        if a.holds_time and needs_room(a.kind) and a.location_id in with_rooms and not a.room_id
    ]


def freed_time_not_offered(book, now) -> list[str]:
    """A booking cancelled ahead is offered to someone on the waitlist."""
    freed = [a for a in book if a.status == Status.CANCELLED and a.starts_at > now]
    if not freed:
        return ["no booking ahead is cancelled"]
    if any(offers_for(a, now=now) for a in freed):
        return []
    return [f"{a} offered to no one waiting" for a in freed]


def treatments_too_close(book) -> list[str]:
    """Treatments of one patient closer than the retreatment interval (booked ones and
    signed ones)."""
    days = defaultdict(set)
    for a in book:
        if a.kind == Kind.TREATMENT and a.holds_time:
            days[a.patient_id].add(a.local_start.date())
    for t in (
        Treatment.objects.signed()
        .filter(visit__kind=VisitKind.TREATMENT)
        .select_related("visit__location")
    ):
        days[t.visit.patient_id].add(review_timing.treated_day(t))
    found = []
    for patient, treated in days.items():
        ordered = sorted(treated)
        for before, after in zip(ordered, ordered[1:], strict=False):
            if (after - before).days < RETREATMENT_DAYS:
                found.append(f"patient {patient}: treated {before} and {after}")
    return found


def reviews_out_of_window(book) -> list[str]:
    """Review and touch-up appointments not 10–21 days after a treatment of the patient."""
    treated = defaultdict(set)
    for a in book:
        if a.kind == Kind.TREATMENT and a.holds_time:
            treated[a.patient_id].add(a.local_start.date())
    found = []
    for a in book:
        if a.kind in (Kind.REVIEW, Kind.TOUCH_UP) and a.status != Status.CANCELLED:
            day = a.local_start.date()
            if not any((day - t).days in review_timing.REVIEW_DAYS for t in treated[a.patient_id]):
                found.append(
                    f"{a} of patient {a.patient_id} on {day}: no treatment 10–21 days before"
                )
    return found


def signed_unscreened() -> list[str]:
    """Signed treatments whose visit has no screening: the signing rule's checklist
    (``charting.signing.signing_refusals``) refuses them, and the demo signs through it
    (``charting.demo.treatments.signed``)."""
    screened = set(Screening.objects.values_list("visit_id", flat=True))
    return [
        f"treatment {t.pk} of patient {t.visit.patient_id}: signed without a screening"
        for t in Treatment.objects.signed().select_related("visit")
        if t.visit.kind == VisitKind.TREATMENT and t.visit_id not in screened
    ]


def _drop_screening(visit_id: int) -> None:
    """A signed visit's screening removed (on PostgreSQL past its lock trigger)."""
    sql, params = "DELETE FROM planning_screening WHERE visit_id = %s", [visit_id]
    if connection.vendor == "postgresql":
        tamper(sql, params)
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def book_and_charts_apart(book) -> list[str]:
    """Completed appointments without their visit, visits without their appointment."""
    visits = list(Visit.objects.not_cancelled())
    found = []
    for a in book:
        if a.status == Status.COMPLETED and not any(
            v.patient_id == a.patient_id
            and v.date == a.local_start.date()
            and v.location_id == a.location_id
            and v.kind == VISIT_KIND[a.kind]
            for v in visits
        ):
            found.append(f"{a} of patient {a.patient_id} on {a.local_start.date()}: no visit")
    for v in visits:
        # A visit prepared ahead (open) has its booking; a seen one its patient's arrival.
        statuses = SEEN | {Status.BOOKED} if v.status == VisitStatus.OPEN else SEEN
        if not any(
            a.patient_id == v.patient_id
            and a.local_start.date() == v.date
            and a.location_id == v.location_id
            and a.injector_id == v.injector_id
            and VISIT_KIND[a.kind] == v.kind
            and a.status in statuses
            for a in book
        ):
            found.append(f"{v} of patient {v.patient_id}: no appointment")
    return found


def export_apart_from_book(book, today) -> list[str]:
    """The month's export (reports) against the book: every patient the book shows seen
    this month (completed) is exported, and no one the book has not had this month."""
    first = today.replace(day=1)
    exported = set(export_patients(date_from=first, date_to=today).values_list("pk", flat=True))
    month = [a for a in book if first <= a.local_start.date() <= today]
    completed = {a.patient_id for a in month if a.status == Status.COMPLETED}
    came = {a.patient_id for a in month if a.status in SEEN}
    return [f"patient {p}: in the book only" for p in completed - exported] + [
        f"patient {p}: exported only" for p in exported - came
    ]


def today_patient_missing(client) -> list[str]:
    """C-000005, the README's patient of today, on the My day of her injector."""
    patient = Patient.objects.get(chart_number=chart_number_for(TODAY_PATIENT))
    treatment = Visit.objects.get(patient=patient, kind=VisitKind.TREATMENT)
    client.force_login(User.objects.get(email="injector@demo.clinic"))
    page = client.get(f"/my-day/?day={treatment.date.isoformat()}")
    return [] if patient.full_name in page.text else [f"{patient} not on My day"]


# Demo patient 2's first treatment: the stronger left corrugator (its map) gets 5 U a
# site against 4 U on the right (one site a side) (planning.demo_plans.ASYMMETRIC_GLABELLA).
ASYMMETRIC_PATIENT = 2


def _asymmetric_visit() -> Visit:
    return (
        Visit.objects.filter(
            patient__chart_number=chart_number_for(ASYMMETRIC_PATIENT), kind=VisitKind.TREATMENT
        )
        .order_by("date")
        .first()
    )


def summary_unexplained() -> list[str]:
    """Patient 2's summary (issue 20) says in plain words why the left gets more."""
    visit = _asymmetric_visit()
    if visit is None:
        return ["patient 2 has no treatment"]
    reasons = [area.reason for area in build_summary(visit=visit).areas]
    wanted = "Your left frown muscle pulls harder, so it gets 1 unit more."
    return [] if wanted in reasons else [f"patient 2's summary says {reasons}"]


def problems(client) -> dict[str, list[str]]:
    book = _book()
    today = local_today(Location.objects.get(name="Riverside Clinic"))
    found = {
        "signed without its appointment": unsigned_treatments(book),
        "signed without a screening": signed_unscreened(),
        "open in the past": open_in_the_past(book, today),
        "on a closed day or leave": on_closed_days(book),
        "treated within the interval": treatments_too_close(book),
        "review outside days 10-21": reviews_out_of_window(book),
        "book and charts apart": book_and_charts_apart(book),
        "export apart from the book": export_apart_from_book(book, today),
        "today's patient not on My day": today_patient_missing(client),
        "outside the hours or in a break": outside_the_hours(book),
        "a treatment without a room": without_a_room(book),
        "the freed time offered to no one": freed_time_not_offered(book, timezone.now()),
        "the patient summary explains no asymmetry": summary_unexplained(),
    }
    return {check: rows for check, rows in found.items() if rows}


class Planted(Exception):
    pass


def planted(client, plant) -> set[str]:
    """The checks that fail with ``plant`` made (then rolled back)."""
    failing: set[str] = set()
    try:
        with transaction.atomic():
            plant()
            failing = set(problems(client))
            raise Planted
    except Planted:
        pass
    return failing


def _treated(patient_number: int) -> Appointment:
    return Appointment.objects.filter(
        patient__chart_number=chart_number_for(patient_number),
        kind=Kind.TREATMENT,
        status=Status.COMPLETED,
    ).latest("starts_at")


def _copy(appointment: Appointment, **changes) -> Appointment:
    values = {
        f.name: getattr(appointment, f.name)
        for f in Appointment._meta.concrete_fields
        if f.name not in ("id", "created_at", "updated_at")
    }
    return Appointment.objects.create(**{**values, **changes})


def _at_seven(appointment: Appointment, days: int) -> dict:
    """The appointment's times moved ``days`` on, at 07:00 there (before opening: no
    clash with the demo's bookings in the database's exclusion constraint)."""
    day = appointment.local_start.date() + datetime.timedelta(days=days)
    start = local_datetime(location=appointment.location, day=day, time=datetime.time(7, 0))
    end = start + (appointment.ends_at - appointment.starts_at)
    return {"starts_at": start, "ends_at": end, "blocked_until": end}


def test_the_whole_demo_hangs_together_and_each_check_can_fail(client):
    call_command("seed_demo", stdout=StringIO())
    counts = (Appointment.objects.count(), Visit.objects.count(), Treatment.objects.count())
    call_command("seed_demo", stdout=StringIO())  # a second run adds nothing
    assert (Appointment.objects.count(), Visit.objects.count(), Treatment.objects.count()) == counts
    assert Appointment.objects.count() > 60 and Treatment.objects.signed().count() > 15
    assert problems(client) == {}

    # Each old incoherence, planted (bypassing the rules on purpose), is found.
    ava = _treated(1)  # treated half a year ago
    to_sunday = (6 - ava.local_start.weekday()) or 7
    today = local_today(ava.location)
    plants = {
        # a patient treated Monday and again Tuesday
        "treated within the interval": lambda: _copy(ava, **_at_seven(ava, 1)),
        # a completed touch-up for a patient whose only visit was a blocked consultation
        "review outside days 10-21": lambda: _copy(
            ava, kind=Kind.TOUCH_UP, patient=_patient(3), **_at_seven(ava, 30)
        ),
        # the book shows a patient seen this month whom the month's export leaves out
        "export apart from the book": lambda: _copy(
            ava, patient=_patient(10), **_at_seven(ava, (today - ava.local_start.date()).days)
        ),
        # the README's today patient not on My day
        "today's patient not on My day": lambda: Appointment.objects.filter(
            patient=_patient(TODAY_PATIENT)
        ).update(injector=_stand_in()),
        # a past treatment on a closed Sunday
        "on a closed day or leave": lambda: Appointment.objects.filter(pk=ava.pk).update(
            **_at_seven(ava, to_sunday)
        ),
        # a booking of a past day left booked
        "open in the past": lambda: Appointment.objects.filter(pk=ava.pk).update(
            status=Status.BOOKED
        ),
        # the book's treatment at another time than the chart's
        "signed without its appointment": lambda: Appointment.objects.filter(pk=ava.pk).update(
            **_at_seven(ava, 0)
        ),
        # a signed chart whose visit was never screened
        "signed without a screening": lambda: _drop_screening(
            Treatment.objects.signed().filter(visit__patient=ava.patient).latest("pk").visit_id
        ),
        # a visit charted on a day the book has nothing
        "book and charts apart": lambda: Appointment.objects.filter(
            patient=ava.patient, kind=Kind.CONSULTATION
        ).delete(),
    }
    start = ava.local_start
    plants |= {
        # a booking in its injector's lunch break
        "outside the hours or in a break": lambda: WorkingHours.objects.filter(
            injector=ava.injector, weekday=start.weekday()
        ).update(
            break_starts_at=start.time(),
            break_ends_at=(start + datetime.timedelta(minutes=30)).time(),
        ),
        # a treatment that took no room
        "a treatment without a room": lambda: Appointment.objects.filter(pk=ava.pk).update(
            room=None
        ),
        # nobody waiting for the freed time
        "the freed time offered to no one": lambda: WaitlistEntry.objects.all().delete(),
        # the reason for the difference dropped from the clinic's wording (the signed
        # visit's movement map itself is locked in the database)
        "the patient summary explains no asymmetry": lambda: SummaryWording.objects.filter(
            kind="reason", key="stronger"
        ).update(text="{Your_side} gets {amount} more."),
    }
    for check, plant in plants.items():
        assert check in planted(client, plant), check


def _stand_in() -> User:
    """An injector with an empty book (another demo injector's book may clash on PostgreSQL)."""
    return UserFactory(email="stand-in@demo.clinic", role=Role.INJECTOR)


def _patient(number: int) -> Patient:
    return Patient.objects.get(chart_number=chart_number_for(number))
