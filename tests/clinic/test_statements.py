"""Prepared statements (``config.database``, ``clinic.statements``): every query on
PostgreSQL is bound on the server, so it is prepared on its first run on a
connection and PostgreSQL keeps its plan; the rows are the ones the data gives,
prepared or not, and each call is one query, with its values, to the query-count
tests.

Doors: the signed chart (``charting.views.signed_reads``), the plan page's statements
(``planning.plans.past_plans``, ``planning.movement.latest_baseline``,
``planning.treatment_history``, ``charting.reviews.cycles``), the hours
(``clinic.hours.closures``) and the ORM's own queries all read through it."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic import statements
from planning.models import Visit
from planning.treatment_history import run_statement
from tests.conftest import need
from tests.factories import make_plan, make_visit

pytestmark = pytest.mark.django_db

HISTORY_PART = """
    SELECT CAST('plan' AS TEXT), tp.id, tp.visit_id, v.date, CAST(NULL AS NUMERIC),
           p.brand, p.generic_name, CAST(v.kind AS TEXT), CAST(NULL AS BOOLEAN)
    FROM planning_treatmentplan tp
    JOIN planning_visit v ON v.id = tp.visit_id
    JOIN planning_product p ON p.id = tp.product_id
    WHERE v.patient_id = %(patient)s AND v.date <= %(until)s
    ORDER BY v.date, tp.id"""


def prepared_texts() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_a_statement_run_often_is_prepared_and_gives_the_same_rows(injector, patient):
    need(connection.vendor == "postgresql", "prepared statements are PostgreSQL's")
    plans = []
    for days_ago in (200, 100, 10):
        visit = make_visit(patient=patient, injector=injector, days_ago=days_ago, screened=True)
        plans.append(make_plan(visit=visit, by=injector, points=[("PROC", "C", 4)], final=True))
    rows = [
        ("plan", p.pk, p.visit_id, p.visit.date, None, p.product.brand,
         p.product.generic_name, p.visit.kind, None)
        for p in plans
    ]  # fmt: skip
    today = datetime.date.today()
    wanted = {today: rows, today - datetime.timedelta(days=50): rows[:2]}
    wanted[today - datetime.timedelta(days=150)] = rows[:1]
    # Past PostgreSQL's five custom plans: the kept (generic) plan gives the same rows.
    for _ in range(4):
        for until, expected in wanted.items():
            params = {"patient": patient.pk, "until": until}
            assert run_statement([HISTORY_PART], params) == expected
    assert any("planning_treatmentplan tp" in text for text in prepared_texts())


def test_each_call_is_one_logged_query(patient):
    with CaptureQueriesContext(connection) as captured:
        rows = statements.all_rows("SELECT %(n)s + 1", {"n": 41})
    assert rows == [(42,)]
    assert [q["sql"] for q in captured] == ["SELECT 41 + 1"]  # its value, as Django logs


def test_the_orm_s_queries_are_prepared_too(injector, patient):
    """Not only the hand-written statements: the ORM's own reads (the plan page's
    seven-table read of its plan among them) are prepared on their first run on a
    connection, and give the same rows past PostgreSQL's five custom plans."""
    need(connection.vendor == "postgresql", "prepared statements are PostgreSQL's")
    visit = make_visit(patient=patient, injector=injector, days_ago=10, screened=True)
    for _ in range(7):
        found = list(Visit.objects.filter(patient=patient, date__lte=datetime.date.today()))
        assert found == [visit]
    assert any('FROM "planning_visit"' in text and "$1" in text for text in prepared_texts())


def test_a_statement_without_values_may_hold_several_commands():
    """What a migration's RunSQL (a trigger and its function) or a reset sends: run
    unprepared, on the simple protocol; a prepared statement holds one command."""
    need(connection.vendor == "postgresql", "the simple protocol is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1; SELECT 2")
        assert cursor.fetchall() == [(1,)]
        assert cursor.nextset()
        assert cursor.fetchall() == [(2,)]


def test_a_connection_keeps_more_prepared_statements_than_psycopg_s_default(patient):
    """psycopg keeps 100 by default; the nine bench pages alone prepare 90."""
    need(connection.vendor == "postgresql", "prepared statements are PostgreSQL's")
    connection.ensure_connection()
    assert connection.connection.prepared_max == settings.DB_PREPARED_MAX > 100
