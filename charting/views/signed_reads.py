"""The signed chart page's own reads in one statement (issue 22, fifth session).

A signed chart page reads, on every view: the rows its seal covers (the injections
with their muscles, the vials they were drawn from with their lots and who
reconstituted them, the adverse events, the visit's consents with their witness and
who withdrew them), and what is live around the signed part (the addenda, the due
review and its booking, the visit's report jobs). Through the ORM that was seven
queries, and building each query's SQL cost more CPU than the database spent
answering it (docs/benchmarks.md: ~1.6 ms a query, a third of the page). Here it is
one SQL statement, written once per process from the models' own columns: one row,
one JSON list per part (a sub-select each), turned back into the same values the
ORM gives (each field's ``to_python``: decimals kept as their text, times as aware
datetimes), so the seal is checked over the same content (``seal.state_of_rows``)
and the templates get model rows (``Model.from_db``).

What is not read is left deferred, never guessed: a user's password, a consent's
signature image, a report job's columns the card does not show. A template that
reads one of them costs a query of its own (and the page tests count queries).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cache as once_per_process
from types import SimpleNamespace

from django.db import connection, models

from clinic import statements
from clinic.joined_read import Part as _Part
from clinic.joined_read import fields_of
from clinic.joined_read import split as _split
from clinic.models import Location, User
from planning.models import Muscle, Screening

from .. import seal
from ..models import Addendum, AdverseEvent, Consent, DueReview, Injection, Lot, Vial
from ..models.due_reviews import first_cycle_review
from ..reports.models import ReportJob

# What the page shows of a user (``User.__str__``): the rest stays deferred.
_USER_SHOWN = ("id", "first_name", "last_name", "email", "title")
# What the reports card (reports/_visit_reports.html) shows of a job, beside its id.
_REPORT_SHOWN = ("id", "kind", "status", "requested_at")
# What the signed chart shows of its due review, beside its booking (``with_state``).
_DUE_REVIEW_SHOWN = ("id", "injector_id", "location_id", "due_on", "closed_as")
_LOCATION_SHOWN = ("id", "name")
_REPORTS_SHOWN = 10


@dataclass
class SignedPageRows:
    """What a signed chart page shows and checks, read in one statement."""

    injections: list  # as the seal reads them: values, with ``muscle`` and ``vial``
    vials: list[Vial]  # each once, in the order the injections first use them
    events: list  # the adverse events' values the seal covers
    consents: list[Consent]  # the visit's, with witness and who withdrew them
    addenda: list
    reports: list[ReportJob]  # the visit's latest report jobs, newest first
    due_review: DueReview | None  # with its booking (``booked_id``, ``booked_at``...)
    screening: Screening | None  # the visit's latest, with who answered and acknowledged it


@dataclass
class _Statement:
    sql: str
    params: list  # the fixed ones (the due review's booking); see ``read``
    vial: _Part
    lot: _Part
    user: _Part
    consent: _Part
    addendum: _Part
    report: _Part
    due: _Part
    location: _Part
    screening: _Part
    injection_fields: list
    moment: models.DateTimeField  # turns a time as JSON gives it into an aware datetime


@once_per_process
def _statement() -> _Statement:
    quote = connection.ops.quote_name
    tables = {m: m._meta.db_table for m in (Injection, Vial, Lot, AdverseEvent, Consent)}
    inj, muscle = tables[Injection], Muscle._meta.db_table
    vial, lot = _Part(Vial, "v"), _Part(Lot, "l")
    reconstituted = _Part(User, "ru", _USER_SHOWN)
    consent = _Part(Consent, "c", skip=("signature_png",))
    witness, withdrew = _Part(User, "wu", _USER_SHOWN), _Part(User, "xu", _USER_SHOWN)
    addendum, author = _Part(Addendum, "a"), _Part(User, "au", _USER_SHOWN)
    report = _Part(ReportJob, "r", _REPORT_SHOWN)
    due_table = DueReview._meta.db_table  # not aliased: the booking's SQL names it
    due = _Part(DueReview, due_table, _DUE_REVIEW_SHOWN)
    injector, location = _Part(User, "du", _USER_SHOWN), _Part(Location, "dl", _LOCATION_SHOWN)
    booked = [
        first_cycle_review(column, field)
        for column, field in (
            ("id", models.BigIntegerField()),
            ("starts_at", models.DateTimeField()),
            ("status", models.CharField()),
        )
    ]
    screening = _Part(Screening, "s")
    answered, acknowledged = _Part(User, "sa", _USER_SHOWN), _Part(User, "sk", _USER_SHOWN)
    injection_fields = [
        Injection._meta.get_field(name) for name in ("id", "order", *seal.INJECTION_VALUES)
    ]
    injection_columns = ", ".join(f"i.{quote(f.column)}" for f in injection_fields)
    user_table = User._meta.db_table
    sql = f"""SELECT
(SELECT json_agg(json_build_array({injection_columns}, i.muscle_id, m.code, m.name, m.paired))
   FROM {inj} i LEFT JOIN {muscle} m ON m.id = i.muscle_id WHERE i.treatment_id = %s)::text,
