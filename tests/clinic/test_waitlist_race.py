"""Two desks book two waiting patients into the same freed time at once, each from its
own page: one is booked, the other gets a message and stays waiting (the booking rule's
exclusion constraint on PostgreSQL, reached through ``clinic.waitlist.book_from_waitlist``)."""

import datetime
import re
import threading

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from clinic.models import Appointment, WaitlistEntry
from clinic.once import FIELD
from clinic.slots import local_today
from tests.conftest import need
from tests.factories import PatientFactory, at, make_appointment, make_waitlist_entry

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_desks_one_freed_time_one_booking(front_desk, clinic_admin, injector, location):
    need(settings.DATABASE_IS_POSTGRES, "the race needs PostgreSQL's exclusion constraint")
    day = local_today(location) + datetime.timedelta(days=2)
    freed = make_appointment(
        patient=PatientFactory(),
        injector=injector,
        starts_at=at(location, day, "10:00"),
        minutes=30,
        status=Appointment.Status.CANCELLED,
    )
    entries = [
        make_waitlist_entry(patient=PatientFactory(), location=location, by=front_desk)
        for _ in range(2)
    ]
    desks = [Client(), Client()]
    desks[0].force_login(front_desk)
    desks[1].force_login(clinic_admin)
    posts = []
    for desk, entry in zip(desks, entries, strict=True):
        action = reverse("waitlist_book", args=[entry.pk])
        page = desk.get(freed.get_absolute_url()).content.decode()
        token = re.search(rf'action="{action}".*?name="{FIELD}" value="([^"]+)"', page, re.S)
        posts.append((action, {FIELD: token.group(1), "freed": freed.pk}))
    start = threading.Barrier(2, timeout=10)
    responses = [None, None]

    def tap(n: int) -> None:
        try:
            start.wait()
            responses[n] = desks[n].post(*posts[n], follow=True)
        finally:
            connection.close()

    threads = [threading.Thread(target=tap, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [r.status_code for r in responses] == [200, 200]
    booked = Appointment.objects.filter(patient__in=[e.patient for e in entries])
    assert booked.count() == 1
    states = sorted(WaitlistEntry.objects.values_list("state", flat=True))
    assert states == ["booked", "waiting"]
    texts = [r.content.decode() for r in responses]
    assert sum("Booked from the waitlist" in t for t in texts) == 1
    assert sum("Nothing was booked" in t or "nothing was booked" in t for t in texts) == 1
