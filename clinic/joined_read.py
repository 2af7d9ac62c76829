"""One row and what hangs on it, in one statement written once per process (issue 22).

A page that opens an object reads it with its related rows (``select_related``) and
a few lists (``prefetch_related``, "the latest screening"). Through the ORM each of
those is a query whose SQL is built again on every view, and building it costs more
CPU than the database spends answering it (docs/benchmarks.md: about 1 ms a query,
a quarter of the plan page). ``JoinedRead`` writes that read as one SQL statement,
once per process, from the models' own metadata; each view runs it with the primary
key as its only value (bound on the server, prepared: ``config.database``) and gets
back the same model rows the ORM gives:

- ``related``: ``select_related`` paths (forward foreign keys and one-to-ones either
  way), each row put in the same caches the ORM fills (a missing reverse one-to-one
  raises ``DoesNotExist`` as there);
- ``Rows``: a list of another model's rows pointing at the root (or at a row on one
  of the paths), ordered and perhaps limited, with their own ``related``; put in the
  root's prefetch cache (``plan.points.all()`` is then no query) or as a plain
  attribute.

Every column is read except binary ones, which stay deferred (a read of one is a
query of its own); each value comes back through JSON and its field's
``to_python`` (decimals as their text, times as aware datetimes), so the row equals
the ORM's. A field that converts values from the database itself (``from_db_value``,
other than JSON's) is refused when the statement is written, not guessed at. A row of
a model whose construction only stores its values is made as unpickling makes one,
without ``Model.__init__`` (``Part.maker``; the ORM's own path while anything
listens to its init signals).

The JSON functions are PostgreSQL's. Elsewhere (SQLite: ``make run``) ``read``
builds the same rows through the ORM (``select_related``, ``prefetch_related``),
in more queries; ``tests/clinic/test_joined_read.py`` compares the two.

Any app may use this module (clinic is the bottom floor).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connection, models
from django.db.models import Prefetch, signals
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute

from . import statements

# PostgreSQL's functions take at most 100 arguments (json_build_array included).
_MOST_ARGUMENTS = 100


def fields_of(model, names=None, *, skip=()) -> list:
    """The model's concrete fields named (all when None, binary ones left out), in the
    model's order (``Model.from_db`` defers the others by that order)."""
    chosen = [
        f
        for f in model._meta.concrete_fields
        if (f.attname in names if names is not None else not isinstance(f, models.BinaryField))
        and f.attname not in skip
    ]
    for f in chosen:
        converts = getattr(f, "from_db_value", None)
        if converts is not None and not isinstance(f, models.JSONField):
            raise ImproperlyConfigured(
                f"{model.__name__}.{f.name} converts its database values itself: "
                "read it through the ORM, not through clinic.joined_read."
            )
    if len(chosen) > _MOST_ARGUMENTS:
        raise ImproperlyConfigured(f"{model.__name__} has more columns than one JSON array holds")
    return chosen


class Part:
    """Columns of one model under an alias, as one JSON array in a statement, and the
    model row back from that array."""

    def __init__(self, model, alias: str, names=None, *, skip=()):
        self.model, self.alias = model, alias
        self.fields = fields_of(model, names, skip=skip)
        self.attnames = [f.attname for f in self.fields]

    def sql(self) -> str:
        quote = connection.ops.quote_name
        return ", ".join(f"{self.alias}.{quote(f.column)}" for f in self.fields)

    def json(self) -> str:
        return f"json_build_array({self.sql()})"

    def __len__(self) -> int:
        return len(self.fields)

    def row(self, values):
        """A model row from this part's values (None when its id is null: no row joined)."""
        return self.maker()(values)

    def maker(self):
        """What makes this part's rows (``row``), for the rows of one read.

        Each value goes through its field's ``to_python`` unless that is the identity
        for what JSON gives (integers, text, booleans; a decimal already one), and the
        row is made as ``Model.from_db`` makes it or, for a model whose construction
        does nothing else (no ``__init__`` or ``from_db`` of its own, no init signal
        receivers now, plain attribute descriptors), as unpickling makes one: the same
        instance for a fraction of the CPU (issue 22: a plan's forty points)."""
        model, attnames, convert, count = self.model, self.attnames, self._convert, len(self.fields)
        plain = self._plain and not (
            signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model)
        )

        def make(values):
            if values is None or values[0] is None:
                return None
            if len(values) != count:
                raise ValueError(f"{model.__name__}: {len(values)} values for {count} fields")
            if convert:
                values = list(values)
                for i, to_python in convert:
                    values[i] = to_python(values[i])
            if not plain:
                return model.from_db(DEFAULT_DB_ALIAS, attnames, values)
            new = model.__new__(model)
            new.__dict__.update(zip(attnames, values, strict=True))
            state = new._state = ModelState()
            state.adding, state.db = False, DEFAULT_DB_ALIAS
            return new

        return make

    @cached_property
    def _convert(self) -> tuple:
        return tuple((i, _converter(f)) for i, f in enumerate(self.fields) if not _as_is(f))

    @cached_property
    def _plain(self) -> bool:
        model = self.model
        return (
            model.__init__ is models.Model.__init__
            and model.from_db.__func__ is models.Model.from_db.__func__
            and all(
                type(model.__dict__.get(name) or _inherited(model, name)) in _PLAIN_DESCRIPTORS
                for name in self.attnames
            )
        )