(SELECT json_agg(json_build_array({vial.sql()}, {lot.sql()}, {reconstituted.sql()}))
   FROM {tables[Vial]} v JOIN {tables[Lot]} l ON l.id = v.lot_id
   LEFT JOIN {user_table} ru ON ru.id = v.reconstituted_by_id
   WHERE v.id IN (SELECT vial_id FROM {inj} WHERE treatment_id = %s))::text,
(SELECT json_agg(json_build_array(e.id, e.kind, e.severity, e.note, e.recorded_at))
   FROM {tables[AdverseEvent]} e WHERE e.treatment_id = %s)::text,
(SELECT json_agg(json_build_array({consent.sql()}, {witness.sql()}, {withdrew.sql()}))
   FROM {tables[Consent]} c LEFT JOIN {user_table} wu ON wu.id = c.witnessed_by_id
   LEFT JOIN {user_table} xu ON xu.id = c.withdrawn_by_id WHERE c.visit_id = %s)::text,
(SELECT json_agg(json_build_array({addendum.sql()}, {author.sql()}) ORDER BY a.created_at, a.id)
   FROM {Addendum._meta.db_table} a LEFT JOIN {user_table} au ON au.id = a.created_by_id
   WHERE a.treatment_id = %s)::text,
(SELECT json_agg(json_build_array({report.sql()}) ORDER BY r.requested_at DESC, r.id DESC)
   FROM (SELECT * FROM {ReportJob._meta.db_table} WHERE visit_id = %s
         ORDER BY requested_at DESC, id DESC LIMIT {_REPORTS_SHOWN}) r)::text,
(SELECT json_build_array({due.sql()}, {injector.sql()}, {location.sql()},
        {", ".join(b.sql for b in booked)})
   FROM {due_table} LEFT JOIN {user_table} du ON du.id = {due_table}.injector_id
   LEFT JOIN {Location._meta.db_table} dl ON dl.id = {due_table}.location_id
   WHERE {due_table}.treatment_id = %s ORDER BY {due_table}.id LIMIT 1)::text,
