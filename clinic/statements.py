"""The hand-written statements that pages run on every view.

Every query on PostgreSQL is bound on the server and prepared on its first run on
a connection (``config.database``), these as the ORM's; they go through Django's
cursor, so they are logged with their values, counted by the query-count tests,
and their errors are Django's. Elsewhere (SQLite, ``make run``) the same cursor.
"""

from __future__ import annotations

from django.db import connection


def all_rows(sql: str, params) -> list[tuple]:
    with connection.cursor() as c:
        c.execute(sql, params)
        return c.fetchall()


def one_row(sql: str, params) -> tuple | None:
    with connection.cursor() as c:
        c.execute(sql, params)
        return c.fetchone()
