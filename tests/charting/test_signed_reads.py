"""The signed chart page's one statement (``charting.views.signed_reads``, issue 22,
fifth session) reads what the ORM reads: the same values of the same types for every
row it turns back into models or values (the seal hashes ``str()`` of them, the
templates format them), and the seal's content from its rows is the signed content."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from charting import seal
from charting.chart import add_adverse_event
from charting.choices import AdverseKind, Severity
from charting.consent import withdraw_consent
from charting.models import Consent, DueReview
from charting.reports.models import ReportJob
from charting.signing import add_addendum, sign_treatment
from charting.views import signed_reads
from planning.models import Screening
from planning.screening import acknowledge
from tests.factories import PASSWORD
from tests.factories.charting import charted_treatment
from tests.factories.planning import screen
from tests.factories.reports import make_report_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(patient, injector):
    """A chart with every kind of row the page reads: signed after a screening with a
    warning acknowledged and an adverse event; then an addendum, the consent withdrawn,
    two injection-map jobs."""
    treatment = charted_treatment(patient=patient, injector=injector)
    screening = screen(treatment.visit, injector, yes=("recent_toxin",), at=timezone.now())
    acknowledge(screening=screening, by=injector, note="Discussed the interval.")
    add_adverse_event(
        treatment=treatment, kind=AdverseKind.BRUISE, severity=Severity.MILD,
        note="Small bruise, left brow.", by=injector,
    )  # fmt: skip
    treatment = sign_treatment(treatment=treatment, by=injector, password=PASSWORD).treatment
    add_addendum(treatment=treatment, reason="Call", text="Patient called: fine.", by=injector)
    consent = Consent.objects.get(visit_id=treatment.visit_id)
    withdraw_consent(consent=consent, reason="Changed her mind.", by=injector)
    for minutes in (5, 1):
        make_report_job(
            by=injector, kind="injection_map", patient=patient, visit=treatment.visit,
            subject_id=treatment.pk,
            requested_at=timezone.now() - datetime.timedelta(minutes=minutes),
        )  # fmt: skip
    return treatment


# The statement (PostgreSQL) and the ORM reads it stands for on other databases (SQLite,
# `make run`'s; `make test-sqlite` runs this file there): both read what the ORM reads.
READERS = [
    pytest.param(signed_reads.read, id="read"),
    pytest.param(signed_reads._read_through_orm, id="orm"),
]


def same(read, orm, names) -> None:
    for name in names:
        mine, theirs = getattr(read, name), getattr(orm, name)
        assert (mine, type(mine)) == (theirs, type(theirs)), name
        assert str(mine) == str(theirs), name


def fields(model, *, skip=()):
    return [f.attname for f in model._meta.concrete_fields if f.attname not in skip]


@pytest.mark.parametrize("reader", READERS)
def test_the_statement_reads_what_the_orm_reads(signed, reader):
    rows = reader(signed)

    orm = list(signed.injections.for_pages().order_by("order", "pk"))
    assert [i.pk for i in rows.injections] == [i.pk for i in orm] and orm
    for mine, theirs in zip(rows.injections, orm, strict=True):
        same(mine, theirs, ("order", "muscle_id", *seal.INJECTION_VALUES))
        same(mine.muscle, theirs.muscle, ("code", "name", "paired"))
        same(mine.vial, theirs.vial, fields(type(theirs.vial)))
        same(mine.vial.lot, theirs.vial.lot, fields(type(theirs.vial.lot)))
        assert str(mine.vial.reconstituted_by) == str(theirs.vial.reconstituted_by)
    assert [v.pk for v in rows.vials] == list(dict.fromkeys(i.vial_id for i in orm))

    (event,) = rows.events
    same(event, signed.adverse_events.get(), ("pk", "kind", "severity", "note", "recorded_at"))

    (consent,) = rows.consents
    theirs = Consent.objects.get(visit_id=signed.visit_id)
    same(consent, theirs, fields(Consent, skip=("signature_png",)))
    assert consent.withdrawn_at is not None
    assert str(consent.witnessed_by) == str(theirs.witnessed_by)
    assert str(consent.withdrawn_by) == str(theirs.withdrawn_by)

    (addendum,) = rows.addenda
    theirs = signed.addenda.get()
    same(addendum, theirs, fields(type(theirs)))
    assert str(addendum.created_by) == str(theirs.created_by)

    orm_jobs = list(ReportJob.objects.for_visit(signed.visit).latest_first())
    assert [j.pk for j in rows.reports] == [j.pk for j in orm_jobs] and len(orm_jobs) == 2
    for mine, theirs in zip(rows.reports, orm_jobs, strict=True):
        same(mine, theirs, ("kind", "status", "requested_at"))
        assert mine.get_kind_display() == theirs.get_kind_display()

    due = DueReview.objects.select_related("injector", "location").with_state()
    theirs = due.get(treatment=signed)
    booking = ("booked_id", "booked_at", "booked_status")
    same(rows.due_review, theirs, ("due_on", "closed_as", *booking))
    assert rows.due_review.get_state_display() == theirs.get_state_display()
    assert str(rows.due_review.injector) == str(theirs.injector)
    assert rows.due_review.location.name == theirs.location.name

    theirs = (
        Screening.objects.filter(visit_id=signed.visit_id)
        .select_related("answered_by", "acknowledged_by")
        .latest_first()
        .first()
    )
    assert theirs.findings and theirs.acknowledged_by_id  # a warning, acknowledged
    same(rows.screening, theirs, fields(Screening))
    assert str(rows.screening.answered_by) == str(theirs.answered_by)
    assert str(rows.screening.acknowledged_by) == str(theirs.acknowledged_by)


@pytest.mark.parametrize("reader", READERS)
def test_the_seal_over_the_statements_rows_is_the_signed_content(signed, reader):
    rows = reader(signed)
    content = seal._content_from_rows(
        treatment=signed,
        injections=rows.injections,
        adverse_events=rows.events,
        consents=rows.consents,
    )
    assert content == seal.signed_content(signed)
    state = seal.state_of_rows(
        treatment=signed,
        injections=rows.injections,
        adverse_events=rows.events,
        consents=rows.consents,
    )
    assert state is seal.SealState.VERIFIED


@pytest.mark.parametrize("reader", READERS)
def test_a_chart_without_events_addenda_jobs_or_review_reads_empty_lists(patient, injector, reader):
    treatment = charted_treatment(patient=patient, injector=injector)
    treatment = sign_treatment(treatment=treatment, by=injector, password=PASSWORD).treatment
    DueReview.objects.filter(treatment=treatment).delete()
    rows = reader(treatment)
    assert rows.events == rows.addenda == rows.reports == [] and rows.due_review is None
    assert rows.injections and rows.vials and rows.consents and rows.screening is not None


def test_the_signed_chart_page_shows_what_it_read(signed, injector_client):
    """The page through the door the injector uses, on whichever database the tests run
    (the statement on PostgreSQL, the ORM reads on SQLite): the seal checked and the
    live parts around the signed part, on a first read and from the kept part."""
    url = reverse("charting:chart", args=[signed.visit_id])
    for _ in range(2):
        response = injector_client.get(url)
        assert response.status_code == 200
        page = response.content.decode()
        assert 'data-testid="seal-ok"' in page
        assert "Patient called: fine." in page  # the addendum
        assert "Changed her mind." in page  # the consent withdrawn
        assert page.count('data-testid="addendum"') == 1