# ``to_python`` of these is the identity for the JSON values of their columns (an int,
# a str, a bool, or null), so a row's value is used as it comes.
_IDENTITY_FOR_JSON = frozenset({
    models.IntegerField.to_python,  # every integer and automatic key
    models.CharField.to_python,
    models.TextField.to_python,
    models.BooleanField.to_python,
})  # fmt: skip
# Attribute descriptors whose ``__set__`` (if any) on a new instance only stores the value.
_PLAIN_DESCRIPTORS = (DeferredAttribute, ForeignKeyDeferredAttribute)


def _as_is(f) -> bool:
    target = f.target_field if f.is_relation and (f.many_to_one or f.one_to_one) else f
    return type(target).to_python in _IDENTITY_FOR_JSON and type(f).to_python in (
        _IDENTITY_FOR_JSON | {models.ForeignKey.to_python}
    )


def _converter(f):
    """``f.to_python``; for a decimal field, a value that is a decimal already is one
    (``DecimalField.to_python`` gives an equal copy of it)."""
    to_python = f.to_python
    if type(f).to_python is not models.DecimalField.to_python:
        return to_python
    return lambda value: value if type(value) is Decimal else to_python(value)


def _inherited(model, name):
    for klass in model.__mro__[1:]:
        if name in klass.__dict__:
            return klass.__dict__[name]
    return None


def split(values, *parts):
    """``values`` (one flat list) cut into the parts' rows, in order."""
    start = 0
    for part in parts:
        yield part.row(values[start : start + len(part)])
        start += len(part)


def loads(text: str | None):
    """JSON as the statements give it: decimals as their text (as the driver gives them)."""
    return json.loads(text, parse_float=Decimal) if text else None


@dataclass(frozen=True)
class Rows:
    """Rows of ``model`` whose foreign key ``fk`` names the row at ``of`` (a path of the
    read's ``related``; "" for the root), with their own ``related`` (forward keys),
    in ``order`` (field names, "-" for descending; a related row's as "path__field"),
    at most ``limit``. Put on that row as the prefetched ``attr`` (the related manager's
    name: ``row.attr.all()`` is no query), or with ``first`` the first row or None as
    the plain attribute ``attr``."""

    attr: str
    model: type
    fk: str
    order: tuple[str, ...]
    related: tuple[str, ...] = ()
    of: str = ""
    limit: int | None = None
    first: bool = False

    def orm_prefetch(self) -> Prefetch | None:
        if self.first:
            return None
        queryset = self.model.objects.select_related(*self.related).order_by(*self.order)
        path = f"{self.of}__{self.attr}" if self.of else self.attr
        return Prefetch(path, queryset=queryset)


@dataclass
class _Join:
    path: str
    parent: str  # the parent's path ("" for the root)
    relation: object  # the forward field or the reverse one-to-one
    forward: bool
    part: Part
    parent_alias: str = ""


@dataclass
class _List:
    rows: Rows
    parts: list = field(default_factory=list)  # (path, Part, field) per joined row: "" first


