"""Hostile text in the face diagram's points (planning/face_points.jinja) and the
plan editor's point rows (planning/plan_point_rows.jinja). Muscles are unsaved
rows: the reference cache of this process stays clean."""

from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from planning.choices import VisitKind
from planning.models import InjectionPoint, Muscle, TreatmentPlan
from planning.templatetags.face_svg import face_points, plan_point_rows
from tests.factories import make_plan, make_visit
from tests.hostile import ATTRIBUTE, QUOTES, SCRIPT, TEXTAREA, assert_shown_as_text

pytestmark = pytest.mark.django_db
NO_TAGS = ("<script", "<img", "</textarea>", "<b>")


def assert_no_hostile_tags(html: str) -> None:
    for tag in NO_TAGS:
        assert tag not in html, f"{tag} written as markup"


def points(*, code=ATTRIBUTE, depth=TEXTAREA, name=QUOTES):
    muscle = Muscle(code=code, name=name, paired=True)
    return [
        InjectionPoint(muscle=muscle, side="L", x=Decimal("0.6"), y=Decimal("0.3"),
                       units=Decimal("2.5"), depth=depth),
        InjectionPoint(muscle=muscle, side="R", x=Decimal("0.4"), y=Decimal("0.3"),
                       units=Decimal("4"), depth=SCRIPT),
    ]  # fmt: skip


def test_the_face_points_show_hostile_text_as_text():
    shown = points(code=f"{ATTRIBUTE}{SCRIPT}")
    svg = face_points(shown)
    assert_shown_as_text(svg, f"{ATTRIBUTE}{SCRIPT}")
    assert_no_hostile_tags(svg)
    assert svg.count('class="pt side-') == 2 and ">2.5</text>" in svg and ">4</text>" in svg
    diagram = render_to_string("planning/_face_diagram.html", {"points": shown})
    assert_shown_as_text(diagram, f"{ATTRIBUTE}{SCRIPT}")
    assert_no_hostile_tags(diagram)


def test_the_plan_point_rows_show_hostile_text_as_text():
    plan = TreatmentPlan(vial_units=100, diluent_ml=Decimal("2.50"))
    rows = plan_point_rows(points(name=f"{QUOTES} {SCRIPT}"), plan)
    for text in (f"{QUOTES} {SCRIPT}", TEXTAREA, SCRIPT):
        assert_shown_as_text(rows, text)
    assert_no_hostile_tags(rows)
    assert "<td>1</td>" in rows and "<td>2</td>" in rows and "<td>2.5 U</td>" in rows


def test_a_hostile_depth_comes_back_as_text_on_the_plan_page(injector_client, patient, injector):
    visit = make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True)
    plan = make_plan(visit=visit, by=injector, points=[("CORR", "L", 4), ("PROC", "C", 4)])
    depth = '"><b>deep</b>'  # a point's depth holds 20 characters
    plan.points.update(depth=depth)
    html = injector_client.get(reverse("planning:plan", args=[plan.pk])).content.decode()
    table = html.split("data-points-body>")[1].split("</tbody>")[0]
    assert_shown_as_text(table, depth)
    assert "<b>" not in table and table.count("<tr>") == 2
