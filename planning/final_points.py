"""A final plan's points, read once per process (issue 22).

A final plan's points never change: ``planning.plans`` refuses them at every rule, and
PostgreSQL refuses them at every other door, raw SQL included (migration
``planning/0016``: no point of a final plan written, no final plan reopened). So the
plan page reads them once per process and keeps them, here, by the plan: each later
view reads the plan without its points (one statement, as before) and takes the kept
ones while the plan read is still final with the same ``finalized_at`` and version
(a plan that no longer matches is read whole again, and kept anew). The dose checks
are computed from the points on every view: what is kept is the reading, and what is
made from the points alone (``derived``: the page's plain rows of points and totals),
never a check.

What is kept is each point's values, plain (no model row, no patient text: a plan
with a point's note, typed text, is read whole on every view, as the kept parts of
the page leave notes out); each view makes its own rows from them, as the read makes
them (``clinic.joined_read.Part``), with its own plan and the reference muscles of the
moment (``planning.plans.with_muscles``). PostgreSQL only: elsewhere (SQLite, ``make
run``) there are no triggers, and every view reads the points.
"""

from __future__ import annotations

from collections import OrderedDict
from contextlib import suppress
from functools import cache
from typing import NamedTuple

from django.db import connection

from clinic.joined_read import JoinedRead, Part, place

# The plans whose points are kept, per process (about 8 KB a plan of 40 points).
MOST_KEPT = 512


class _Kept(NamedTuple):
    finalized_at: object
    version: int
    values: tuple  # per point, its columns' values in the read's order


_kept: OrderedDict[int, _Kept] = OrderedDict()


def clear() -> None:
    _kept.clear()


@cache
def _part(model) -> Part:
    return Part(model, "kept")


def read_plan(
    plan_id: int, *, whole: JoinedRead, without_points: JoinedRead, place_points: bool = True
):
    """The plan ``whole`` reads (its first list its points), or None. A final plan's
    points are read once per process (PostgreSQL): later views read it
    ``without_points`` (the same read less that list) and put the kept points on it;
    with ``place_points`` false, only when asked (``points_of``): a page that takes what
    it shows of them from ``derived`` makes no rows."""
    if connection.vendor != "postgresql":
        return whole.read(plan_id)
    rows = whole.rows[0]
    part = _part(rows.model)
    kept = _kept.get(plan_id)
    if kept is not None:
        plan = without_points.read(plan_id)
        if (
            plan is not None
            and plan.is_final
            and (plan.finalized_at, plan.version) == (kept.finalized_at, kept.version)
        ):
            with suppress(KeyError):  # another thread's view let it go meanwhile
                _kept.move_to_end(plan_id)
            if place_points:
                _place_kept(plan, rows, kept)
            else:
                plan.__dict__[_UNPLACED] = (rows, kept)
            return plan
        _kept.pop(plan_id, None)  # not the plan kept (a restored database): read it whole
    plan = whole.read(plan_id)
    if plan is not None and plan.is_final:
        points = plan.points.all()
        if not any(p.note for p in points):
            values = tuple(tuple(getattr(p, a) for a in part.attnames) for p in points)
            _kept[plan_id] = _Kept(plan.finalized_at, plan.version, values)
            while len(_kept) > MOST_KEPT:
                with suppress(KeyError):
                    _kept.popitem(last=False)
    return plan


_UNPLACED = "_final_points_unplaced"


def _place_kept(plan, rows, kept: _Kept) -> None:
    make = _part(rows.model).maker()
    place(rows, plan, [make(values) for values in kept.values])


def points_of(plan, muscles) -> list:
    """``plan``'s points (``get_plan_for``'s plan): as read with it, or, read without
    placing its kept points (``place_points`` false), made from them and placed now,
    with ``muscles`` on them as ``get_plan_for`` puts them. Each plan's own rows."""
    unplaced = plan.__dict__.pop(_UNPLACED, None)
    if unplaced is not None:
        from .plans import with_muscles

        _place_kept(plan, *unplaced)
        with_muscles(plan, muscles)
    return list(plan.points.all())


def placed(plan) -> bool:
    """Whether ``plan``'s points are on it (not waiting for ``points_of``)."""
    return _UNPLACED not in plan.__dict__


def derived(plan, key, make):
    """``make()``, kept while ``plan``'s points are kept: for what is made from the
    points alone and ``key``, the rest of its inputs (plain hashable values). Kept with
    the reference data it read (``planning.reference_cache.derived``: the muscles the
    points carry, their names and order), so dropped with it: a change to any reference
    row, or its reload. Made each time when the plan's points are not kept (not final, a
    note, another database than PostgreSQL), the plan no longer matches them (its
    ``finalized_at`` or version), or inside a transaction. Shared between views:
    callers must not change what comes back."""
    from . import reference_cache

    kept = _kept.get(plan.pk)
    if (
        kept is None
        or not plan.is_final
        or (plan.finalized_at, plan.version) != (kept.finalized_at, kept.version)
    ):
        return make()
    return reference_cache.derived(
        "final-plan", (plan.pk, kept.finalized_at, kept.version, *key), make
    )