class JoinedRead:
    """``model`` by primary key with ``related`` and ``rows``: one statement on
    PostgreSQL. Declare one per page at import time; the SQL is written on first use."""

    def __init__(self, model, related: tuple[str, ...] = (), rows: tuple[Rows, ...] = ()):
        self.model, self.related, self.rows = model, tuple(related), tuple(rows)

    def read(self, pk):
        """The row with everything declared, or None when there is no such row."""
        if connection.vendor != "postgresql":
            return self._read_through_orm(pk)
        text = statements.one_row(self._sql, [pk])
        return self._build(loads(text[0])) if text else None

    def _read_through_orm(self, pk):
        queryset = self.model.objects.select_related(*self.related)
        lists = [r.orm_prefetch() for r in self.rows]
        row = queryset.prefetch_related(*[p for p in lists if p]).filter(pk=pk).first()
        if row is not None:
            for r in self.rows:
                if r.first:
                    holder = _at(row, r.of)
                    queryset = r.model.objects.select_related(*r.related).order_by(*r.order)
                    filtered = queryset.filter(**{r.fk: holder.pk})
                    setattr(holder, r.attr, filtered.first())
        return row

    # -- the statement -------------------------------------------------------------

    @cached_property
    def _joins(self) -> list[_Join]:
        return _joins_of(self.model, self.related, prefix="t")

    @cached_property
    def _root(self) -> Part:
        return Part(self.model, "t")

    @cached_property
    def _lists(self) -> list[_List]:
        lists = []
        for n, rows in enumerate(self.rows):
            alias = f"r{n}"
            lst = _List(rows=rows, parts=[("", Part(rows.model, alias), None)])
            for join in _joins_of(rows.model, rows.related, prefix=alias):
                lst.parts.append((join.path, join.part, join))
            lists.append(lst)
        return lists

    @cached_property
    def _sql(self) -> str:
        quote = connection.ops.quote_name
        table = quote(self.model._meta.db_table)
        pk = quote(self.model._meta.pk.column)
        columns = [self._root.json(), *(j.part.json() for j in self._joins)]
        columns += [self._list_sql(lst) for lst in self._lists]
        if len(columns) > _MOST_ARGUMENTS:
            raise ImproperlyConfigured("too many parts for one JSON array")
        joins = "".join(_join_sql(j) for j in self._joins)
        # our own SQL: names from the models' metadata, the one value a parameter
        return (
            f"SELECT json_build_array({', '.join(columns)})::text "  # noqa: S608 # nosec B608
            f"FROM {table} t{joins} WHERE t.{pk} = %s"
        )

    def _list_sql(self, lst: _List) -> str:
        quote = connection.ops.quote_name
        rows = lst.rows
        own = lst.parts[0][1]
        fk = rows.model._meta.get_field(rows.fk)
        holder = self._alias_of(rows.of)
        target = quote(fk.target_field.column)
        joins = "".join(_join_sql(join) for _, _, join in lst.parts[1:])
        parts = ", ".join(part.json() for _, part, _ in lst.parts)
        aliases = {path: part.alias for path, part, _ in lst.parts}
        models_at = {path: part.model for path, part, _ in lst.parts}
        order = ", ".join(_order_sql(models_at, aliases, term) for term in rows.order)
        limit = f" LIMIT {int(rows.limit)}" if rows.limit else ""
        return (  # our own SQL, as ``_sql``
            f"(SELECT json_agg(s.j ORDER BY s.o) FROM (SELECT json_build_array({parts}) AS j, "  # noqa: S608 # nosec B608
            f"row_number() OVER (ORDER BY {order}) AS o "
            f"FROM {quote(rows.model._meta.db_table)} {own.alias}{joins} "
            f"WHERE {own.alias}.{quote(fk.column)} = {holder}.{target} "
            f"ORDER BY {order}{limit}) s)"
        )

    def _alias_of(self, path: str) -> str:
        if not path:
            return "t"
        for join in self._joins:
            if join.path == path:
                return join.part.alias
        raise ImproperlyConfigured(f"Rows.of={path!r} is not one of the read's related paths")

    # -- the rows back -------------------------------------------------------------

    def _build(self, values: list):
        root = self._root.row(values[0])
        by_path = {"": root}
        for join, part_values in zip(self._joins, values[1:], strict=False):
            parent = by_path.get(join.parent)
            child = join.part.row(part_values)
            by_path[join.path] = child
            if parent is not None:
                _link(join, parent, child)
        for lst, items in zip(self._lists, values[1 + len(self._joins) :], strict=True):
            holder = by_path.get(lst.rows.of)
            if holder is None:
                continue
            makers = [(path, part.maker(), join) for path, part, join in lst.parts]
            built = [_list_row(makers, item) for item in items or ()]
            place(lst.rows, holder, built)
        return root


