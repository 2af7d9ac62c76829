"""The PDF part of `make bench`: its invented patient is a real signed record,
made once and found again, and a report renders with its figures."""

from __future__ import annotations

import pytest

from charting.models import Treatment
from charting.reports.models import HistoryPart
from charting.reports.patient_history import build_history
from charting.seal import verify
from planning.models import Visit
from tools.bench import pdf

TREATMENTS = 3

pytestmark = pytest.mark.django_db


def test_the_invented_patient_has_signed_treatments_that_verify(injector):
    patient_id = pdf.make_patient(count=TREATMENTS, by=injector)

    treatments = list(Treatment.objects.filter(visit__patient_id=patient_id))
    assert len(treatments) == TREATMENTS
    assert all(verify(t) for t in treatments)  # signed, and the hash covers what is stored
    assert all(t.injections.count() == len(pdf.POINTS) for t in treatments)
    history = build_history(patient=treatments[0].visit.patient)
    assert [c.treatment is not None for c in history["visits"]] == [True] * TREATMENTS
    assert treatments[0].visit.patient.chart_number == f"BENCH-{TREATMENTS}"


def test_the_invented_patient_is_made_once(injector):
    first = pdf.make_patient(count=TREATMENTS, by=injector)
    again = pdf.make_patient(count=TREATMENTS, by=injector)

    assert again == first
    assert Visit.objects.filter(patient_id=first).count() == TREATMENTS


def test_subjects_and_a_rendered_injection_map(injector):
    subject = pdf.subjects(TREATMENTS)
    assert subject["treatments"] == TREATMENTS and subject["user"] == injector

    result = pdf.render("injection_map", subject["treatment"], reps=1)

    assert result["pages"] >= 1 and result["bytes"] > 1000
    assert result["peak_rss_mb"] >= result["base_rss_mb"] > 0
    figure = pdf.render_figure(result)
    assert figure.startswith(f"{result['pages']} · ")


def test_the_history_rows_render_the_workers_path(injector):
    """The history rows are the worker's kept parts: a first render lays out and keeps
    every signed cycle, a kept render reads them, same pages."""
    subject = pdf.subjects(TREATMENTS)
    parts = HistoryPart.objects.filter(
        document="history", treatment__visit__patient_id=subject["patient"]
    )

    first = pdf.render("history_first", subject["patient"], reps=1)
    assert parts.count() == TREATMENTS
    kept = pdf.render("history_kept", subject["patient"], reps=1)

    assert kept["pages"] == first["pages"] >= TREATMENTS
    assert parts.filter(uses__gte=1).count() == TREATMENTS  # read from storage


def test_the_bench_plan_obeys_the_position_rule(injector):
    """Each point of the bench's plan lies in its own muscle's region (the rule the
    plan page, the chart and the touch-up apply): FRONT R is on the medial frontalis,
    not on FRONTL, which took the old fixed column x = 0.35."""
    from planning.face import position_refusal, regions_at
    from planning.models import InjectionPoint

    patient_id = pdf.make_patient(count=1, by=injector)
    treatment = Treatment.objects.get(visit__patient_id=patient_id)
    points = list(
        InjectionPoint.objects.filter(plan__visit=treatment.visit).select_related("muscle")
    )
    assert len(points) == len(pdf.POINTS)
    for p in points:
        assert position_refusal(muscle=p.muscle.code, side=p.side, x=p.x, y=p.y) is None
        assert (p.muscle.code, p.side) in {(r.muscle, r.side) for r in regions_at(p.x, p.y)}
