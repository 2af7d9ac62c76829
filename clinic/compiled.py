"""A read of plain values whose SQL the ORM writes once per process (issue 22).

Django builds a query's SQL again on every run, and for the short reads a page makes
(its rows as values: a patient's visits, a day's appointments) building it costs more
CPU than the database spends answering it (docs/benchmarks.md: about 1 ms a query).
``CompiledValues`` asks the ORM for the SQL once, with a ``Param`` wherever a value
varies from run to run, keeps the SQL, its placeholders and the ORM's converters for
the columns, and on each run binds the values and returns what ``.values()`` returns:
a dict per row, the same keys, the values through the same converters (or, with
``tuples``, a tuple per row, as ``.values_list()`` returns).

The queryset is built once: every value that varies (a patient, a day, "now") must
be a ``Param``; a value written into the queryset itself is fixed for the process's
life, which is right for constants only (a kind, a limit). A ``Param`` stands where
the ORM accepts an expression (a filter's right-hand side, an annotation); its value
is bound as its output field prepares a value for the database (an aware datetime
as SQLite stores it, say), as the ORM binds a value written in. The SQL is the
ORM's own, so the read runs on any database (SQLite too).

Any app may use this module (clinic is the bottom floor).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Expression
from django.db.models.query import ValuesIterable

from . import statements


@dataclass(frozen=True)
class _Slot:
    name: str
    field: object  # the Param's output field: the value is bound as it prepares it


class Param(Expression):
    """A value bound at each run of a ``CompiledValues`` read, by ``name``."""

    def __init__(self, name: str, output_field):
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler, connection):
        return "%s", [_Slot(self.name, self.output_field)]


@dataclass
class _Compiled:
    sql: str
    params: list  # the ORM's fixed values, and a _Slot where a Param stands
    names: list[str]
    converters: list  # (position, (its converters, its expression)), as the ORM's compiler has them


class CompiledValues:
    """``build()``: a ``.values()`` queryset, with a ``Param`` for every value that varies.
    Call with those values by name: the rows, as ``.values()`` gives them."""

    def __init__(self, build):
        self.build = build
        self._by_vendor: dict[str, _Compiled] = {}  # the SQL is the database's dialect

    def _compiled(self) -> _Compiled:
        kept = self._by_vendor.get(connection.vendor)
        if kept is not None:
            return kept
        queryset = self.build()
        if queryset._iterable_class is not ValuesIterable:
            raise TypeError("CompiledValues reads .values() querysets only")
        query = queryset.query
        compiler = query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        kept = _Compiled(
            sql=sql,
            params=list(params),
            # the columns' names as ValuesIterable reads them
            names=list(query.selected)
            if query.selected
            else [*query.extra_select, *query.values_select, *query.annotation_select],
            converters=list(compiler.get_converters(fields).items()),
        )
        self._by_vendor[connection.vendor] = kept
        return kept

    def __call__(self, **values) -> list[dict]:
        names, rows = self._rows(values)
        return [dict(zip(names, row, strict=True)) for row in rows]

    def tuples(self, *names: str, **values) -> list:
        """The same rows as tuples of the columns ``names`` (all of the read's, in its
        ``.values()`` order), as ``.values_list()`` gives them: a page that unpacks
        each row makes no dict of it first."""
        kept, rows = self._rows(values)
        if list(names) != kept:
            raise TypeError(f"this read's columns are {kept}, not {list(names)}")
        return rows

    def _rows(self, values: dict) -> tuple[list[str], list]:
        c = self._compiled()
        slots = {p.name for p in c.params if isinstance(p, _Slot)}
        if slots != set(values):
            raise TypeError(f"this read takes {sorted(slots)}, not {sorted(values)}")
        params = [
            p.field.get_db_prep_value(values[p.name], connection) if isinstance(p, _Slot) else p
            for p in c.params
        ]
        rows = statements.all_rows(c.sql, params)
        if c.converters:  # as the compiler applies them, with this thread's connection
            rows = [tuple(_converted(list(row), c.converters)) for row in rows]
        return c.names, rows


def _converted(row: list, converters: list) -> list:
    for pos, (convs, expression) in converters:
        value = row[pos]
        for convert in convs:
            value = convert(value, expression, connection)
        row[pos] = value
    return row
