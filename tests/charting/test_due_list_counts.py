"""The reviews-due list's counts ("N of M", "N overdue") are kept per version of the
list (``charting.due_list_counts``; the version's triggers in migration charting
0013) and are never the counts of an earlier state of the list.

Doors that change the list, each followed by a view of the list: a due review
recorded (signing), the desk's "Book review", a cancellation through the booking
rules, the Django admin's change form, a bulk update that sends no signal, a
dismissal on the page; and the day turning, which moves "overdue". A desk note on
a review appointment is not a change to the list. A second view
with nothing changed is served from the kept counts (one query fewer): without
that, this test would pass with nothing kept at all.

Seen red: with the trigger on a review appointment's update dropped (after the
cancellation the page still said 3 overdue, the booked state's count), and with the
due review's trigger dropped (a new overdue review was not counted: 3 for 4)."""

from __future__ import annotations

import contextlib
import datetime
import threading

import pytest
from django.db import connection, connections, transaction
from django.db.models import Q
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import ChainHead
from charting import due_list_counts
from charting.due_reviews import book_due_review
from charting.models import DueReview
from clinic import scheduling
from clinic.models import Appointment
from tests.conftest import need
from tests.factories import PatientFactory, make_due_review

pytestmark = pytest.mark.django_db


def shown(client) -> tuple[int, int]:
    page = client.get(reverse("reviews_due"))
    assert page.status_code == 200
    return page.context["page"].paginator.count, page.context["overdue_count"]


def test_every_door_that_changes_the_list_changes_its_counts(
    desk_client, injector, clinic_admin, django_assert_num_queries
):
    need(connection.vendor == "postgresql", "the list's version is PostgreSQL's triggers")
    admin = Client()
    admin.force_login(clinic_admin)
    overdue = [
        make_due_review(patient=PatientFactory(), injector=injector, treated_days_ago=25)
        for _ in range(3)
    ]
    make_due_review(patient=PatientFactory(), injector=injector, treated_days_ago=12)
    assert shown(desk_client) == (4, 3)
    # Nothing changed: the kept counts, no count query (8 queries on a first view).
    with django_assert_num_queries(7):
        assert shown(desk_client) == (4, 3)

    # A chart signed: its due review recorded.
    make_due_review(patient=PatientFactory(), injector=injector, treated_days_ago=30)
    assert shown(desk_client) == (5, 4)
    # The desk books one (the list's "Book review").
    booked = book_due_review(due=overdue[0], by=injector)
    assert shown(desk_client) == (4, 3)
    # Cancelled through the booking rules: owed again.
    scheduling.change_status(appointment=booked, to=Appointment.Status.CANCELLED, reason="Ill")
    assert shown(desk_client) == (5, 4)
    # Booked again, then cancelled in the Django admin.
    booked = book_due_review(due=overdue[0], by=injector)
    assert shown(desk_client) == (4, 3)
    data = {
        "injector": injector.pk,
        "status": Appointment.Status.CANCELLED,
        "cancel_reason": "Called to cancel",
        "desk_note": "",
        **_admin_times(booked),
    }
    changed = admin.post(f"/admin/clinic/appointment/{booked.pk}/change/", data, follow=True)
    assert changed.status_code == 200
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CANCELLED
    assert shown(desk_client) == (5, 4)
    # A bulk update (no model save, no signal) puts the cancelled booking back.
    Appointment.objects.filter(pk=booked.pk).update(status=Appointment.Status.BOOKED)
    assert shown(desk_client) == (4, 3)
    # Dismissed on the page.
    desk_client.post(reverse("review_dismiss", args=[overdue[1].pk]), {"reason": "Moved away"})
    assert DueReview.objects.get(pk=overdue[1].pk).closed_as == "dismissed"
    assert shown(desk_client) == (3, 2)
    # A desk note is not a change to the list: the kept counts still serve.
    Appointment.objects.filter(pk=booked.pk).update(desk_note="Prefers mornings")
    with django_assert_num_queries(7):
        assert shown(desk_client) == (3, 2)


def _admin_times(appointment: Appointment) -> dict:
    start, end = timezone.localtime(appointment.starts_at), timezone.localtime(appointment.ends_at)
    return {
        "starts_at_0": start.strftime("%Y-%m-%d"),
        "starts_at_1": start.strftime("%H:%M:%S"),
        "ends_at_0": end.strftime("%Y-%m-%d"),
        "ends_at_1": end.strftime("%H:%M:%S"),
    }


