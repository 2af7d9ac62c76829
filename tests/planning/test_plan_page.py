"""The plan page: what it shows, and its query count, constant as points and past plans grow."""

from decimal import Decimal

import pytest

from planning.choices import VisitKind
from planning.models import MovementMap
from tests.factories import GLABELLAR, grade, make_plan, make_visit
from tests.queries import audit_event, joined_read

pytestmark = pytest.mark.django_db

# Queries of the plan editor (GET), each one named:
#   1 session, 2 user (authentication middleware)
#   3 user's groups (role check of @role_required)
#   4 the plan with visit, patient, location, injector, product, who finalized it,
#     its points (their muscles are the reference muscles of 7), its kept segments
#     (planning.keeps, issue 21) with their muscles and the visit's latest screening
#     (screening banner and checks): one statement (clinic.joined_read; on SQLite the
#     ORM's select_related and prefetches, three queries more)
#   5, 6 (none: read with 4)
#   7 muscles (the points', selects, names, sides; read first)
#   8 the product's dose ranges, 9 their muscles
#  10 the patient's history for the dose rules, one statement
#     (planning.treatment_history.history): signed charts and final plans of the
#     ingredient within 89 days either side of the visit (the ceiling's windows), the
#     last main session before the visit with its touch-up (90-day interval), the
#     patient-reported doses
#  11 the product's hard limits (clinic policy), 12 their muscles
#  13 the movement map for the plan (the visit's, else the latest earlier) with its
#     visit and its observations, one query (planning.movement.latest_baseline)
#  14 the photos of the map's visit with their measurements when it is another visit
#     (none in these tests: the plan visit's photos are read with 4; the measured
#     differences shown as context, planning.asymmetry)
#  15 the patient's other plans with their totals (and, above it, the product's limits
#     again with their muscles for the suggestions' points per site: the + 1 + 1 below,
#     cached outside a transaction)
#  16 the product's templates with their totals (an editable plan's: the menu that
#     replaces the points; a read-only plan has no such menu and does not ask)
#  17 the active location, 18 the locations list (base template's location switcher)
#  19 next cycle's window and doses: the patient's signed main treatments with their
#     seals, their reviews' signing and touch-ups' seals, and the latest one's muscles
#     given units, one statement (charting.reviews.cycles.signed_main_treatments); the
#     doses are kept by what they are made of (charting.reviews.starting_doses: the
#     cycles and four prefetches when there are some and they are not kept yet, see
#     tests/reviews/test_starting_doses.py); with some, the effect durations for the
#     window, 2 more: through planning.reference_cache, read straight from the database
#     inside these tests' transaction, see tests/charting/test_recall_timing.py)
# +audit_event(): the read is audited (the view hands its plan's patient over).
PLAN_PAGE_QUERIES = 20 + 1 + 1 - 4 + joined_read(4) + audit_event()


def grade_map(visit, injector):
    grade(visit, injector, {"FROWN.CORR.L": 3, "FROWN.CORR.R": 2, "FROWN.PROC.C": 2})


def test_plan_page_shows_grades_suggestions_totals_and_checks(injector_client, injector, patient):
    visit = make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True)
    grade_map(visit, injector)
    plan = make_plan(visit=visit, by=injector, points=GLABELLAR)
    response = injector_client.get(plan.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="plan-total">20 U' in page
    assert "matches the BOTOX Cosmetic label" in page
    # Grades beside the muscle, the stronger side marked, the suggestion labelled as one.
    corr = next(s for s in response.context["suggestions"] if s.muscle.code == "CORR")
    assert corr.grades == {"L": 3, "R": 2} and corr.stronger == "L"
    assert corr.units == {"L": 10, "R": 8}  # label 2 × 4 U per corrugator, × 1¼ for grade 3
    assert "Suggestions only" in page
    assert 'data-muscle="CORR" data-side="L" data-units="10"' in page
    # 10 U is three points of at most the label's 4 U a site, not one 10 U point.
    assert 'data-units="10" data-split="3.5,3.5,3"' in page
    # Patient's sides named on the diagram, regions named by muscle and side.
    assert "Patient&#x27;s R" in page and "Patient&#x27;s L" in page
    assert 'id="CORR-L"' in page and 'id="PROC-C"' in page


def _page_queries(client, plan, django_assert_num_queries, extra=0):
    with django_assert_num_queries(PLAN_PAGE_QUERIES + extra):
        response = client.get(plan.get_absolute_url())
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("points", [1, 40])
def test_plan_page_queries_constant_with_points(
    injector_client, injector, patient, points, django_assert_num_queries
):
    visit = make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True)
    grade_map(visit, injector)
    plan = make_plan(visit=visit, by=injector, points=[("CORR", "L", 2)] * points)
    response = _page_queries(injector_client, plan, django_assert_num_queries)
    assert len(response.context["points"]) == points


