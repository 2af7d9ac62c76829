"""Fast inserts for bench data.

Rows are plain tuples. Ids are reserved first (``reserve_ids``) so children can
point at parents without a round trip per batch. On PostgreSQL every table is
filled with COPY, and the biggest child tables (observations, injection points,
injections, findings) with one ``INSERT ... SELECT`` per chunk computed by the
server (``postgres()`` tells the callers which way to go). SQLite falls back to
``bulk_create`` through the plain base manager (the bench is the only writer).
"""

from __future__ import annotations

import json as jsonlib
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from django.db import DatabaseError, connection, transaction
from django.db.models import Max

BATCH = 5000


def postgres() -> bool:
    return connection.vendor == "postgresql"


def reserve_ids(model, count: int) -> list[int]:
    """``count`` new primary keys for ``model``; insert them before reserving more."""
    if count == 0:
        return []
    if postgres():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [model._meta.db_table, count],
            )
            return [row[0] for row in cursor.fetchall()]
    first = (model._base_manager.aggregate(m=Max("pk"))["m"] or 0) + 1
    return list(range(first, first + count))


def json(value):
    """A value for a JSON column in a row tuple."""
    if postgres():
        from psycopg.types.json import Jsonb

        return Jsonb(value, dumps=jsonlib.dumps)
    return value


def _copy(model, columns: Sequence[str], rows: Iterable[tuple]) -> int:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    cols = ", ".join(quote(c) for c in columns)
    count = 0
    sql = f"COPY {table} ({cols}) FROM STDIN"  # noqa: S608 - our own table and columns
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def copy_rows(model, fields: Sequence[str], rows: Iterable[tuple]) -> int:
    """Insert plain tuples; returns the number of rows.

    ``fields`` are model field names (``movement_map`` for a foreign key's id,
    ``id`` when the tuples carry reserved ids).
    """
    if postgres():
        return _copy(model, [model._meta.get_field(n).column for n in fields], rows)
    attnames = [model._meta.get_field(name).attname for name in fields]
    manager = model._base_manager  # plain QuerySet: the bench inserts signed rows whole
    batch, count = [], 0
    for row in rows:
        batch.append(model(**dict(zip(attnames, row, strict=True))))
        if len(batch) >= BATCH:
            manager.bulk_create(batch)
            count += len(batch)
            batch = []
    if batch:
        manager.bulk_create(batch)
        count += len(batch)
    return count


def create(model, objects: Sequence) -> Sequence:
    """Insert model instances (small tables); their pks are filled in."""
    if not objects:
        return objects
    if not postgres():
        return model.objects.bulk_create(objects, batch_size=BATCH)
    for obj, pk in zip(objects, reserve_ids(model, len(objects)), strict=True):
        obj.pk = pk
    fields = [f for f in model._meta.concrete_fields]
    rows = (
        tuple(f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields)
        for obj in objects
    )
    _copy(model, [f.column for f in fields], rows)
    return objects


