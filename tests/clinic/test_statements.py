"""The hand-written statements' cursor (``clinic.statements``): bound on the server,
so PostgreSQL prepares a statement after psycopg's threshold and keeps its plan; the
rows are the ones the data gives, prepared or not, and each call is one query, with
its values, to the query-count tests.

Doors: the signed chart (``charting.views.signed_reads``), the plan page's statements
(``planning.plans.past_plans``, ``planning.movement.latest_baseline``,
``planning.treatment_history``, ``charting.reviews.cycles``) and the hours
(``clinic.hours.closures``) all read through it."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic import statements
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


def plain_rows(sql: str, params) -> list[tuple]:
    """Through Django's own cursor (bound on the client)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


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


def test_django_s_own_cursor_prepares_nothing_ours_does(patient):
    """The same statement through Django's cursor (client-side binding) is never
    prepared: what the page did before, and what it would do without this cursor."""
    need(connection.vendor == "postgresql", "prepared statements are PostgreSQL's")
    sql = "SELECT count(*) FROM planning_visit WHERE patient_id = %s AND date <= %s"
    for _ in range(8):
        plain_rows(sql, [patient.pk, datetime.date.today()])
    assert not any("FROM planning_visit WHERE patient_id" in t for t in prepared_texts())
    for _ in range(8):
        assert statements.one_row(sql, [patient.pk, datetime.date.today()]) == (0,)
    assert any("FROM planning_visit WHERE patient_id" in t for t in prepared_texts())
