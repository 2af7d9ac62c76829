"""Fast inserts for bench data.

On PostgreSQL every table is filled with COPY: ids are reserved from the
table's sequence first, so children can point at parents without a round
trip per batch. SQLite falls back to bulk_create (which also fills the ids).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection

BATCH = 5000


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _reserve_ids(model, count: int) -> list[int]:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return [row[0] for row in cursor.fetchall()]


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


def create(model, objects: Sequence) -> Sequence:
    """Insert model instances; their pks are filled in."""
    if not objects:
        return objects
    if not _postgres():
        return model.objects.bulk_create(objects, batch_size=BATCH)
    for obj, pk in zip(objects, _reserve_ids(model, len(objects)), strict=True):
        obj.pk = pk
    fields = [f for f in model._meta.concrete_fields]
    rows = (
        tuple(f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields)
        for obj in objects
    )
    _copy(model, [f.column for f in fields], rows)
    return objects


def copy_rows(model, fields: Sequence[str], rows: Iterable[tuple]) -> int:
    """Insert plain tuples (no ids needed back); returns the number of rows.

    ``fields`` are model field names (``movement_map`` for a foreign key's id).
    """
    if _postgres():
        return _copy(model, [model._meta.get_field(n).column for n in fields], rows)
    attnames = [model._meta.get_field(name).attname for name in fields]
    batch, count = [], 0
    for row in rows:
        batch.append(model(**dict(zip(attnames, row, strict=True))))
        if len(batch) >= BATCH:
            model.objects.bulk_create(batch)
            count += len(batch)
            batch = []
    if batch:
        model.objects.bulk_create(batch)
        count += len(batch)
    return count


def fast_commits() -> None:
    """Bench data may be lost in a crash: don't wait for the disk at each commit."""
    if _postgres():
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