@pytest.mark.parametrize("past", [1, 20])
def test_plan_page_queries_constant_with_past_plans(
    injector_client, injector, patient, past, django_assert_num_queries
):
    for n in range(past):
        earlier = make_visit(
            patient=patient, injector=injector, days_ago=100 + n, kind=VisitKind.TREATMENT
        )
        make_plan(visit=earlier, by=injector, points=GLABELLAR, final=True)
    visit = make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True)
    grade_map(visit, injector)
    plan = make_plan(visit=visit, by=injector, points=GLABELLAR)
    response = _page_queries(injector_client, plan, django_assert_num_queries)
    assert len(response.context["past_plans"]) == past
    assert response.context["last_plan"].visit.pk == visit.patient.visits.order_by("-date")[1].pk


def test_the_suggestions_read_the_latest_map_up_to_the_plans_visit(
    injector_client, injector, patient, django_assert_num_queries
):
    """The map and its observations are one query (issue 22, fifth session): an earlier
    visit's map when the plan's visit has none, never a later one; a map with no cell
    still names its day (its visit read from the same row)."""
    consult = make_visit(patient=patient, injector=injector, days_ago=20)
    grade_map(consult, injector)
    visit = make_visit(patient=patient, injector=injector, days_ago=10, kind=VisitKind.TREATMENT)
    later = make_visit(patient=patient, injector=injector, days_ago=2)
    grade(later, injector, {"FROWN.CORR.L": 1})
    plan = make_plan(visit=visit, by=injector, points=GLABELLAR)
    # extra: the visit is not screened (the patient's latest screening is read too), and
    # the map is another visit's (its photos are read: 14)
    response = _page_queries(
        injector_client, plan, django_assert_num_queries, extra=2 + joined_read(1)
    )
    page = response.content.decode()
    assert f"from the movement map of {consult.date:%b} {consult.date.day}, " in page
    corr = next(s for s in response.context["suggestions"] if s.muscle.code == "CORR")
    assert corr.grades == {"L": 3, "R": 2}  # the consultation's grades, not the later map's
    MovementMap.objects.create(visit=visit, recorded_by=injector)  # the visit's own, empty
    response = injector_client.get(plan.get_absolute_url())
    assert (
        f"from the movement map of {visit.date:%b} {visit.date.day}, " in response.content.decode()
    )
    grades = [g for s in response.context["suggestions"] for g in s.grades.values()]
    assert grades and all(g is None for g in grades)  # the treated muscles, ungraded


def test_a_final_plans_page_asks_for_no_templates_and_reads_the_same_kept(
    injector_client, injector, patient, django_assert_num_queries
):
    """A final plan is read-only: no menu of templates (nor its query), and its point
    rows, dots and totals come from the kept copy on the next read, the same page."""
    visit = make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True)
    grade_map(visit, injector)
    plan = make_plan(visit=visit, by=injector, points=GLABELLAR, final=True)
    # no templates' menu (1), its planning aids folded (4: see the next test)
    first = _page_queries(injector_client, plan, django_assert_num_queries, extra=-5)
    again = _page_queries(injector_client, plan, django_assert_num_queries, extra=-5)
    assert (
        first.context["keep_rows"] and 'data-testid="templates-menu"' not in first.content.decode()
    )
    page = again.content.decode()
    assert 'data-testid="plan-total">20 U' in page and page.count('<g class="pt side-') == 5
    # Nothing for the editor's script to edit: it is told the plan is read only, and
    # gets neither the points nor the muscles (issue 22, twelfth session).
    assert again.context["plan_data"] == {"readonly": True}
    assert '<script id="plan-data" type="application/json">{"readonly": true}' in page


