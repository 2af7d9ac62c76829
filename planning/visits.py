"""Opening visits, and the patient's latest ones."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import dateformat, timezone
from markupsafe import Markup

from clinic.compiled import CompiledValues, Param
from clinic.fragments import render_fragment
from clinic.models import User

from .choices import NotTreatedReason, VisitKind, VisitStatus
from .models import Screening, Visit

RECENT_VISITS = 8


@transaction.atomic
def start_consultation(
    *, patient, injector, location, by, on: datetime.date | None = None
) -> Visit:
    """Open a consultation for the patient today, or return the one already open.

    A second tap on "start consultation" must not make a second visit.
    """
    day = on or timezone.localdate()
    existing = (
        Visit.objects.select_for_update()
        .filter(patient=patient, date=day, kind=VisitKind.CONSULTATION, status=VisitStatus.OPEN)
        .first()
    )
    if existing is not None:
        return existing
    return Visit.objects.create(
        patient=patient,
        injector=injector,
        location=location,
        date=day,
        kind=VisitKind.CONSULTATION,
        created_by=by,
    )


@dataclass(frozen=True)
class VisitRow:
    """One line of the patient page's visits, as text (``recent_visit_rows``)."""

    url: str
    day: str  # "Mar 18, 2026"
    kind: str
    location: str
    injector: str
    screening: str | None  # the latest screening's outcome: block, warn, clear, or None
    not_treated: str  # the reason's label, or ""
    status: str  # the status's label unless the visit is open, else ""


def _recent_visits():
    latest_outcome = (
        Screening.objects.filter(visit=OuterRef("pk")).latest_first().values("outcome")[:1]
    )
    return (
        Visit.objects.filter(patient_id=Param("patient", models.BigIntegerField()))
        .annotate(screening_outcome=Subquery(latest_outcome))
        .order_by("-date", "-id")
        .values(
            "pk", "date", "kind", "status", "screening_outcome", "location__name",
            "injector__first_name", "injector__last_name", "injector__email",
            "injector__title", "not_treated__reason",
        )[:RECENT_VISITS]
    )  # fmt: skip


_RECENT = CompiledValues(_recent_visits)


def recent_visit_rows(*, patient) -> Markup:
    """The patient page's visits, latest first, each with the outcome of its latest
    screening: one query of plain values, drawn by one fragment render
    (``planning/patient_visits.jinja``). Read as values, not visits with their
    injector, location and reason joined as models: that was a fifth of the page's
    CPU (docs/benchmarks.md)."""
    values = _RECENT(patient=patient.pk)  # query: the visits as values (SQL written once)
    rows = []
    for v in values:
        reason = v["not_treated__reason"]
        rows.append(
            VisitRow(
                url=reverse("planning:visit_detail", args=[v["pk"]]),
                day=dateformat.format(v["date"], "M j, Y"),
                kind=VisitKind(v["kind"]).label,
                location=v["location__name"],
                injector=User.display_name(
                    first_name=v["injector__first_name"],
                    last_name=v["injector__last_name"],
                    email=v["injector__email"],
                    title=v["injector__title"],
                ),
                screening=v["screening_outcome"],
                not_treated=NotTreatedReason(reason).label if reason else "",
                status="" if v["status"] == VisitStatus.OPEN else VisitStatus(v["status"]).label,
            )
        )
    return render_fragment("planning/patient_visits.jinja", rows=rows)
