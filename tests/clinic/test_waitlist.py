"""The waitlist (issue 19): a patient waiting for an earlier slot is offered a freed time.

The rule is ``clinic.waitlist``. Its doors, each here: adding from the patient's page and
from an appointment's page (the waitlist form, through ``add_to_waitlist``); a freed
time, whichever door cancelled it (the desk's cancel page, the Django admin's status
change), shown on the cancelled appointment's page and on the waitlist page; one-tap
booking (``book_from_waitlist`` → ``clinic.scheduling.book_appointment``, inside
``clinic.once``); removing with a reason. A no-show frees nothing (marked after its
start). The factory adds entries through the same rule.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.errors import SchedulingError
from clinic.models import Appointment, WaitlistEntry
from clinic.once import FIELD
from clinic.slots import local_today
from clinic.waitlist import WaitlistError, freed_times, offers_for
from tests.factories import (
    PatientFactory,
    UserFactory,
    at,
    make_appointment,
    make_waitlist_entry,
)

pytestmark = pytest.mark.django_db
Status = Appointment.Status


@pytest.fixture
def day(location):
    return local_today(location) + datetime.timedelta(days=3)


@pytest.fixture
def freed(patient, injector, location, day):
    """A 45-minute treatment at 10:00 in three days, cancelled."""
    return make_appointment(
        patient=patient,
        injector=injector,
        starts_at=at(location, day, "10:00"),
        minutes=45,
        kind=Appointment.Kind.TREATMENT,
        status=Status.CANCELLED,
    )


def waiting(n: int, *, location, by, **extra) -> list[WaitlistEntry]:
    """``n`` patients waiting, the first added first (a minute apart)."""
    entries = []
    for i in range(n):
        entry = make_waitlist_entry(
            patient=PatientFactory(first_name=f"Wait{i}", last_name="Lister"),
            location=location,
            by=by,
            **extra,
        )
        WaitlistEntry.objects.filter(pk=entry.pk).update(
            created_at=timezone.now() - datetime.timedelta(minutes=60 - i)
        )
        entries.append(entry)
    return entries


def token_on(text: str, action: str) -> str:
    start = rf'action="{re.escape(action)}".*?' if action else ""
    form = re.search(rf'{start}name="{FIELD}" value="([^"]+)"', text, re.S)
    assert form, f"no one-time token in the form posting to {action}"
    return form.group(1)


def entry_form(who, location, day, **overrides) -> dict:
    data = {
        "patient": who.pk,
        "kind": "treatment",
        "location": location.pk,
        "injector": "",
        "times": "any",
        "time_from": "",
        "time_until": "",
        "first_day": day.isoformat(),
        "last_day": "",
        "desk_note": "Can come at short notice; call the mobile.",
    }
    data.update(overrides)
    return data


# --- adding --------------------------------------------------------------------------


def test_added_from_the_patient_page(desk_client, patient, location, day):
    page = desk_client.get(reverse("patient_detail", args=[patient.pk]))
    add_url = f"{reverse('waitlist_add')}?patient={patient.pk}"
    assert add_url.replace("&", "&amp;") in page.text
    form = desk_client.get(add_url)
    assert "Maya Lockwood" in form.text
    response = desk_client.post(
        add_url, entry_form(patient, location, day, weekdays=["0", "2"], times="morning")
    )
    entry = WaitlistEntry.objects.get()
    assert response.status_code == 302 and response["Location"] == entry.get_absolute_url()
    assert (entry.weekdays, entry.times, entry.state) == ("02", "morning", "waiting")
    listed = desk_client.get(reverse("waitlist"), {"location": location.pk})
    assert "Maya Lockwood" in listed.text and "Mon, Wed, mornings (before 12:00)" in listed.text


def test_added_from_an_appointment_page_takes_its_kind_place_and_injector(
    desk_client, patient, injector, location
):
    appointment = make_appointment(patient=patient, injector=injector, kind="treatment")
    page = desk_client.get(appointment.get_absolute_url())
    url = f"{reverse('waitlist_add')}?appointment={appointment.pk}"
    assert url in page.text
    form = desk_client.get(url).context["form"]
    assert form.initial["patient"] == patient.pk and form.initial["kind"] == "treatment"
    assert form.initial["injector"] == injector.pk and form.initial["location"] == location.pk


def test_added_twice_by_a_double_submit_is_one_entry(desk_client, patient, location, day):
    url = f"{reverse('waitlist_add')}?patient={patient.pk}"
    token = token_on(desk_client.get(url).text, reverse("waitlist_add"))
    data = {**entry_form(patient, location, day), FIELD: token}
    first = desk_client.post(reverse("waitlist_add"), data)
    second = desk_client.post(reverse("waitlist_add"), data, follow=True)
    assert WaitlistEntry.objects.count() == 1
    assert second.redirect_chain[0][0] == first["Location"]
    assert "already added; stored once" in second.text


def test_a_second_waiting_entry_for_the_same_visit_is_refused(front_desk, patient, location, day):
    make_waitlist_entry(patient=patient, location=location, by=front_desk, kind="treatment")
    with pytest.raises(WaitlistError, match="already waits for a treatment"):
        make_waitlist_entry(patient=patient, location=location, by=front_desk, kind="treatment")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"first_day": "PAST"}, "first_day", "has passed: the waitlist is for days from today"),
        ({"last_day": "PAST"}, "last_day", "Choose a day between"),
        ({"last_day": "BEFORE"}, "last_day", "The last day is before the first day."),
        ({"first_day": "9999-12-31"}, "first_day", "Choose a day between"),
        ({"times": "between", "time_from": "14:00"}, "time_from", "Give both times"),
        (
            {"times": "between", "time_from": "14:00", "time_until": "13:00"},
            "time_until",
            "The second time is before the first.",
        ),
        (
            {"times": "between", "time_from": "14:00", "time_until": "14:30"},
            "time_until",
            "A treatment takes 45 minutes",
        ),
        ({"times": "evening"}, "times", "Choose a time of day from the list."),
        ({"weekdays": ["7"]}, "weekdays", "Choose the weekdays from the list."),
        ({"desk_note": "call\x07me"}, "desk_note", "Remove the control characters"),
        ({"desk_note": "call\x00me"}, "desk_note", "Null characters are not allowed"),
        ({"desk_note": "x" * 5000}, "desk_note", "at most 250 characters"),
        ({"kind": "botox"}, "kind", "Select a valid choice"),
        ({"injector": "99999999"}, "injector", "That injector is unknown"),
        ({"patient": "99999999"}, None, "That patient is unknown"),
        ({"patient": "1e30"}, None, "That patient is unknown"),
    ],
)
def test_bad_input_is_a_message_on_the_page(
    desk_client, patient, location, day, overrides, field, message
):
    today = local_today(location)
    swap = {
        "PAST": (today - datetime.timedelta(days=1)).isoformat(),
        "BEFORE": (day - datetime.timedelta(days=1)).isoformat(),
    }
    data = entry_form(patient, location, day, **overrides)
    data = {k: swap.get(v, v) if isinstance(v, str) else v for k, v in data.items()}
    response = desk_client.post(reverse("waitlist_add"), data)
    assert response.status_code == 200
    assert message in response.text
    if field:
        assert any(message in e for e in response.context["form"].errors[field])
    assert not WaitlistEntry.objects.exists()


def test_an_inactive_patient_is_a_clear_message(desk_client, location, day):
    gone = PatientFactory(first_name="Ivo", last_name="Inactive", is_active=False)
    response = desk_client.post(reverse("waitlist_add"), entry_form(gone, location, day))
    assert response.status_code == 200
    assert "record is inactive: make it active" in response.text
    assert "Ivo Inactive" in response.context["form"].errors["patient"][0]
    assert not WaitlistEntry.objects.exists()


def test_an_injector_on_the_list_must_be_an_active_injector(front_desk, patient, location):
    with pytest.raises(SchedulingError, match="is not an active injector"):
        make_waitlist_entry(patient=patient, location=location, by=front_desk, injector=front_desk)


# --- freed times and offers -------------------------------------------------------------


def test_a_cancel_at_the_desk_offers_the_time_to_who_fits_in_order_of_waiting(
    desk_client, front_desk, patient, injector, location, day
):
    appointment = make_appointment(
        patient=patient,
        injector=injector,
        starts_at=at(location, day, "10:00"),
        minutes=45,
        kind="treatment",
    )
    first, second, third = waiting(3, location=location, by=front_desk)
    # who does not fit: another weekday, afternoons only, another injector, ended, elsewhere
    other_day = str((day.weekday() + 1) % 7)
    misfits = [
        make_waitlist_entry(patient=PatientFactory(), location=location, by=front_desk, **kw)
        for kw in (
            {"weekdays": other_day},
            {"times": "afternoon"},
            {"injector": UserFactory(role="injector")},
            {"last_day": day - datetime.timedelta(days=1)},
            {
                "kind": "treatment",
                "times": "between",
                "time_from": datetime.time(10, 30),
                "time_until": datetime.time(11, 30),
            },  # fmt: skip
        )
    ]
    response = desk_client.post(
        reverse("appointment_cancel", args=[appointment.pk]), {"reason": "Patient has flu"}
    )
    assert response.status_code == 302
    page = desk_client.get(appointment.get_absolute_url())
    offered = [offer.entry for offer, _ in page.context["waitlist_offers"]]
    assert offered == [first, second, third]
    assert not set(offered) & set(misfits)
    assert page.text.index("Wait0 Lister") < page.text.index("Wait1 Lister")
    assert "Book Wait0 10:00" in page.text
    listed = desk_client.get(reverse("waitlist"), {"location": location.pk})
    assert [o.entry for o, _ in listed.context["freed"][0][1]] == [first, second, third]


def test_a_shorter_visit_fits_a_longer_freed_time_and_starts_where_it_is_free(
    front_desk, patient, injector, location, day, freed
):
    (entry,) = waiting(1, location=location, by=front_desk)  # a consultation, 30 minutes
    other = PatientFactory()
    make_appointment(  # someone took 10:00–10:15 of the freed time meanwhile
        patient=other, injector=injector, starts_at=at(location, day, "10:00"), minutes=15
    )
    (offer,) = offers_for(freed)
    assert offer.entry == entry
    assert offer.starts_at == at(location, day, "10:15")
    assert offer.ends_at == at(location, day, "10:45")


def test_the_offer_leaves_the_injectors_turnover_free_before_and_after(
    settings, front_desk, injector, location, day, freed
):
    """The turnover after each visit (``clinic.buffers``) counts in the offer as in the
    booking rules: the one-tap booking would refuse an offer that eats into it."""
    settings.BUFFER_MINUTES_BY_KIND = {"consultation": 15}
    (entry,) = waiting(1, location=location, by=front_desk)  # a consultation, 30 minutes
    before = make_appointment(  # 09:30-10:00, blocked with its turnover until 10:15
        patient=PatientFactory(), injector=injector, starts_at=at(location, day, "09:30")
    )
    assert before.blocked_until == at(location, day, "10:15")
    (offer,) = offers_for(freed)
    assert (offer.entry, offer.starts_at) == (entry, at(location, day, "10:15"))
    # a booking at 10:30 leaves 10:15-10:30: the visit would fit, its turnover would not
    make_appointment(
        patient=PatientFactory(),
        injector=injector,
        starts_at=at(location, day, "10:30"),
        minutes=15,
        kind=Appointment.Kind.TOUCH_UP,
    )
    assert offers_for(freed) == []


def test_a_patient_busy_at_the_freed_time_is_not_offered_it(
    front_desk, location, injector, day, freed
):
    (entry,) = waiting(1, location=location, by=front_desk)
    make_appointment(
        patient=entry.patient,
        injector=UserFactory(role="injector"),
        location=location,
        starts_at=at(location, day, "09:45"),
        minutes=60,
    )
    assert offers_for(freed) == []


def test_the_django_admin_cancel_offers_the_time_too(
    admin_client, front_desk, patient, injector, location, day
):
    appointment = make_appointment(
        patient=patient, injector=injector, starts_at=at(location, day, "10:00"), minutes=45
    )
    waiting(1, location=location, by=front_desk)
    url = reverse("admin:clinic_appointment_change", args=[appointment.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {
        k: v
        for k, v in form.initial.items()
        if k in form.fields and v is not None and k != "confirm_outside_hours"
    }
    local = appointment.local_start.astimezone(timezone.get_current_timezone())
    end = appointment.ends_at.astimezone(timezone.get_current_timezone())
    data.update(
        {
            "starts_at_0": local.date().isoformat(),
            "starts_at_1": local.strftime("%H:%M:%S"),
            "ends_at_0": end.date().isoformat(),
            "ends_at_1": end.strftime("%H:%M:%S"),
            "injector": injector.pk,
            "status": "cancelled",
            "cancel_reason": "Called the clinic",
            "desk_note": "",
        }
    )
    data.pop("starts_at", None), data.pop("ends_at", None)
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED
    freed = freed_times(location=location)
    assert [a.pk for a, _ in freed] == [appointment.pk]


def test_a_no_show_frees_nothing(front_desk, patient, injector, location):
    (entry,) = waiting(1, location=location, by=front_desk)
    started = timezone.now() - datetime.timedelta(minutes=10)
    missed = make_appointment(
        patient=patient, injector=injector, starts_at=started, minutes=45, status=Status.NO_SHOW
    )
    assert offers_for(missed) == [] and freed_times(location=location) == []
    assert entry.state == "waiting"


# --- booking in one tap ---------------------------------------------------------------


def test_one_tap_books_the_entry_through_the_booking_rules(
    desk_client, front_desk, location, injector, day, freed
):
    (entry,) = waiting(1, location=location, by=front_desk, desk_note="Short notice is fine")
    page = desk_client.get(freed.get_absolute_url())
    action = reverse("waitlist_book", args=[entry.pk])
    token = token_on(page.text, action)
    response = desk_client.post(action, {FIELD: token, "freed": freed.pk}, follow=True)
    booked = Appointment.objects.get(patient=entry.patient)
    assert response.redirect_chain[-1][0] == booked.get_absolute_url()
    assert "Booked from the waitlist: Consultation for Wait0 Lister" in response.text
    assert booked.starts_at == freed.starts_at and booked.minutes == 30
    assert booked.injector == injector and booked.created_by == front_desk
    assert booked.desk_note == "Short notice is fine"
    entry.refresh_from_db()
    assert entry.state == "booked" and entry.appointment == booked
    listed = desk_client.get(reverse("waitlist"), {"location": location.pk, "show": "booked"})
    assert booked.get_absolute_url() in listed.text
    assert offers_for(freed) == []  # the freed time is taken


def test_a_double_tap_books_once(desk_client, front_desk, location, freed):
    (entry,) = waiting(1, location=location, by=front_desk)
    action = reverse("waitlist_book", args=[entry.pk])
    token = token_on(desk_client.get(freed.get_absolute_url()).text, action)
    first = desk_client.post(action, {FIELD: token, "freed": freed.pk})
    second = desk_client.post(action, {FIELD: token, "freed": freed.pk}, follow=True)
    assert Appointment.objects.filter(patient=entry.patient).count() == 1
    assert second.redirect_chain[0][0] == first["Location"]
    assert "already booked from the waitlist; booked once" in second.text


def test_a_second_tab_finds_the_entry_booked(desk_client, front_desk, location, freed):
    (entry,) = waiting(1, location=location, by=front_desk)
    action = reverse("waitlist_book", args=[entry.pk])
    page = desk_client.get(freed.get_absolute_url()).text
    other_tab = desk_client.get(freed.get_absolute_url()).text
    desk_client.post(action, {FIELD: token_on(page, action), "freed": freed.pk})
    again = desk_client.post(
        action,
        {FIELD: token_on(other_tab, action), "freed": freed.pk, "next": freed.get_absolute_url()},
        follow=True,
    )
    assert Appointment.objects.filter(patient=entry.patient).count() == 1
    assert "Wait0 Lister is no longer waiting: booked from the waitlist" in again.text


def test_the_freed_time_taken_meanwhile_is_a_message_and_nothing_booked(
    desk_client, front_desk, location, injector, day, freed
):
    (entry,) = waiting(1, location=location, by=front_desk)
    action = reverse("waitlist_book", args=[entry.pk])
    token = token_on(desk_client.get(freed.get_absolute_url()).text, action)
    make_appointment(  # another desk books the whole freed time first
        patient=PatientFactory(),
        injector=injector,
        starts_at=at(location, day, "10:00"),
        minutes=45,
    )
    response = desk_client.post(
        action, {FIELD: token, "freed": freed.pk, "next": freed.get_absolute_url()}, follow=True
    )
    assert response.status_code == 200
    assert "is no longer free for Wait0 Lister" in response.text
    assert "nothing was booked" in response.text
    assert not Appointment.objects.filter(patient=entry.patient).exists()
    entry.refresh_from_db()
    assert entry.state == "waiting"


@pytest.mark.parametrize("freed_id", ["", "abc", "99999999", "1e30"])
def test_an_unknown_freed_time_is_a_message(desk_client, front_desk, location, freed_id):
    (entry,) = waiting(1, location=location, by=front_desk)
    response = desk_client.post(
        reverse("waitlist_book", args=[entry.pk]), {"freed": freed_id}, follow=True
    )
    assert response.status_code == 200
    assert "That freed time is unknown" in response.text


def test_a_booked_appointment_is_no_freed_time(
    desk_client, front_desk, patient, injector, location
):
    (entry,) = waiting(1, location=location, by=front_desk)
    booked = make_appointment(patient=patient, injector=injector)
    response = desk_client.post(
        reverse("waitlist_book", args=[entry.pk]), {"freed": booked.pk}, follow=True
    )
    assert "is no longer free" in response.text
    assert Appointment.objects.count() == 1


# --- removing ---------------------------------------------------------------------------


def test_removed_with_a_reason(desk_client, front_desk, patient, location):
    entry = make_waitlist_entry(patient=patient, location=location, by=front_desk)
    url = reverse("waitlist_remove", args=[entry.pk])
    refused = desk_client.post(url, {"reason": "   "})
    assert refused.status_code == 200 and "Give a reason" in refused.text
    desk_client.post(url, {"reason": "Booked at another clinic"})
    entry.refresh_from_db()
    assert (entry.state, entry.removed_reason) == ("removed", "Booked at another clinic")
    again = desk_client.post(url, {"reason": "twice"})
    assert "no longer waiting: taken off the waitlist" in again.text


# --- who sees it, what it costs -------------------------------------------------------------


def test_injectors_do_not_manage_the_waitlist(injector_client, front_desk, patient, location):
    entry = make_waitlist_entry(patient=patient, location=location, by=front_desk)
    assert injector_client.get(reverse("waitlist")).status_code == 403
    assert injector_client.get(reverse("waitlist_remove", args=[entry.pk])).status_code == 403
    page = injector_client.get(reverse("patient_detail", args=[patient.pk]))
    assert reverse("waitlist_add") not in page.text


def test_the_waitlist_page_reads_a_constant_number_of_queries(
    desk_client, front_desk, injector, location, day, django_assert_num_queries
):
    def scene(n: int) -> None:
        for i in range(n):
            make_appointment(
                patient=PatientFactory(),
                injector=injector,
                starts_at=at(location, day + datetime.timedelta(days=i), "14:00"),
                minutes=45,
                status=Status.CANCELLED,
            )
        waiting(n, location=location, by=front_desk)

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            page = desk_client.get(reverse("waitlist"), {"location": location.pk})
        assert page.status_code == 200
        return len(queries)

    scene(2)
    few = count()
    scene(8)
    assert count() == few


def test_the_django_admin_shows_the_waitlist_read_only(admin_client, front_desk, patient, location):
    entry = make_waitlist_entry(patient=patient, location=location, by=front_desk)
    listed = admin_client.get(reverse("admin:clinic_waitlistentry_changelist"))
    assert listed.status_code == 200 and "Lockwood" in listed.text
    assert admin_client.get(reverse("admin:clinic_waitlistentry_add")).status_code == 403
    url = reverse("admin:clinic_waitlistentry_change", args=[entry.pk])
    admin_client.post(url, {"state": "removed", "removed_reason": "x"})
    entry.refresh_from_db()
    assert entry.state == "waiting"


def test_an_entry_whose_days_have_passed_says_so_and_is_offered_nothing(
    desk_client, front_desk, patient, location, freed
):
    entry = make_waitlist_entry(patient=PatientFactory(), location=location, by=front_desk)
    yesterday = local_today(location) - datetime.timedelta(days=1)
    WaitlistEntry.objects.filter(pk=entry.pk).update(first_day=yesterday, last_day=yesterday)
    listed = desk_client.get(reverse("waitlist"), {"location": location.pk})
    assert "ended" in listed.text and "no longer offered" in listed.text
    assert offers_for(freed) == []
