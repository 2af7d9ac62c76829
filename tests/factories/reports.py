"""Report data: a patient's history of planned treatment visits, and report jobs (invented)."""

from __future__ import annotations

from django.utils import timezone

from charting.reports.models import Kind, ReportJob
from planning.choices import VisitKind

from .planning import grade, make_plan, make_visit, screen

# A stronger left corrugator and frontalis: more units on the left (15 U in all).
HISTORY_PLAN = [("CORR", "L", "5"), ("CORR", "R", "3.5"), ("PROC", "C", "4"), ("FRONT", "L", "2.5")]
HISTORY_MAP = {"FROWN.CORR.L": 3, "FROWN.CORR.R": 2, "BROWS.FRONT.L": 2, "BROWS.FRONT.R": 2}


def planned_visit(*, patient, injector, days_ago: int, notes: str = ""):
    """A treatment visit ``days_ago`` days ago: screened (``notes`` as the allergies),
    mapped (frown and brows) and planned (a draft of HISTORY_PLAN)."""
    visit = make_visit(
        patient=patient, injector=injector, days_ago=days_ago, kind=VisitKind.TREATMENT
    )
    screen(visit, injector, allergies=notes)
    grade(visit, injector, HISTORY_MAP)
    make_plan(visit=visit, by=injector, points=HISTORY_PLAN)
    return visit


def make_history(*, patient, injector, cycles: int, every_days: int = 100, notes: str = ""):
    """``cycles`` planned visits ``every_days`` apart, the last ``every_days`` ago; oldest first."""
    return [
        planned_visit(patient=patient, injector=injector, days_ago=every_days * n, notes=notes)
        for n in range(cycles, 0, -1)
    ]


def make_report_job(*, by, patient=None, kind: str = Kind.HISTORY, **fields) -> ReportJob:
    """A report job row as a request leaves it: a patient's history, queued, unless
    ``kind`` and ``fields`` say otherwise."""
    return ReportJob.objects.create(kind=kind, patient=patient, requested_by=by, **fields)


def today():
    return timezone.localdate()
