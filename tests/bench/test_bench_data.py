"""make_bench_data with a small N: the invented clinic is consistent, and the
bench harness can log in and count queries on it."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, F
from django.test import Client
from django.utils import timezone

from audit.chain import verify_chain
from audit.models import AuditEvent
from charting.consent import consent_in_force
from charting.lots import vial_refusal
from charting.models import DueReview, Injection, SignedRecordError, Treatment
from charting.reviews.models import Review
from charting.reviews.review import signing_refusals
from charting.seal import verify
from clinic.hours import check_open, hours_warning
from clinic.models import (
    HOLDS_TIME,
    Appointment,
    Location,
    OpeningHours,
    Patient,
    User,
    WorkingHours,
)
from planning.choices import VisitKind
from planning.models import MovementMap, Observation, Photo, Screening, Visit
from planning.movement import expressions_with_muscles
from tools.bench import pages
from tools.bench.generate import BenchDataRefused, make_bench_data
from tools.bench.measure import count_queries
from tools.bench.people import BENCH_DOMAIN, INJECTORS, LOCATIONS

N = 12


@pytest.fixture
def bench_data(db):
    make_bench_data(patients=N, verbosity=0)


def test_staff_locations_and_patients(bench_data):
    assert set(Location.objects.values_list("name", flat=True)) == set(LOCATIONS)
    staff = User.objects.filter(email__endswith=BENCH_DOMAIN)
    assert staff.filter(groups__name="injector").count() == INJECTORS
    assert staff.filter(groups__name="front desk").exists()
    assert staff.filter(groups__name="clinic admin").exists()
    patients = list(Patient.objects.all())
    assert len(patients) == N
    assert all(
        p.phone_digits and p.phone_digits in "".join(filter(str.isdigit, p.phone)) for p in patients
    )
    assert len({p.chart_number for p in patients}) == N


def test_every_patient_has_a_history_of_cycles(bench_data):
    for patient in Patient.objects.all():
        visits = list(Visit.objects.filter(patient=patient).order_by("date", "id"))
        kinds = Counter(v.kind for v in visits)
        # One consultation, first; 1-12 treatments; a review 14 days after each past treatment.
        assert kinds[VisitKind.CONSULTATION] == 1
        assert visits[0].kind == VisitKind.CONSULTATION
        assert 1 <= kinds[VisitKind.TREATMENT] <= 12
        treatment_days = {v.date for v in visits if v.kind == VisitKind.TREATMENT}
        for review in (v for v in visits if v.kind == VisitKind.REVIEW):
            assert review.date - datetime.timedelta(days=14) in treatment_days
        assert all(v.date <= datetime.date.today() for v in visits)
        assert len({v.injector_id for v in visits}) == 1


def test_screenings_maps_and_photos(bench_data, settings):
    screened = Visit.objects.exclude(kind=VisitKind.REVIEW)
    assert Screening.objects.count() == screened.count()
    assert not screened.filter(screenings__isnull=True).exists()
    cells = sum(len(m.graded_sides) for e in expressions_with_muscles() for m in e.muscles.all())
    per_map = MovementMap.objects.annotate(n=Count("observations")).values_list("n", flat=True)
    assert set(per_map) == {cells}
    # Each patient: a map of the first consultation and of the latest treatment.
    assert MovementMap.objects.count() == 2 * N
    assert Observation.objects.filter(grade__gt=3).count() == 0
    storage = storages["private"]
    for photo in Photo.objects.all():
        assert photo.visit.kind == VisitKind.TREATMENT
        assert storage.exists(photo.file_name) and storage.exists(photo.thumbnail_name)


def test_every_treatment_has_a_final_plan_of_10_to_40_points(bench_data):
    from planning.models import TreatmentPlan

    treatments = Visit.objects.filter(kind=VisitKind.TREATMENT)
    plans = TreatmentPlan.objects.annotate(n=Count("points"))
    assert plans.count() == treatments.count()
    assert set(plans.values_list("visit_id", flat=True)) == set(
        treatments.values_list("pk", flat=True)
    )
    assert all(10 <= n <= 40 for n in plans.values_list("n", flat=True))
    assert not plans.exclude(status="final").exists()
    for patient in Patient.objects.all():
        latest = plans.filter(visit__patient=patient).order_by("-visit__date").first()
        assert latest.n == 40  # the plan page the bench measures


def test_due_reviews_point_at_a_treatment(bench_data):
    """Each latest signed treatment of the last three weeks has its due review, and
    every due review belongs to such a treatment of its patient."""
    recent = timezone.localdate() - datetime.timedelta(days=DueReview.OVERDUE_AFTER_DAYS)
    latest = {
        t.visit.patient_id: t
        for t in Treatment.objects.signed()
        .filter(visit__kind=VisitKind.TREATMENT)
        .select_related("visit")
        .order_by("started_at")
    }
    expected = {t.pk for t in latest.values() if t.visit.date >= recent}
    assert set(DueReview.objects.values_list("treatment_id", flat=True)) == expected
    for due in DueReview.objects.select_related("treatment__visit"):
        assert due.treatment.is_signed and due.treatment.visit.kind == VisitKind.TREATMENT
        assert due.treatment.visit.patient_id == due.patient_id
        assert due.due_on - datetime.timedelta(days=14) == due.overdue_after - datetime.timedelta(
            days=21
        )


def test_appointments_never_overlap(bench_data):
    appointments = list(Appointment.objects.filter(status__in=HOLDS_TIME).order_by("starts_at"))
    assert appointments
    by_injector: dict[int, list] = {}
    for a in appointments:
        by_injector.setdefault(a.injector_id, []).append(a)
    for rows in by_injector.values():
        for before, after in zip(rows, rows[1:], strict=False):
            assert before.ends_at <= after.starts_at
    per_patient_day = Counter((a.patient_id, a.starts_at.date()) for a in appointments)
    assert max(per_patient_day.values()) == 1
    assert not Appointment.objects.filter(status="cancelled", cancel_reason="").exists()
    assert Appointment.objects.filter(status="booked").exists()  # the weeks ahead


def test_appointments_keep_to_the_hours(bench_data):
    """The bench's locations have opening hours and its injectors working hours, and
    its booked weeks keep to them as ``clinic.hours`` (every booking door's rule) asks."""
    assert OpeningHours.objects.count() == len(LOCATIONS) * 7
    assert WorkingHours.objects.filter(starts_at__gt=datetime.time(8)).exists()  # shaded columns
    since = timezone.now() - datetime.timedelta(days=14)
    recent = Appointment.objects.filter(status__in=HOLDS_TIME, starts_at__gte=since)
    checked = 0
    for a in recent.select_related("location", "injector"):
        check_open(
            location=a.location, injector=a.injector, starts_at=a.starts_at, ends_at=a.ends_at
        )
        assert (
            hours_warning(
                location=a.location, injector=a.injector, starts_at=a.starts_at, ends_at=a.ends_at
            )
            == ""
        )
        checked += 1
    assert checked >= 14


def test_every_session_is_a_signed_chart_of_its_plan(bench_data):
    treatment_visits = set(
        Visit.objects.filter(kind=VisitKind.TREATMENT).values_list("pk", flat=True)
    )
    treatments = list(Treatment.objects.select_related("visit", "plan", "product"))
    assert {t.visit_id for t in treatments} >= treatment_visits  # every session is charted
    points = dict(Treatment.objects.annotate(n=Count("plan__points")).values_list("pk", "n"))
    given = dict(Treatment.objects.annotate(n=Count("injections")).values_list("pk", "n"))
    for treatment in treatments:
        assert treatment.plan_id is not None and treatment.is_signed
        assert treatment.product_id == treatment.plan.product_id
        assert verify(treatment), treatment.pk  # the stored record hashes to what was signed
        if treatment.visit_id in treatment_visits:
            assert treatment.plan.visit_id == treatment.visit_id
            assert given[treatment.pk] == points[treatment.pk]  # one injection per point
            assert consent_in_force(visit=treatment.visit) is not None
        else:  # a touch-up: on the review visit, signed with the review
            review = Review.objects.get(touch_up=treatment)
            assert treatment.visit_id == review.visit_id
            assert treatment.signed_at == review.signed_at
            assert treatment.plan_id == review.treatment.plan_id
            assert 1 <= given[treatment.pk] <= 3


def test_every_injection_is_from_a_usable_lot_of_its_treatments_product(bench_data):
    injections = Injection.objects.select_related("vial__lot__product", "treatment__product")
    assert not injections.filter(vial__isnull=True).exists()
    assert not injections.exclude(vial__lot__product=F("treatment__product")).exists()
    for injection in injections:
        treatment = injection.treatment
        refusal = vial_refusal(
            vial=injection.vial, product=treatment.product, at=treatment.signed_at
        )
        assert refusal is None, refusal


def test_every_review_follows_a_signed_treatment_and_grades_it(bench_data):
    review_visits = Visit.objects.filter(kind=VisitKind.REVIEW)
    reviews = list(Review.objects.select_related("visit", "treatment__visit"))
    assert sorted(r.visit_id for r in reviews) == sorted(review_visits.values_list("pk", flat=True))
    for review in reviews:
        session = review.treatment.visit
        assert review.is_signed and review.treatment.is_signed
        assert session.kind == VisitKind.TREATMENT and session.patient_id == review.visit.patient_id
        assert review.visit.date - session.date == datetime.timedelta(days=14)
        assert signing_refusals(review=review) == []  # a finding per treated muscle and side
    assert any(r.touch_up_id for r in reviews)


def test_the_audit_chain_verifies(bench_data):
    call_command("verify_audit_chain", verbosity=0)  # raises when the chain is broken
    report = verify_chain()
    assert report.ok and report.checked == AuditEvent.objects.count()
    # Record views of every patient, written in time order like a real log.
    assert set(AuditEvent.objects.values_list("patient_id", flat=True)) == set(
        Patient.objects.values_list("pk", flat=True)
    )
    times = list(AuditEvent.objects.order_by("seq").values_list("at", flat=True))
    assert times == sorted(times)


def test_the_chart_lock_holds_again_after_the_load(bench_data):
    treatment = Treatment.objects.signed().first()
    with pytest.raises(SignedRecordError):
        Treatment.objects.filter(pk=treatment.pk).update(notes="changed")
    if connection.vendor == "postgresql":  # the triggers are back on for the session
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE charting_treatment SET notes = 'changed' WHERE id = %s", [treatment.pk]
            )


def test_a_second_run_is_refused(bench_data):
    with pytest.raises(BenchDataRefused, match="exists already"):
        make_bench_data(patients=2, verbosity=0)


def test_the_bench_sessions_log_in_and_every_page_answers(bench_data, settings):
    import random

    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    built = pages.build(random.Random(1))
    assert {p.name for p in built} >= {
        "patient search",
        "front desk day view",
        "movement-map page",
        "signed chart page",
    }
    for page in built:
        user = pages.bench_user(page.role)
        client = Client()
        name, _, value = pages.session_cookie(user, settings.SESSION_COOKIE_NAME).partition("=")
        client.cookies[name] = value
        response = client.get(page.paths[0])
        assert response.status_code == 200, page.name
        assert count_queries(page, user) > 0