def test_the_day_turning_is_a_new_count(injector):
    """Overdue moves with the day, not with a change: the day is part of what the
    counts are kept under."""
    need(connection.vendor == "postgresql", "the list's version is PostgreSQL's triggers")
    due = make_due_review(patient=PatientFactory(), injector=injector, treated_days_ago=20)
    listed = DueReview.objects.needing_booking()
    version = listed.annotate(v=due_list_counts.version_column()).values_list("v", flat=True)[0]

    def counted(today):
        overdue = Q(overdue_after__lt=today)
        return due_list_counts.counts(
            listed, overdue=overdue, version=version, today=today, filters=(False, None, None)
        )

    today = datetime.date.today()
    assert counted(today) == (1, 0)
    later = due.overdue_after + datetime.timedelta(days=1)
    assert counted(later) == (1, 1)
    assert counted(today) == (1, 0)


@pytest.mark.django_db(transaction=True)
def test_a_booking_and_a_cancellation_at_once_never_deadlock(injector):
    """Review finding: the list's version row and the audit chain's head were taken in
    opposite orders. A booking inserts its review appointment (the version's trigger)
    before its audit event (the head, ``audit.events``); a cancellation, a dismissal
    or an admin edit logs its audit event (the head) before its update (the version).
    Two desks at once deadlocked (PostgreSQL broke one with an error: a 500). The
    trigger now takes the head first, as every audited write does. Seen red without
    it: "deadlock detected" in one of the two desks."""
    need(connection.vendor == "postgresql", "the list's version is PostgreSQL's triggers")
    first, second = (
        book_due_review(
            due=make_due_review(patient=PatientFactory(), injector=injector), by=injector
        )
        for _ in range(2)
    )
    assert ChainHead.objects.filter(pk=1).exists()  # the bookings' audit events made it
    both_started = threading.Barrier(2)
    errors = []

    def desk(steps):
        try:
            with transaction.atomic():
                for n, step in enumerate(steps):
                    step()
                    if n == 0:
                        # the other desk's first step too, unless it is waiting on ours
                        with contextlib.suppress(threading.BrokenBarrierError):
                            both_started.wait(timeout=3)
        except Exception as exc:  # noqa: BLE001 - what the desk would see, collected
            errors.append(exc)
        finally:
            connections.close_all()

    def head():
        return ChainHead.objects.select_for_update().filter(pk=1).first()

    def touch(appointment):  # a column the list reads: its version's trigger fires
        booked = Appointment.Status.BOOKED
        return lambda: Appointment.objects.filter(pk=appointment.pk).update(status=booked)

    desks = [
        threading.Thread(target=desk, args=([touch(first), head],)),  # as a booking
        threading.Thread(target=desk, args=([head, touch(second)],)),  # as a cancellation
    ]
    for t in desks:
        t.start()
    for t in desks:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in desks)
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_a_restored_version_number_is_not_the_kept_one(desk_client, injector):
    """A database restored from a dump carries its sequence's older value: a running
    web process may have kept counts under that number for another state of the list.
    The version is the number with the transaction that wrote it (``xmin``), so the
    restored row is a version of its own. Seen red with the version as the number
    alone: the page showed the kept (2, 2) for a list of one."""
    need(connection.vendor == "postgresql", "the list's version is PostgreSQL's triggers")
    make_due_review(patient=PatientFactory(), injector=injector, treated_days_ago=25)
    second = make_due_review(patient=PatientFactory(), injector=injector, treated_days_ago=25)
    assert shown(desk_client) == (2, 2)  # kept under this number
    with connection.cursor() as cursor:
        cursor.execute("SELECT changed FROM charting_duelistversion WHERE id = 1")
        (kept_under,) = cursor.fetchone()
    desk_client.post(reverse("review_dismiss", args=[second.pk]), {"reason": "Moved away"})
    with connection.cursor() as cursor:  # what a restore writes: an older number
        cursor.execute("UPDATE charting_duelistversion SET changed = %s WHERE id = 1", [kept_under])
    assert shown(desk_client) == (1, 1)
