"""Measured asymmetry across a patient's visits (issue 21), for the history page and
the history PDF: per measure, expression and moment, the difference between the
patient's right and left at each measured visit (``planning.asymmetry_chart``) beside
the units charted per side, in signed charts, to the muscles that move it.

Rendered on every read (the history PDF prints it in its front matter, never inside a
kept part: a new visit's measurement changes every earlier cycle's chart). Shown only;
no dose rule reads it.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum

from charting.models import Injection
from planning.asymmetry import any_measured, photos_of, readings_by_visit
from planning.asymmetry_chart import Series, UnitsByVisit, series_of


def units_by_visit(visit_ids: list[int]) -> UnitsByVisit:
    """Units given per visit, muscle code and side in signed charts (one query)."""
    given: UnitsByVisit = defaultdict(dict)
    rows = (
        Injection.objects.filter(
            treatment__visit_id__in=visit_ids, treatment__signed_at__isnull=False
        )
        .values_list("treatment__visit_id", "muscle__code", "side")
        .annotate(units=Sum("units"))
        .order_by()
    )
    for visit_id, code, side, units in rows:
        given[visit_id][(code, side)] = units or Decimal("0")
    return dict(given)


def measured_history(*, visits: list) -> list[Series]:
    """The series of ``visits`` (planning Visits, oldest first): one query for their
    photos with their measurements, one more for the units when something was measured;
    no series (and no section) when nothing was."""
    visit_ids = [v.pk for v in visits]
    by_visit = readings_by_visit(photos_of(visit_ids))
    if not any(any_measured(found) for found in by_visit.values()):
        return []
    return series_of(
        visits=visits, readings_by_visit=by_visit, units_by_visit=units_by_visit(visit_ids)
    )
