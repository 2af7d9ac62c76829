"""Reference data (muscles, expressions, dose ranges and limits, effect durations) kept
in each process.

Every plan and movement-map page needs the muscles, the expressions with their
muscles and the product's dose ranges: five queries a page for rows that change
only by migration or when a clinic admin edits a practice range. Each process
keeps them, tagged with a version number held in the shared cache (Redis in
production, so every gunicorn and Celery process sees one number):

- a page reads the version (one cache GET) and reloads when it moved;
- a save or delete of a reference row (signals connected in apps.py) bumps the
  version once its transaction commits, so no process serves a range the admin
  has replaced;
- entries older than five minutes are reloaded anyway;
- within one web request the version is read once (the first read of the request;
  ``request_started`` forgets it, as does a bump in this process): a page asks
  for the muscles, the ranges, the limits and derived caches' keys, five GETs
  that were one number;
- nothing read inside a transaction is kept (it may be rolled back): inside an
  atomic block the rows come straight from the database, as before.

If the shared cache does not answer, pages read the database (never a stale
range, never an error page). Returned collections are tuples: callers share the
instances and must not change them (nothing does: dose checks only read).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Prefetch

from .models import DoseLimit, DoseRange, EffectDuration, Expression, Muscle

log = logging.getLogger(__name__)

VERSION_KEY = "planning:reference-version"
# Even without a bump (one lost while the cache was down), reload this often.
MAX_AGE_SECONDS = 300
_local = threading.local()


def _shared_version() -> str | None:
    memo = getattr(_local, "request_version", None)
    if memo is not None:
        return memo
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
            version = cache.get(VERSION_KEY)
    except Exception:  # noqa: BLE001 - a cache outage must not stop a page
        log.warning("reference cache unavailable; reading the database")
        return None
    if getattr(_local, "in_request", False):
        _local.request_version = version
    return version


def request_started(**kwargs) -> None:
    """Signal receiver: a web request begins; its first read fetches the version."""
    _local.in_request = True
    _local.request_version = None


def request_finished(**kwargs) -> None:
    """Signal receiver: the request is over; outside requests (tasks, commands)
    every read asks the shared cache."""
    _local.in_request = False
    _local.request_version = None


def version() -> str | None:
    """The reference data's current version (changes when any of it commits a change),
    for caches of what is derived from it; None when the shared cache does not answer."""
    return _shared_version()


def _store() -> dict | None:
    """This process's (thread's) entries for the current version, or None to bypass."""
    if connection.in_atomic_block:
        return None
    version = _shared_version()
    if version is None:
        return None
    entries = getattr(_local, "entries", None)
    now = time.monotonic()
    if (
        entries is None
        or entries["__version__"] != version
        or now - entries["__loaded__"] > MAX_AGE_SECONDS
    ):
        entries = {"__version__": version, "__loaded__": now}
        _local.entries = entries
    return entries


def _cached(key, load):
    entries = _store()
    if entries is None:
        return load()
    if key not in entries:
        entries[key] = load()
    return entries[key]


# What is made from the reference data and a key, kept with it (``derived``): at most
# this many per kind in a process (thread), the oldest dropped first.
DERIVED_KEPT = 1024


def derived(kind: str, key, make):
    """``make()``, kept with the reference data it was made from: dropped with it (a
    change to any reference row, or after five minutes) and keyed by ``key``, the rest
    of its inputs (plain hashable values). Inside a transaction, or with the shared
    cache down, made each time. Shared: callers must not change what comes back."""
    entries = _store()
    if entries is None:
        return make()
    kept = entries.setdefault(("derived", kind), {})
    if key in kept:
        return kept[key]
    value = make()
    if len(kept) >= DERIVED_KEPT:
        del kept[next(iter(kept))]
    kept[key] = value
    return value


def muscles() -> tuple[Muscle, ...]:
    return _cached("muscles", lambda: tuple(Muscle.objects.all()))  # query when loaded


def expressions_with_muscles() -> tuple[Expression, ...]:
    """Expressions in order, each with its muscles prefetched (2 queries when loaded)."""
    return _cached(
        "expressions",
        lambda: tuple(
            Expression.objects.prefetch_related(
                Prefetch("muscles", queryset=Muscle.objects.order_by("order", "code"))
            )
        ),
    )


def dose_ranges(product) -> tuple[DoseRange, ...]:
    """The product's label and practice ranges with their muscles (2 queries when loaded)."""
    product_id = getattr(product, "pk", product)
    return _cached(
        ("ranges", product_id),
        lambda: tuple(DoseRange.objects.filter(product_id=product_id).prefetch_related("muscles")),
    )


def dose_limits(product) -> tuple[DoseLimit, ...]:
    """The product's hard limits per area with their muscles (2 queries when loaded)."""
    product_id = getattr(product, "pk", product)
    return _cached(
        ("limits", product_id),
        lambda: tuple(DoseLimit.objects.filter(product_id=product_id).prefetch_related("muscles")),
    )


def effect_durations() -> tuple[EffectDuration, ...]:
    """Every effect duration (how long an area lasts, general and per product) with its
    muscles (2 queries when loaded): ``charting.recall_timing.DurationTable.cached``."""
    return _cached(
        "effect_durations",
        lambda: tuple(EffectDuration.objects.prefetch_related("muscles")),
    )


def bump() -> None:
    """Tell every process to reload (after the change commits)."""
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:  # noqa: BLE001
        log.warning("reference cache unavailable; could not bump its version")
    _local.entries = None
    _local.request_version = None


def changed(**kwargs) -> None:
    """Signal receiver: a reference row (or a range's muscles) changed."""
    _local.entries = None
    _local.request_version = None
    transaction.on_commit(bump)
