"""The cursor for the hand-written statements that pages run on every view.

Django binds parameters on the client by default: each statement reaches
PostgreSQL as new text and is planned again every time. For the largest of ours
planning costs more than running: at N = 20,000 the signed chart's one statement
and the plan page's unions took 3-4 ms of planning against under 1 ms of
execution (``python -m tools.bench.cpu --sql``, EXPLAIN ANALYZE), and that is
database CPU taken from every other request on the machine.

``cursor()`` binds on the server instead, so psycopg prepares each statement on its
first run on a connection (``prepare_threshold`` 0 in the settings: Django turns
psycopg's preparing off unless asked; its own client-bound queries are never
prepared), and PostgreSQL keeps its plan: a generic plan once it has found it no
worse than five custom ones. The cursor is wrapped as Django wraps its own, so
these queries are logged, counted by the query-count tests and their errors are
Django's. Elsewhere (SQLite, ``make run``) it is Django's cursor.

A connection pooler in transaction mode must keep prepared statements per server
connection (PgBouncer 1.21+ ``max_prepared_statements``), or set
``DB_PREPARE_THRESHOLD=`` (empty) to turn preparing off.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper


class _Logged(CursorDebugWrapper):
    """Django's debug cursor (the query log the query-count tests read), logging the
    statement with its values written in: Django reads those off a client-bound
    cursor, and a server-bound one has none to give."""

    def execute(self, sql, params=None):
        with self.debug_sql(self.db.ops.compose_sql(sql, params)):
            return CursorWrapper.execute(self, sql, params)


@contextmanager
def cursor():
    if connection.vendor != "postgresql":
        with connection.cursor() as plain:
            yield plain
        return
    import psycopg
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = psycopg.Cursor(connection.connection)
        # As Django's own cursors: its time zone where the connection's differs.
        timestamptz = psycopg.adapters.types["timestamptz"].oid
        loader = connection.connection.adapters.get_loader(timestamptz, Format.TEXT)
        if connection.timezone != loader.timezone:
            register_tzloader(connection.timezone, raw)
    connection.validate_thread_sharing()
    bound = _Logged(raw, connection) if connection.queries_logged else connection.make_cursor(raw)
    try:
        yield bound
    finally:
        bound.close()


def all_rows(sql: str, params) -> list[tuple]:
    with cursor() as c:
        c.execute(sql, params)
        return c.fetchall()


def one_row(sql: str, params) -> tuple | None:
    with cursor() as c:
        c.execute(sql, params)
        return c.fetchone()