def test_a_read_only_plan_folds_its_planning_aids_and_still_checks_every_view(
    injector_client, injector, patient, django_assert_num_queries
):
    """A read-only plan is a record (issue 22, twelfth session): nothing can be added to
    it, so its planning aids (the movement map's grades and suggested doses, when the
    next cycle is due, the last cycle's doses) are folded behind one link, and neither
    the map nor the signed treatments are read for them; the dose checks are computed on
    every view either way. Doors: a draft (always shown), a final plan (folded), the
    link (``?aids=1``: shown, read as before)."""
    visit = make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True)
    grade_map(visit, injector)
    plan = make_plan(visit=visit, by=injector, points=GLABELLAR)
    draft = injector_client.get(plan.get_absolute_url()).content.decode()  # editable
    assert 'data-testid="suggestions"' in draft and "planning-aids-folded" not in draft
    plan = make_plan(visit=visit, by=injector, points=GLABELLAR, final=True)
    # without the map's read (1), the suggestions' limits (2) and the signed treatments
    # (1), nor the templates' menu (1)
    folded = _page_queries(injector_client, plan, django_assert_num_queries, extra=-5)
    page = folded.content.decode()
    assert 'data-testid="planning-aids-folded"' in page
    assert 'data-testid="suggestions"' not in page and 'data-testid="cycle-doses"' not in page
    assert folded.context["checks"] and 'data-testid="checks"' in page  # every view
    link = f'href="{plan.get_absolute_url()}?aids=1#suggest-title"'
    assert link in page
    shown = injector_client.get(plan.get_absolute_url() + "?aids=1")
    html = shown.content.decode()
    assert 'data-testid="suggestions"' in html and "planning-aids-folded" not in html
    assert f'href="{plan.get_absolute_url()}" data-testid="hide-planning-aids"' in html
    assert "hide-planning-aids" not in draft
    assert "CORR" in {s.muscle.code for s in shown.context["suggestions"]}
    assert shown.context["checks"] == folded.context["checks"]


def test_front_desk_never_sees_a_plan(desk_client, injector, patient):
    visit = make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True)
    plan = make_plan(visit=visit, by=injector, points=GLABELLAR)
    assert desk_client.get(plan.get_absolute_url()).status_code == 403
    assert desk_client.post(f"/planning/plans/{plan.pk}/preview/").status_code == 403


def test_the_face_diagram_renders_any_points_on_its_own(injector, patient, location):
    """Charting and the PDFs include the diagram with their own points."""
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    points = [
        SimpleNamespace(
            x=0.6, y=0.3, units=Decimal("4.0"), side="L", muscle=SimpleNamespace(code="CORR")
        ),
        SimpleNamespace(
            x=0.4, y=0.3, units=Decimal("2.5"), side="R", muscle=SimpleNamespace(code="CORR")
        ),
    ]
    svg = render_to_string("planning/_face_diagram.html", {"points": points})
    assert svg.count('class="pt side-') == 2 and "data-face-editor" not in svg
    assert "translate(240.0 156.0)" in svg and ">2.5</text>" in svg and ">4</text>" in svg
    assert 'fill="#2563eb"' in svg  # styled without the page's CSS


def test_the_static_face_svg_is_the_templates_drawing(settings):
    """static/img/face_front.svg is the empty diagram as a file; regenerate it with
    ``python manage.py shell -c "from planning.face import render_svg;
    open('static/img/face_front.svg', 'w').write(render_svg())"``."""
    from pathlib import Path

    from planning.face import STATIC_SVG, render_svg

    on_disk = (Path(settings.BASE_DIR) / "static" / STATIC_SVG).read_text()
    assert on_disk == render_svg()
    assert 'id="CORR-L"' in on_disk and "Patient&#x27;s L" in on_disk
    import xml.etree.ElementTree as ET

    svg = ET.fromstring(on_disk)  # noqa: S314 - our own file
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