def _at(row, path: str):
    for name in filter(None, path.split("__")):
        row = getattr(row, name)
    return row


def _joins_of(model, related, *, prefix: str) -> list[_Join]:
    """The joins ``select_related(*related)`` makes, parents first, one per path."""
    paths = []
    for path in related:
        names = path.split("__")
        for n in range(1, len(names) + 1):
            if "__".join(names[:n]) not in paths:
                paths.append("__".join(names[:n]))
    joins, models_at = [], {"": model}
    for n, path in enumerate(paths):
        parent, _, name = path.rpartition("__")
        relation = models_at[parent]._meta.get_field(name)
        if relation.concrete and (relation.many_to_one or relation.one_to_one):
            forward, target = True, relation.related_model
        elif not relation.concrete and relation.one_to_one:
            forward, target = False, relation.related_model
        else:
            raise ImproperlyConfigured(f"{path}: only forward keys and one-to-ones are joined")
        models_at[path] = target
        joins.append(_Join(path, parent, relation, forward, Part(target, f"{prefix}{n}")))
    by_path = {j.path: j for j in joins}
    for join in joins:
        join.parent_alias = by_path[join.parent].part.alias if join.parent else prefix
    return joins


def _join_sql(join: _Join) -> str:
    quote = connection.ops.quote_name
    table = quote(join.part.model._meta.db_table)
    alias, parent = join.part.alias, join.parent_alias
    if join.forward:
        f = join.relation
        on = f"{alias}.{quote(f.target_field.column)} = {parent}.{quote(f.column)}"
    else:
        f = join.relation.field  # the child's one-to-one to the parent
        on = f"{alias}.{quote(f.column)} = {parent}.{quote(f.target_field.column)}"
    return f" LEFT JOIN {table} {alias} ON {on}"


def _order_sql(models_at: dict, aliases: dict, term: str) -> str:
    """``term`` ("field", "-field", "path__field" of a joined row) as SQL."""
    quote = connection.ops.quote_name
    descending = term.startswith("-")
    path, _, name = term.lstrip("-").rpartition("__")
    if path not in aliases:
        raise ImproperlyConfigured(f"order {term!r}: {path} is not one of the rows' related")
    column = quote(models_at[path]._meta.get_field(name).column)
    return f"{aliases[path]}.{column}{' DESC' if descending else ''}"


def _link(join: _Join, parent, child) -> None:
    """The caches ``select_related`` fills, both ways for a one-to-one."""
    if join.forward:
        join.relation.set_cached_value(parent, child)
        if child is not None and join.relation.one_to_one:
            join.relation.remote_field.set_cached_value(child, parent)
    else:
        join.relation.set_cached_value(parent, child)
        if child is not None:
            join.relation.field.set_cached_value(child, parent)


def _list_row(makers: list, values: list):
    by_path = {}
    for (path, make, join), part_values in zip(makers, values, strict=True):
        child = make(part_values)
        by_path[path] = child
        if join is not None and by_path.get(join.parent) is not None:
            _link(join, by_path[join.parent], child)
    return by_path[""]


def place(rows: Rows, holder, built: list) -> None:
    """``built`` (rows of ``rows``) put on ``holder`` as the read puts them: each row's
    key to ``holder`` filled, the list prefetched (or the first row, with ``first``)."""
    fk = rows.model._meta.get_field(rows.fk)
    for row in built:
        fk.set_cached_value(row, holder)  # its parent, in hand (as a prefetch sets it)
    if rows.first:
        setattr(holder, rows.attr, built[0] if built else None)
        return
    queryset = getattr(holder, rows.attr).get_queryset()
    queryset._result_cache, queryset._prefetch_done = built, True
    holder.__dict__.setdefault("_prefetched_objects_cache", {})[rows.attr] = queryset
