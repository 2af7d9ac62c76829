"""Timestamps are read by psycopg's C loader with Django's time zone put on them
(``config.database.fast_timestamps``, issue 22): every value comes back as Django's own
loader gives it, the same instant, the same ``tzinfo`` object and type, on every door
that reads them (the ORM's model rows and values, raw statements, ``clinic.compiled``
and ``clinic.joined_read``, which read through the same connection)."""

from __future__ import annotations

import datetime

import pytest
from django.db import DataError, connection, transaction
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg.pq import Format

from config.database import _TIMESTAMPTZ, timestamp_loader
from tests.conftest import need

pytestmark = pytest.mark.django_db

VALUES = [
    "2026-12-04 09:15:00+00",
    "2026-12-04 09:15:00.000001+00",
    "2026-03-29 01:30:00.5+02",  # a summer-time change in Europe, at an offset
    "1900-01-01 00:00:00-05:17",  # a historical offset with minutes
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
    "2024-02-29 23:59:59.123456-11",
]


def read_all(cursor) -> list:
    sql = "SELECT v::timestamptz FROM unnest(%s::text[]) WITH ORDINALITY AS u(v, n) ORDER BY n"
    cursor.execute(sql, [VALUES])
    return [row[0] for row in cursor.fetchall()]


def test_a_timestamp_reads_as_djangos_own_loader_reads_it():
    need(connection.vendor == "postgresql", "psycopg's loaders are PostgreSQL's")
    connection.ensure_connection()
    ours = connection.connection.adapters.get_loader(_TIMESTAMPTZ, Format.TEXT)
    assert ours is not None and ours.__module__ == "config.database", ours
    with connection.cursor() as cursor:
        fast = read_all(cursor)
    with connection.cursor() as cursor:
        register_tzloader(connection.timezone, cursor.cursor)  # Django's, on this cursor
        assert (
            "psycopg_any" in cursor.cursor.adapters.get_loader(_TIMESTAMPTZ, Format.TEXT).__module__
        )
        django = read_all(cursor)
    assert fast == django
    for a, b in zip(fast, django, strict=True):
        assert type(a) is type(b) is datetime.datetime
        assert a.tzinfo is b.tzinfo is connection.timezone
        assert (a.year, a.microsecond, a.utcoffset()) == (b.year, b.microsecond, b.utcoffset())


def test_a_timestamp_out_of_pythons_range_is_refused_as_djangos_is():
    need(connection.vendor == "postgresql", "psycopg's loaders are PostgreSQL's")
    for value in ("infinity", "-infinity", "10000-01-01 00:00:00+00"):
        with (
            pytest.raises(DataError, match="timestamp too"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("SELECT %s::timestamptz", [value])
            cursor.fetchall()


def test_without_psycopgs_c_loader_djangos_stays():
    from psycopg.types.datetime import TimestamptzLoader  # the pure-Python one

    assert timestamp_loader(datetime.UTC, TimestamptzLoader) is None
    assert timestamp_loader(datetime.UTC, None) is None
