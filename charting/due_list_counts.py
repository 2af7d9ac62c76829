"""How many reviews the front desk's list holds and how many of them are overdue,
counted once for each version of the list.

The counts run over every open due review with none of its cycle's review
appointments booked: at 200,000 patients 9,301 rows, each looked up in the
appointments, 15-18 ms of the database on every view, where the page's own 25
rows cost under 1 ms (docs/benchmarks.md). The database gives the list a version
(``charting_duelistversion``, migration charting 0013): its triggers write a new
one in the same transaction as any change to a due review or a review
appointment, whichever door made it. The page reads the version in the statement
that picks its rows; counts kept under that version (with the day, which moves
"overdue", and the filters) are the counts of that state of the list. A version
read before a change commits never meets that change's counts as its own: the
counts are made after the version is read, so they are at least as new.

The triggers take the audit chain's head before the version row, the order every
audited write takes them in: in the other order a
booking and a cancellation at once deadlocked.

Kept in the process (each web process counts once per version), never across
databases; on SQLite (no triggers) there is no version and every view counts.
"""

from __future__ import annotations

import datetime

from django.db import connection
from django.db.models import CharField, Count, Q, Value
from django.db.models.expressions import RawSQL

# A few filters times a day's versions; past this the kept counts start again.
MAX_KEPT = 512
_kept: dict[tuple, tuple[int, int]] = {}


def version_column():
    """The list's version, as a column of the query that picks the page's rows (the
    same snapshot); None on SQLite."""
    if connection.vendor != "postgresql":
        return Value(None, output_field=CharField())
    # With the row's xmin (the transaction that wrote it): a database restored from a
    # dump carries an older value of the sequence, which a running web process may
    # have kept counts for; its row is written again by the restore.
    return RawSQL(
        "(SELECT changed::text || '.' || xmin::text FROM charting_duelistversion WHERE id = 1)",
        (),
        output_field=CharField(),
    )


def counts(listed, *, overdue: Q, version: str | None, today: datetime.date, filters: tuple):
    """(listed, overdue) for ``listed``: kept for ``version``, else counted (one query)."""
    key = (connection.settings_dict["NAME"], version, today, *filters)
    if version is not None and (found := _kept.get(key)) is not None:
        return found
    # query: how many are listed and overdue
    totals = listed.aggregate(total=Count("id"), overdue=Count("id", filter=overdue))
    found = (totals["total"], totals["overdue"])
    if version is not None:
        if len(_kept) >= MAX_KEPT:
            _kept.clear()
        _kept[key] = found
    return found
