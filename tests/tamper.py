"""Changing a signed row as a database superuser would: with the lock triggers off
(PostgreSQL's replica mode), for the tests that show a seal catches it."""

from __future__ import annotations

from django.conf import settings
from django.db import connection

from tests.conftest import need


def tamper(sql: str, params) -> None:
    need(settings.DATABASE_IS_POSTGRES, "the lock triggers and replica mode are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(sql, params)
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
