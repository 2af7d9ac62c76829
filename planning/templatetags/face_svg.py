"""The face diagram's markup, drawn without the template language's per-node cost.

The drawing, the muscle regions and their labels are the same on every diagram:
rendered once per process from ``planning/_face_static.html`` (twice: on screen,
and for print without the regions and their labels). The points (up to a hundred
on a plan, charted treatment or touch-up) and the plan's point table are fragments
(``templates/fragments/planning/``), drawn in one render each.

A plan that can no longer change on this page (final, or its visit's treatment
signed) has its point rows, dots and totals drawn once per process and kept
(``keep``: ``clinic.fragments.render_kept``, the movement map rows' mechanism):
each fragment is handed plain rows holding every value it reads (``kept_points``,
``kept_totals``), and those rows are the key.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from functools import cache
from typing import NamedTuple

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from markupsafe import Markup

from clinic.clock import clock_text
from clinic.fragments import render_fragment, render_kept
from clinic.links import kept_links

register = template.Library()


@cache
def _static(printed: bool) -> SafeString:
    return render_to_string("planning/_face_static.html", {"printed": printed})


@register.simple_tag
def face_static(printed: bool = False) -> SafeString:
    """The drawing, regions and labels; ``printed``: the drawing and side labels only
    (the regions are the editor's tap targets, and WeasyPrint would fill them solid)."""
    return _static(bool(printed))


class KeptMuscle(NamedTuple):
    code: str
    name: str
    paired: bool


class KeptPoint(NamedTuple):
    """A point as the point rows and the diagram's dots read it: every value they read."""

    muscle: KeptMuscle
    side: str
    x: Decimal
    y: Decimal
    units: Decimal
    depth: str


class Dilution(NamedTuple):
    """What a volume is worked out from (the ``volume_for`` filter)."""

    vial_units: int
    diluent_ml: Decimal


class KeptTotal(NamedTuple):
    """A totals row (``planning.views.plan_page.panel_context``) as plain values."""

    t: object  # planning.dosing.MuscleTotals, its muscle a KeptMuscle
    volume: Decimal
    more: str
    balance: str


def _muscle(m) -> KeptMuscle:
    return KeptMuscle(m.code, m.name, m.paired)


class KeptPoints(tuple):
    """Points already made plain (``kept_points``): the plan page makes them once for its
    diagram and its table."""


def kept_points(points) -> KeptPoints:
    if type(points) is KeptPoints:
        return points
    return KeptPoints(
        KeptPoint(_muscle(p.muscle), p.side, p.x, p.y, p.units, p.depth) for p in points
    )


def kept_totals(rows) -> tuple[KeptTotal, ...]:
    if type(rows) is tuple:  # made already (a kept part's rows)
        return rows
    return tuple(
        KeptTotal(
            dataclasses.replace(r["t"], muscle=_muscle(r["t"].muscle)),
            r["volume"], r["more"], r["balance"],
        )
        for r in rows
    )  # fmt: skip


@register.simple_tag
def face_points(points, numbered: bool = False, keep: bool = False) -> Markup:
    """The points' markers; ``numbered``: each dot carries its place in ``points`` (1, 2,
    …), the number of its row in the table printed beside the diagram; ``keep``: drawn
    once and kept (a plan that can no longer change on its page)."""
    if keep:
        return render_kept(
            "planning/face_points.jinja", points=kept_points(points), numbered=bool(numbered)
        )
    return render_fragment("planning/face_points.jinja", points=points, numbered=bool(numbered))


@register.simple_tag
def plan_point_rows(points, plan, keep: bool = False) -> Markup:
    """The rows of the plan editor's point table (number, muscle, side, units, volume,
    depth); ``keep``: drawn once and kept (a plan that can no longer change)."""
    if keep:
        return render_kept(
            "planning/plan_point_rows.jinja",
            points=kept_points(points),
            plan=Dilution(plan.vial_units, plan.diluent_ml),
        )
    return render_fragment("planning/plan_point_rows.jinja", points=points, plan=plan)


class KeptSide(NamedTuple):
    """A suggestion's side as its row reads it (``MuscleSuggestion.sides``)."""

    side: str
    grade: int | None
    units: Decimal | None
    split: str
    points: int


class KeptSuggestion(NamedTuple):
    """A movement-map suggestion (``planning.suggestions.MuscleSuggestion``) as plain values."""

    muscle: KeptMuscle
    stronger: str
    sides: tuple[KeptSide, ...]
    basis: str
    source: str


class KeptDose(NamedTuple):
    """Next cycle's dose (``planning.treatment_history.SuggestedDose``) as plain values."""

    muscle_code: str
    side: str
    units: Decimal
    reason: str
    points: tuple


@register.simple_tag
def suggestion_rows(suggestions, editable, brand, keep: bool = False) -> Markup:
    """The rows of the movement-map suggestions table (one render; issue 22); ``keep``:
    drawn once and kept (a plan that can no longer change on its page)."""
    if keep:
        rows = tuple(
            KeptSuggestion(
                _muscle(s.muscle), s.stronger,
                tuple(KeptSide(c["side"], c["grade"], c["units"], c["split"], c["points"])
                      for c in s.sides),
                s.basis, s.source,
            )
            for s in suggestions
        )  # fmt: skip
        return render_kept(
            "planning/suggestion_rows.jinja", suggestions=rows, editable=bool(editable), brand=brand
        )
    return render_fragment(
        "planning/suggestion_rows.jinja",
        suggestions=suggestions,
        editable=bool(editable),
        brand=brand,
    )


class KeptCheck(NamedTuple):
    """A dose check's finding (``planning.dosing.Check``) as plain values: every value its
    list item reads. Its message is made by the dose rules from reference data, figures
    and days (no typed text), and is taken as plain text (``str``): always escaped."""

    level: str
    code: str
    message: str
    source: str
    needs_ack: bool


@register.simple_tag
def dose_check_items(checks) -> Markup:
    """The dose checks' list items (one render; issue 22, third pass): the plan panel's
    and the chart's live checks. The checks are computed by the caller on every view;
    their list is drawn once per distinct set of findings and kept (issue 22, eleventh
    session: the findings' values are the key, so a changed finding is another entry)."""
    return render_kept("planning/dose_checks.jinja", checks=kept_checks(checks))


def kept_checks(checks) -> tuple[KeptCheck, ...]:
    return tuple(
        KeptCheck(str(c.level), str(c.code), str(c.message), str(c.source), bool(c.needs_ack))
        for c in checks
    )


class KeptPastPlan(NamedTuple):
    """A row of the patient's other plans as its fragment reads it: every value it reads
    (link, day, kind, product, status, counts: no typed text)."""

    url: str
    day: str
    kind: str
    brand: str
    status: str
    point_count: int
    total_units: Decimal


@register.simple_tag
def past_plan_rows(plans) -> Markup:
    """The rows of the plan editor's table of the patient's other plans (one render;
    issue 22, third pass), drawn once per distinct set of rows and kept (eleventh
    session: the rows' values are the key). ``plans``: ``planning.plans.past_plans``'
    rows, read on every view."""
    link = kept_links()
    rows = tuple(
        KeptPastPlan(
            link("planning:plan", p.pk),
            clock_text(p.visit.date, "M j, Y"),  # as the date filter writes it
            str(p.visit.get_kind_display()),
            str(p.product.brand),
            str(p.get_status_display()),
            p.point_count,
            p.total_units or Decimal("0"),
        )
        for p in plans
    )
    return render_kept("planning/past_plan_rows.jinja", rows=rows)


@register.simple_tag
def plan_total_rows(rows, cols, keep: bool = False) -> Markup:
    """The rows of the plan panel's totals per muscle and side (one render; issue 22);
    ``keep``: drawn once and kept (a plan that can no longer change)."""
    if keep:
        return render_kept(
            "planning/plan_total_rows.jinja", rows=kept_totals(rows), cols=tuple(cols)
        )
    return render_fragment("planning/plan_total_rows.jinja", rows=rows, cols=cols)


@register.simple_tag
def cycle_dose_rows(doses, editable, keep: bool = False) -> Markup:
    """The rows of next cycle's suggested doses (one render; issue 22); ``keep``: drawn
    once and kept (a plan that can no longer change on its page)."""
    if keep:
        rows = tuple(
            KeptDose(d.muscle_code, d.side, d.units, d.reason, tuple(map(tuple, d.points)))
            for d in doses
        )
        return render_kept("planning/cycle_dose_rows.jinja", doses=rows, editable=bool(editable))
    return render_fragment("planning/cycle_dose_rows.jinja", doses=doses, editable=bool(editable))


@register.simple_tag
def face_kept(keeps) -> Markup:
    """The plan's kept segments (planning.keeps) drawn over their regions: hatched and
    outlined, catching no tap (issue 21). ``keeps``: PlanKeep rows with their muscles."""
    from ..face import REGIONS_BY_ID

    regions = [
        (REGIONS_BY_ID[f"{k.muscle.code}-{k.side}"], k)
        for k in keeps
        if f"{k.muscle.code}-{k.side}" in REGIONS_BY_ID
    ]
    return render_fragment("planning/face_kept.jinja", regions=regions)