(SELECT json_build_array({screening.sql()}, {answered.sql()}, {acknowledged.sql()})
   FROM {Screening._meta.db_table} s LEFT JOIN {user_table} sa ON sa.id = s.answered_by_id
   LEFT JOIN {user_table} sk ON sk.id = s.acknowledged_by_id
   WHERE s.visit_id = %s ORDER BY s.answered_at DESC, s.id DESC LIMIT 1)::text"""  # noqa: S608 # nosec B608
    # (our own SQL: names from the models' metadata, every value a parameter)
    params = [p for b in booked for p in b.params]
    return _Statement(
        sql=sql,
        params=params,
        vial=vial,
        lot=lot,
        user=reconstituted,
        consent=consent,
        addendum=addendum,
        report=report,
        due=due,
        location=location,
        screening=screening,
        injection_fields=injection_fields,
        moment=models.DateTimeField(),
    )


def _json(text: str | None) -> list:
    # Decimals as their text, as the database driver gives them (the seal hashes str()).
    return json.loads(text, parse_float=Decimal) if text else []


def read(treatment) -> SignedPageRows:
    """The signed chart's rows (``SignedPageRows``): one query on PostgreSQL (the
    statement's JSON functions are PostgreSQL's); elsewhere (SQLite, ``make run``'s
    database) the same rows through the ORM, seven queries (``_read_through_orm``)."""
    if connection.vendor != "postgresql":
        return _read_through_orm(treatment)
    s = _statement()
    t, visit = treatment.pk, treatment.visit_id
    # query: the seal's rows, the addenda, the report jobs, the due review, the screening
    # (bound on the server: planned once per connection, clinic.statements)
    row = statements.one_row(s.sql, [t, t, t, visit, t, visit, *s.params, t, visit])
    injections, vials, events, consents, addenda, reports, due, screening = row
    user = s.user  # a user's columns shown, whoever's they are
    return SignedPageRows(
        **_injections_and_vials(s, _json(injections), _json(vials), user),
        events=[
            SimpleNamespace(
                pk=pk, kind=kind, severity=severity, note=note, recorded_at=s.moment.to_python(at)
            )
            for pk, kind, severity, note, at in _json(events)
        ],
        consents=[_consent(s, row, user) for row in _json(consents)],
        addenda=[_with_user(s.addendum, row, user, "created_by") for row in _json(addenda)],
        reports=[s.report.row(row) for row in _json(reports)],
        due_review=_due_review(s, _json(due), user),
        # its answers and findings as JSON fields give them (no decimals there)
        screening=_screening(s, json.loads(screening) if screening else None, user),
    )


def _injections_and_vials(s: _Statement, injection_rows, vial_rows, user: _Part) -> dict:
    by_id = {}
    for values in vial_rows:
        vial, lot, by = _split(values, s.vial, s.lot, user)
        vial.lot, vial.reconstituted_by = lot, by
        by_id[vial.pk] = vial
    muscles: dict[int, SimpleNamespace] = {}
    injections = []
    names = [f.attname if f.attname != "id" else "pk" for f in s.injection_fields]
    for row in injection_rows:
        *values, muscle_id, code, name, paired = row
        own = {n: f.to_python(v) for n, f, v in zip(names, s.injection_fields, values, strict=True)}
        if muscle_id is not None and muscle_id not in muscles:
            muscles[muscle_id] = SimpleNamespace(code=code, name=name, paired=paired)
        injection = SimpleNamespace(muscle_id=muscle_id, muscle=muscles.get(muscle_id), **own)
        injection.vial = by_id.get(injection.vial_id)  # one row per vial, shared
        injections.append(injection)
    injections.sort(key=lambda i: (i.order, i.pk))
    used = dict.fromkeys(i.vial_id for i in injections if i.vial_id is not None)
    return {"injections": injections, "vials": [by_id[pk] for pk in used if pk in by_id]}


def _with_user(part: _Part, values, user: _Part, name: str):
    row, by = _split(values, part, user)
    setattr(row, name, by)
    return row


def _consent(s: _Statement, values, user: _Part) -> Consent:
    consent, witness, withdrew = _split(values, s.consent, user, user)
    consent.witnessed_by, consent.withdrawn_by = witness, withdrew
    return consent


def _due_review(s: _Statement, values, user: _Part) -> DueReview | None:
    if not values:
        return None
    *values, booked_id, booked_at, booked_status = values
    due, injector, location = _split(values, s.due, user, s.location)
    due.injector, due.location = injector, location
    due.booked_id, due.booked_status = booked_id, booked_status
    due.booked_at = s.moment.to_python(booked_at)
    return due


def _screening(s: _Statement, values, user: _Part) -> Screening | None:
    if not values:
        return None
    screening, answered, acknowledged = _split(values, s.screening, user, user)
    screening.answered_by, screening.acknowledged_by = answered, acknowledged
    return screening


def _read_through_orm(treatment) -> SignedPageRows:
    """``read`` for a database without PostgreSQL's JSON functions: the same rows, the
    same shapes (the injections as values with their muscles and vials, as the seal
    reads them), through the ORM. ``tests/charting/test_signed_reads.py`` compares the
    two on PostgreSQL; ``make test-sqlite`` runs the page on SQLite."""
    muscles: dict[int, SimpleNamespace] = {}
    injections = []
    names = [f.attname for f in fields_of(Injection, ("id", "order", *seal.INJECTION_VALUES))]
    muscle_columns = ("muscle__code", "muscle__name", "muscle__paired")
    # query: the injections as values, with their muscles
    for row in treatment.injections.order_by().values(*names, "muscle_id", *muscle_columns):
        code, name, paired = (row.pop(c) for c in muscle_columns)
        muscle_id = row["muscle_id"]
        if muscle_id is not None and muscle_id not in muscles:
            muscles[muscle_id] = SimpleNamespace(code=code, name=name, paired=paired)
        row["pk"] = row.pop("id")
        injections.append(SimpleNamespace(muscle=muscles.get(muscle_id), **row))
    injections.sort(key=lambda i: (i.order, i.pk))
    used = list(dict.fromkeys(i.vial_id for i in injections if i.vial_id is not None))
    # query: their vials, with the lot and who reconstituted them
    by_id = (
        {
            v.pk: v
            for v in Vial.objects.select_related("lot", "reconstituted_by").filter(pk__in=used)
        }
        if used
        else {}
    )
    for injection in injections:
        injection.vial = by_id.get(injection.vial_id)
    visit = treatment.visit_id
    return SignedPageRows(
        injections=injections,
        vials=[by_id[pk] for pk in used if pk in by_id],
        events=[  # query: the adverse events' values
            SimpleNamespace(pk=pk, kind=kind, severity=severity, note=note, recorded_at=at)
            for pk, kind, severity, note, at in treatment.adverse_events.order_by().values_list(
                "pk", "kind", "severity", "note", "recorded_at"
            )
        ],
        consents=list(  # query: the visit's consents, with their witness and who withdrew them
            Consent.objects.filter(visit_id=visit).select_related("witnessed_by", "withdrawn_by")
        ),
        addenda=list(  # query: the addenda with their authors
            Addendum.objects.filter(treatment=treatment)
            .select_related("created_by")
            .order_by("created_at", "id")
        ),
        reports=list(  # query: the visit's latest report jobs
            ReportJob.objects.filter(visit_id=visit)
            .latest_first()
            .only(*_REPORT_SHOWN)[:_REPORTS_SHOWN]
        ),
        due_review=(  # query: the review due since signing, with its booking
            DueReview.objects.select_related("injector", "location")
            .with_state()
            .filter(treatment=treatment)
            .order_by("id")
            .first()
        ),
        screening=(  # query: the visit's latest screening
            Screening.objects.filter(visit_id=visit)
            .select_related("answered_by", "acknowledged_by")
            .order_by("-answered_at", "-id")
            .first()
        ),
    )