def execute(sql: str, params: Sequence = ()) -> int:
    """Run one server-side statement; returns the rows it wrote."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def fast_load() -> bool:
    """Session settings for a bulk load; True when the database's triggers are off.

    Bench data may be lost in a crash: commits don't wait for the disk. As a
    superuser on PostgreSQL the session also runs as a replica, which skips the
    per-row foreign-key triggers (the generator writes parents before children,
    consistent by construction) and also our own triggers, the chart lock
    included: signed treatments and their injections can then be inserted as
    they are. Without the right to do so (not a superuser) nothing changes and
    the charts are signed after their injections, as the app does.
    """
    if not postgres():
        return True  # SQLite has no triggers
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET maintenance_work_mem = '256MB'")
        try:
            with transaction.atomic():
                cursor.execute("SET session_replication_role = replica")
        except DatabaseError:
            return False
    return True


def end_load(*, replica: bool = True) -> None:
    """Back to the usual session settings (triggers on). ``replica``: what ``fast_load``
    gave (a session that may not set the role may not reset it either)."""
    if postgres():
        with connection.cursor() as cursor:
            if replica:
                cursor.execute("RESET session_replication_role")
            cursor.execute("RESET synchronous_commit")
            cursor.execute("RESET maintenance_work_mem")


def analyze() -> None:
    """Fresh planner statistics for the pages measured next, and a VACUUM as a clinic's
    autovacuum would have run by then: the visibility map for index-only scans, the
    trigram (GIN) indexes' pending entries merged (name searches read an unmerged
    backlog otherwise: 18 ms against 1.7 ms at 200,000 patients), and no autovacuum
    of the fresh tables racing the measurements. 34 s at N=200,000. Inside a
    transaction (the test suite) VACUUM cannot run: statistics only."""
    if postgres():
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")


@contextmanager
def indexes_deferred(models, *, keep: Sequence[str] = ()):
    """Drop the plain secondary indexes of the biggest tables for the load and build
    them again at the end, also when the load fails: one sort per index is much
    cheaper than maintaining it row by row. Unique indexes and those whose
    definition contains one of ``keep`` (the load reads through them) stay."""
    if not postgres():
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT index.indexrelid::regclass::text, pg_get_indexdef(index.indexrelid)
            FROM pg_index AS index JOIN pg_class AS t ON t.oid = index.indrelid
            WHERE t.relname = ANY(%s) AND NOT index.indisunique AND NOT index.indisprimary
            """,
            [[model._meta.db_table for model in models]],
        )
        deferred = [
            (name, sql) for name, sql in cursor.fetchall() if not any(k in sql for k in keep)
        ]
        for name, _sql in deferred:
            cursor.execute(f"DROP INDEX {name}")  # a name from the catalog
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for _name, sql in deferred:
                cursor.execute(sql)


class Later:
    """The chunk's set-based statements (observations, injections, findings, ...).

    On PostgreSQL outside a transaction they run on a second connection in a
    worker thread once the chunk is committed, while this thread makes the next
    chunk (the database works while Python does); at most one chunk is pending,
    and its errors come back here. Otherwise (SQLite, or inside a transaction
    such as a test's) they run at once, in order.
    """

    def __init__(self, *, replica: bool):
        self.replica = replica
        self.threaded = postgres() and not connection.in_atomic_block
        self.statements: list[tuple[str | None, str, Sequence]] = []
        self.pool = ThreadPoolExecutor(max_workers=1) if self.threaded else None
        self.pending = None
        self.local = threading.local()

    def add(self, what: str | None, sql: str, params: Sequence = ()) -> None:
        """Queue one statement; ``what`` names the rows it writes for the counts."""
        self.statements.append((what, sql, params))

    def flush(self, counts) -> None:
        """After the chunk's commit: hand the statements on (or run them now)."""
        statements, self.statements = self.statements, []
        if not self.threaded:
            for what, sql, params in statements:
                written = execute(sql, params)
                if what:
                    counts.add(what, written)
            return
        self.wait(counts)
        self.pending = self.pool.submit(self._run, statements)

    def wait(self, counts) -> None:
        if self.pending is not None:
            for what, written in self.pending.result():
                counts.add(what, written)
            self.pending = None

    def close(self, counts) -> None:
        try:
            self.wait(counts)
        finally:
            if self.pool is not None:
                self.pool.submit(self._disconnect).result()
                self.pool.shutdown()

    def _run(self, statements) -> list[tuple[str, int]]:
        import psycopg

        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = psycopg.connect(**connection.get_connection_params())
            conn.execute("SET synchronous_commit = off")
            if self.replica:  # as the main session (see fast_load)
                conn.execute("SET session_replication_role = replica")
            conn.commit()
        written = []
        with conn.transaction():
            for what, sql, params in statements:
                cursor = conn.execute(sql, params)
                if what:
                    written.append((what, cursor.rowcount))
        return written

    def _disconnect(self) -> None:
        conn = getattr(self.local, "conn", None)
        if conn is not None:
            conn.close()
