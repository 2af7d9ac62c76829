"""Signing: what it requires, the lock at the model layer, the review it books, addenda."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from charting.errors import ChartingError
from charting.models import (
    Addendum,
    AdverseEvent,
    DueReview,
    Injection,
    SignedRecordError,
    Treatment,
)
from charting.seal import verify
from charting.signing import add_addendum, sign_treatment
from clinic.models import Appointment
from clinic.roles import Role
from tests.factories import PASSWORD, UserFactory, charted_treatment, signed_treatment
from tests.queries import audit_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(injector, patient):
    return signed_treatment(patient=patient, injector=injector)


def test_signing_stores_who_when_and_the_hash(injector, patient):
    treatment = charted_treatment(patient=patient, injector=injector)
    result = sign_treatment(treatment=treatment, by=injector, password=PASSWORD)
    treatment = Treatment.objects.get(pk=treatment.pk)
    assert treatment.signed_by == injector and treatment.signed_at is not None
    assert len(treatment.content_hash) == 64 and verify(treatment)
    assert result.review is not None


def test_raw_sql_cannot_change_a_signed_chart_or_the_hash_shows_it(signed):
    """Below the ORM: PostgreSQL's triggers refuse the write; where there are none
    (SQLite), the content hash no longer verifies."""
    from django.db import DatabaseError, connection, transaction

    sql = "UPDATE charting_injection SET units = 9 WHERE treatment_id = %s"
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="signed and locked"), transaction.atomic():
            connection.cursor().execute(sql, [signed.pk])
        with pytest.raises(DatabaseError, match="signed and locked"), transaction.atomic():
            connection.cursor().execute("DELETE FROM charting_treatment WHERE id = %s", [signed.pk])
        assert verify(signed)
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, [signed.pk])
        assert not verify(signed)


def test_signing_asks_for_the_password_again(injector, patient):
    treatment = charted_treatment(patient=patient, injector=injector)
    with pytest.raises(ChartingError, match="password") as refused:
        sign_treatment(treatment=treatment, by=injector, password="not-it")
    assert refused.value.field == "password"
    assert not Treatment.objects.signed().exists()


def test_signing_without_consent_is_refused(injector, patient):
    treatment = charted_treatment(patient=patient, injector=injector, consent=False)
    with pytest.raises(ChartingError, match="consent"):
        sign_treatment(treatment=treatment, by=injector, password=PASSWORD)
    assert not DueReview.objects.exists()


def test_signing_without_injections_is_refused(injector, patient):
    treatment = charted_treatment(patient=patient, injector=injector)
    treatment.injections.all().delete()
    with pytest.raises(ChartingError, match="no injections"):
        sign_treatment(treatment=treatment, by=injector, password=PASSWORD)


def test_signing_without_a_vial_for_every_injection_is_refused(injector, patient):
    treatment = charted_treatment(patient=patient, injector=injector, vial=False)
    with pytest.raises(ChartingError, match="vial"):
        sign_treatment(treatment=treatment, by=injector, password=PASSWORD)


def test_a_vial_that_expired_before_signing_is_refused(injector, patient):
    treatment = charted_treatment(patient=patient, injector=injector)
    later = timezone.now() + datetime.timedelta(hours=25)
    with pytest.raises(ChartingError, match="usable until"):
        sign_treatment(treatment=treatment, by=injector, password=PASSWORD, now=later)


def test_signing_twice_is_impossible(signed, injector):
    with pytest.raises(ChartingError, match="already signed"):
        sign_treatment(treatment=signed, by=injector, password=PASSWORD)
    assert DueReview.objects.count() == 1


def test_only_an_injector_signs(patient, injector, clinic_admin):
    treatment = charted_treatment(patient=patient, injector=injector)
    with pytest.raises(ChartingError, match="injector"):
        sign_treatment(treatment=treatment, by=clinic_admin, password=PASSWORD)


def test_signing_books_exactly_one_review_on_day_14(signed, injector):
    review = Appointment.objects.get(kind=Appointment.Kind.REVIEW)
    due = DueReview.objects.get()
    treated_day = timezone.localtime(signed.started_at).date()
    assert due.due_on == treated_day + datetime.timedelta(days=14)
    assert timezone.localtime(review.starts_at).date() >= due.due_on
    assert review.injector == injector and review.location == signed.visit.location
    assert signed.review_days == 14


@pytest.mark.parametrize(("days", "ok"), [(10, True), (21, True), (9, False), (22, False)])
def test_the_review_day_is_adjustable_from_10_to_21(injector, patient, days, ok):
    treatment = charted_treatment(patient=patient, injector=injector)
    if ok:
        sign_treatment(treatment=treatment, by=injector, password=PASSWORD, review_days=days)
        due = DueReview.objects.get()
        assert due.due_on == timezone.localtime(treatment.started_at).date() + datetime.timedelta(
            days=days
        )
    else:
        with pytest.raises(ChartingError, match="10 to 21"):
            sign_treatment(treatment=treatment, by=injector, password=PASSWORD, review_days=days)
        assert not Treatment.objects.signed().exists()


def test_the_review_appears_on_the_front_desks_lists(signed, desk_client):
    patient = signed.visit.patient
    review = Appointment.objects.get(kind=Appointment.Kind.REVIEW)
    listed = desk_client.get(reverse("reviews_due"), {"booked": "on"}).content.decode()
    assert f"{patient.last_name}, {patient.first_name}" in listed
    day = timezone.localtime(review.starts_at).date()
    page = desk_client.get(
        reverse("schedule_day"), {"day": day.isoformat(), "location": review.location_id}
    ).content.decode()
    assert patient.last_name in page


# --- the lock, at the model layer ----------------------------------------------------


def test_a_signed_treatment_refuses_orm_updates_and_deletes(signed):
    with pytest.raises(SignedRecordError):
        Treatment.objects.filter(pk=signed.pk).update(wasted_units=Decimal("3"))
    with pytest.raises(SignedRecordError):
        Treatment.objects.filter(pk=signed.pk).delete()
    signed.notes = "changed afterwards"
    with pytest.raises(SignedRecordError):
        signed.save()
    with pytest.raises(SignedRecordError):
        signed.delete()
    signed.refresh_from_db()
    assert signed.notes == "" and verify(signed)


def test_a_stale_unsigned_copy_cannot_overwrite_the_signed_row(injector, patient):
    treatment = charted_treatment(patient=patient, injector=injector)
    stale = Treatment.objects.get(pk=treatment.pk)
    sign_treatment(treatment=treatment, by=injector, password=PASSWORD)
    stale.wasted_units = Decimal("10")
    with pytest.raises(SignedRecordError):
        stale.save()


def test_the_injections_of_a_signed_treatment_are_locked(signed, injector):
    injection = signed.injections.first()
    with pytest.raises(SignedRecordError):
        Injection.objects.filter(treatment=signed).update(units=Decimal("9"))
    with pytest.raises(SignedRecordError):
        Injection.objects.filter(pk=injection.pk).delete()
    injection.units = Decimal("9")
    with pytest.raises(SignedRecordError):
        injection.save()
    with pytest.raises(SignedRecordError):
        injection.delete()
    with pytest.raises(SignedRecordError):
        Injection.objects.bulk_update([injection], ["units"])
    extra = Injection(treatment=signed, muscle=injection.muscle, side="L", units=Decimal("2"))
    with pytest.raises(SignedRecordError):
        extra.save()
    with pytest.raises(SignedRecordError):
        Injection.objects.bulk_create([extra])
    assert signed.injections.count() == 5 and verify(signed)


def test_adverse_events_of_a_signed_treatment_are_locked(signed, injector):
    with pytest.raises(SignedRecordError):
        AdverseEvent.objects.create(treatment=signed, kind="bruise", recorded_by=injector)


def test_unsigned_charts_stay_editable(injector, patient):
    treatment = charted_treatment(patient=patient, injector=injector)
    assert Injection.objects.filter(treatment=treatment).update(units=Decimal("3")) == 5
    treatment.notes = "still open"
    treatment.save()


def test_a_post_to_edit_a_signed_chart_is_refused(signed, injector_client):
    injection = signed.injections.first()
    url = reverse("charting:chart_save", args=[signed.visit_id])
    response = injector_client.post(url, {"version": 1, f"u-{injection.pk}": "9"})
    assert response.status_code == 409
    assert "signed and locked" in response.content.decode()
    for name in ("adverse_event", "vial_add", "sign"):
        response = injector_client.post(reverse(f"charting:{name}", args=[signed.visit_id]), {})
        assert response.status_code == 409, name
    injection.refresh_from_db()
    assert injection.units == Decimal("4") and verify(signed)


def test_the_signed_chart_is_read_only_in_the_ui(signed, injector_client):
    page = injector_client.get(reverse("charting:chart", args=[signed.visit_id])).content.decode()
    assert 'data-testid="locked"' in page
    assert 'data-testid="chart-form"' not in page and '<input class="form-control' not in page


def test_sign_view_books_the_review_and_shows_the_lock(injector_client, injector, patient):
    treatment = charted_treatment(patient=patient, injector=injector)
    url = reverse("charting:sign", args=[treatment.visit_id])
    response = injector_client.post(url, {"password": "wrong", "review_days": 14})
    assert response.status_code == 422 and "password is not correct" in response.content.decode()
    response = injector_client.post(url, {"password": PASSWORD, "review_days": 12}, follow=True)
    page = response.content.decode()
    assert "Chart signed and locked." in page and "Two-week review booked" in page
    assert DueReview.objects.get().due_on == timezone.localtime(
        treatment.started_at
    ).date() + datetime.timedelta(days=12)


# --- addenda -------------------------------------------------------------------------


def test_the_signer_adds_an_addendum_that_never_changes(signed, injector):
    addendum = add_addendum(
        treatment=signed, reason="Late entry", text="Patient reported mild headache.", by=injector
    )
    addendum.text = "rewritten"
    with pytest.raises(SignedRecordError):
        addendum.save()
    with pytest.raises(SignedRecordError):
        Addendum.objects.filter(pk=addendum.pk).update(text="x")
    with pytest.raises(SignedRecordError):
        Addendum.objects.all().delete()
    assert verify(signed)


def test_an_admin_may_add_an_addendum_another_injector_may_not(signed, clinic_admin):
    add_addendum(
        treatment=signed, reason="Audit", text="Checked lot against stock.", by=clinic_admin
    )
    other = UserFactory(email="other@test.clinic", role=Role.INJECTOR)
    with pytest.raises(ChartingError, match="Only the injector who signed"):
        add_addendum(treatment=signed, reason="x", text="y", by=other)


def test_an_addendum_needs_a_signed_chart_a_reason_and_text(injector, patient):
    treatment = charted_treatment(patient=patient, injector=injector)
    with pytest.raises(ChartingError, match="not signed"):
        add_addendum(treatment=treatment, reason="r", text="t", by=injector)
    treatment = sign_treatment(treatment=treatment, by=injector, password=PASSWORD).treatment
    with pytest.raises(ChartingError, match="why"):
        add_addendum(treatment=treatment, reason=" ", text="t", by=injector)


def test_addenda_show_under_the_original(signed, injector_client):
    url = reverse("charting:addendum", args=[signed.visit_id])
    response = injector_client.post(url, {"reason": "Correction", "text": "Left CORR was 4.5 U."})
    assert response.status_code == 302
    page = injector_client.get(reverse("charting:chart", args=[signed.visit_id])).content.decode()
    assert page.index('data-testid="locked"') < page.index("Left CORR was 4.5 U.")


def test_the_history_provider_answers_from_signed_treatments(signed, patient):
    from planning import treatment_history as history

    product = signed.product
    today = timezone.localdate()
    given = history.doses(
        patient=patient, ingredient=product.generic_name, since=today, until=today
    )
    assert [(d.units, d.kind) for d in given] == [(Decimal("20"), "chart")]
    assert (
        history.last_toxin_date(patient=patient, before=today + datetime.timedelta(days=1)) == today
    )


def test_the_history_counts_each_visit_once_the_chart_replacing_the_plan(injector, patient):
    from planning import treatment_history as history

    treatment = charted_treatment(patient=patient, injector=injector)
    today = timezone.localdate()

    def given():
        doses = history.doses(
            patient=patient, ingredient=treatment.product.generic_name, since=today, until=today
        )
        return sum(d.units for d in doses)

    assert given() == Decimal("20")  # not signed yet: the final plan counts (safe side)
    treatment.injections.update(units=Decimal("3"))
    sign_treatment(treatment=treatment, by=injector, password=PASSWORD)
    assert given() == Decimal("15")  # signed: what was injected, never plan + chart


def test_a_vial_used_in_a_signed_chart_cannot_be_deleted(signed):
    from django.db.models import ProtectedError

    vial = signed.injections.first().vial
    with pytest.raises(ProtectedError):
        vial.delete()


# session, user, roles; visit and people with the chart (one query: charting.access);
# one statement for the rest of the signed chart's own rows
# (charting.views.signed_reads, issue 22 fifth session): the injections' values with
# their muscles, their vials with lots, the adverse events' values, the visit's
# consents (the signature checked over the stored values on every view, issue 18; the
# consent shown is the one in force at signing, from these), the addenda, the due
# review and its booking, the visit's report jobs (the reports card), the visit's latest
# screening (planning.screening_state takes it); the active location and the location list;
# +audit_event(): the read is audited (the view hands its visit's patient over).
# Read with the signed part in the cache; a first read reads the injections and the
# events again as models to render it (two more, test below).
SIGNED_CHART_QUERIES = 7 + audit_event()


@pytest.mark.parametrize("addenda", [1, 15])
def test_the_signed_chart_has_a_constant_query_count(
    signed, injector, injector_client, django_assert_num_queries, addenda
):
    for n in range(addenda):
        add_addendum(treatment=signed, reason="Note", text=f"Addendum {n}", by=injector)
    url = reverse("charting:chart", args=[signed.visit_id])
    injector_client.get(url)
    with django_assert_num_queries(SIGNED_CHART_QUERIES):
        response = injector_client.get(url)
    assert response.content.decode().count('data-testid="addendum"') == addenda


def test_a_first_read_of_a_signed_chart_reads_its_rows_as_models_too(
    signed, injector_client, django_assert_num_queries
):
    cache.clear()
    with django_assert_num_queries(SIGNED_CHART_QUERIES + 2):
        response = injector_client.get(reverse("charting:chart", args=[signed.visit_id]))
    assert 'data-testid="seal-ok"' in response.content.decode()
