"""What the plan editor shows, fetched in a constant number of queries
(each query commented; the counts are tested in tests/planning/test_plan_page.py)."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from clinic.fragments import Shown
from clinic.links import kept_links

from .. import final_points, reference_cache, sides, treatment_history
from .. import plans as planning_plans
from ..access import photos_of_visit
from ..asymmetry import SCALE_SENTENCE, first_measured, readings_by_visit
from ..dosing import BLOCK, WARN, as_checked, totals_by_muscle_side, vials_needed, volume_ml
from ..face import default_position
from ..keeps import kept_refusal
from ..models import TreatmentPlan
from ..movement import latest_baseline, observed_pulls
from ..plan_points import MAX_RAW_CHARS, as_points
from ..suggestions import kept_suggestions
from ..templatetags.face_svg import kept_checks, kept_points, kept_totals
from ..units import format_units


class _ProductShown(NamedTuple):
    brand: str
    generic_name: str
    labeled_dilution: str


class ProductShown(Shown, _ProductShown):
    __slots__ = ()


class _PlanShown(NamedTuple):
    pk: int
    visit_id: int
    product: ProductShown
    vial_units: int
    diluent_ml: Decimal
    is_final: bool
    get_status_display: str
    version: int


class PlanShown(Shown, _PlanShown):
    """What a read-only plan's kept parts read of the plan (``{% kept %}`` in
    planning/plan_editor.html), as plain values under the model's names."""

    __slots__ = ()


def plan_shown(plan: TreatmentPlan) -> PlanShown:
    product = plan.product
    return PlanShown(
        plan.pk,
        plan.visit_id,
        ProductShown(product.brand, product.generic_name, product.labeled_dilution),
        plan.vial_units,
        plan.diluent_ml,
        plan.is_final,
        str(plan.get_status_display()),
        plan.version,
    )


def _point_json(p) -> dict:
    return {
        "muscle": p.muscle.code,
        "side": p.side,
        "x": float(p.x),
        "y": float(p.y),
        "units": format_units(p.units),
        "depth": p.depth,
        "note": p.note,
    }


def _lenient(raw: str) -> list:
    """The posted points as they came (invalid ones included), for the editor."""
    if len(raw or "") > MAX_RAW_CHARS:
        return []
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return []
    return [p for p in data if isinstance(p, dict)] if isinstance(data, list) else []


def panel_figures(*, plan: TreatmentPlan, points: list) -> dict:
    """The panel's totals per muscle and side with their volumes and balance, the
    plan's total, vials and volumes: made from the points and the dilution alone."""
    totals = totals_by_muscle_side(points)
    total = sum((t.total for t in totals), Decimal("0"))
    rows = [
        {
            "t": t,
            "volume": volume_ml(t.total, plan.vial_units, plan.diluent_ml),
            "more": sides.stronger(t.left, t.right),
            "balance": sides.difference(t.left, t.right),
        }
        for t in totals
    ]
    return {
        "rows": rows,
        "plan_total": total,
        "point_count": len(points),
        "vials": vials_needed(total, plan.vial_units),
        "total_volume": volume_ml(total, plan.vial_units, plan.diluent_ml),
        "per_0_1_ml": (Decimal(plan.vial_units) / plan.diluent_ml / 10).quantize(Decimal("0.01")),
    }


def panel_context(
    *, plan: TreatmentPlan, points: list, screening, ranges=None, figures=None
) -> dict:
    """Totals, balance, vials, volumes (``figures``, else ``panel_figures``) and the
    dose checks for ``points``, computed here every time.
    Queries: ranges (2, unless given) + history (2)."""
    checks = planning_plans.run_checks(plan=plan, points=points, screening=screening, ranges=ranges)
    return {
        "plan": plan,
        **(figures if figures is not None else panel_figures(plan=plan, points=points)),
        "checks": checks,
        "blocked": any(c.level == BLOCK for c in checks),
        "warned": any(c.level == WARN for c in checks),
        "needs_ack": any(c.needs_ack for c in checks),
    }


def _kept_figures(*, plan: TreatmentPlan, points: list) -> dict:
    """``panel_figures`` with the totals rows plain, and the points plain as the kept
    diagram and table read them (``shown_points``)."""
    figures = panel_figures(plan=plan, points=points)
    figures["rows"] = kept_totals(figures["rows"])
    figures["shown_points"] = kept_points(points)
    return figures


def _map_suggestions(*, plan: TreatmentPlan, muscles, points, ranges):
    """The visit of the movement map the plan starts from (the visit's, else the
    latest earlier), its suggestion per muscle graded there or treated in the plan, and
    the map's directions of pull (1 query: the map's visit and its observations)."""
    map_visit, observations = latest_baseline(visit=plan.visit)
    graded = {o.muscle_id for o in observations}
    treated = {p.muscle.code for p in points}
    # a suggestion per muscle graded there or treated in the plan (each muscle's row is
    # its own: the others are not worked out to be left out)
    suggestions = kept_suggestions(
        product=plan.product,
        muscles=[m for m in muscles if m.pk in graded or m.code in treated],
        observations=observations,
        ranges=ranges,
    )  # the product's limits: 2 queries unless cached
    return map_visit, suggestions, observed_pulls(observations, muscles)


@lru_cache(maxsize=16)
def _muscle_data(muscles: tuple) -> tuple[list, dict]:
    """The editor's muscles (code, name, sides, paired) and each one's default place per
    side, made once per process per set of reference muscles (shared: read only)."""
    choices = [
        {"code": code, "name": name, "sides": list(sides), "paired": paired}
        for code, name, sides, paired in muscles
    ]
    defaults = {
        f"{code}-{side}": default_position(code, side)
        for code, _, sides, _ in muscles
        for side in sides
    }
    return choices, defaults


def _editor_data(*, plan: TreatmentPlan, muscles, stored, raw_points, editable: bool) -> dict:
    """What the editor's script starts from (JSON in the page): the points (as stored,
    or as posted), the muscles, their default positions, the dilution, the preview URL."""
    keeps = list(plan.keeps.all())
    choices, defaults = _muscle_data(
        tuple((m.code, m.name, tuple(m.sides), m.paired) for m in muscles)
    )
    return {
        "points": [_point_json(p) for p in stored] if raw_points is None else _lenient(raw_points),
        "muscles": choices,
        "defaults": defaults,
        # The kept segments and the sentence the server refuses a point there with
        # (planning.keeps, still the one authority at save): the editor refuses the
        # tap at once. plan.keeps is prefetched with its muscles: no query.
        "kept": {
            f"{k.muscle.code}-{k.side}": kept_refusal(keeps=keeps, muscle=k.muscle, side=k.side)
            for k in keeps
        },
        "vialUnits": plan.vial_units,
        "diluentMl": float(plan.diluent_ml),
        "previewUrl": kept_links()("planning:plan_preview", plan.pk),
        # read only: a final plan, or a plan of a signed visit (a refused save there
        # shows what was posted, and the script must not offer to edit it)
        "readonly": not editable,
    }


def editor_context(
    *, plan: TreatmentPlan, screening, form=None, conflict=None, muscles=None, aids: bool = False
) -> dict:
    """The plan editor's page. A plan that can still change shows its planning aids
    (the movement map's grades and suggested doses, when the next cycle is due, the last
    cycle's suggested doses); a read-only one is a record and folds them unless ``aids``
    (the page's "Show the planning aids" link): nothing there can be applied to it, and
    what keeps it safe, the dose checks, is computed on every view either way."""
    # The reference muscles (selects, names, sides): the view's, else a query unless cached.
    muscles = list(reference_cache.muscles() if muscles is None else muscles)
    by_code = {m.code: m for m in muscles}
    posted = form is not None and form.is_bound  # else a GET: the plan as stored
    # a final plan, or any plan of a visit whose treatment is signed, is read-only
    editable = not plan.is_final and not plan.visit.is_locked
    # a read-only plan as stored (not a refused save's page): a record, its stored
    # points' rows, dots and totals drawn once per process and kept
    # (planning.templatetags.face_svg): they can no longer change on this page
    keep_rows = not editable and not posted
    # A read-only plan as stored, with no kept segment (their reasons, typed text, are
    # in its diagram): its bar, diagram, panel and point table are kept parts of the
    # page ({% kept %}: clinic.fragments.kept_part), keyed by what they show, plain.
    segments = tuple(plan.keeps.all())  # prefetched with the plan: no query
    keep_parts = keep_rows and not segments
    raw_points, stored, figures = None, None, None
    if posted:
        # Show what the injector posted, valid or not: nothing entered is lost.
        raw_points = form.data.get("points") or "[]"
        points = as_points(form.parsed_points, plan=plan)
        stored = final_points.points_of(plan, muscles)
    elif keep_parts:
        # What the page shows of the points (plain rows of points and totals) and the
        # points as the dose rules read them, made from the points, the reference
        # muscles they carry and the dilution alone: kept with a final plan's kept
        # points (planning.final_points.derived; its rows made only to make them). The
        # dose checks below are still worked out from them on every view.
        figures = final_points.derived(
            plan,
            ("panel", plan.vial_units, plan.diluent_ml),
            lambda: _kept_figures(plan=plan, points=final_points.points_of(plan, muscles)),
        )
        points = final_points.derived(
            plan, ("checked",), lambda: as_checked(final_points.points_of(plan, muscles))
        )
    else:
        stored = points = final_points.points_of(plan, muscles)
    ranges = planning_plans.ranges_for(plan.product)  # 2 queries: ranges, their muscles
    panel = panel_context(
        plan=plan, points=points, screening=screening, ranges=ranges, figures=figures
    )
    shown_points = panel.pop("shown_points", None)
    aids = aids or not keep_rows
    if aids:
        map_visit, suggestions, pulls = _map_suggestions(
            plan=plan, muscles=muscles, points=points, ranges=ranges
        )  # 1 query: the map's visit and its observations
    else:
        map_visit, suggestions, pulls = None, [], []
    # Context only, no dose rule reads it: what was measured on the photos of this
    # visit, else of the map's visit (the plan visit's read with the plan; the map
    # visit's, when another, one query: clinic.joined_read; the plan visit's alone while
    # the aids are folded).
    photos = list(plan.visit.photos.all())
    if map_visit is not None and map_visit.pk != plan.visit_id:
        photos += photos_of_visit(map_visit.pk)  # query: the map visit's photos
    measured_visit, measured = first_measured(
        visits=[plan.visit, map_visit], by_visit=readings_by_visit(photos)
    )
    past = planning_plans.past_plans(plan=plan)  # query: other plans with totals
    # The product's templates, for the menu that replaces the points: an editable plan's
    # only (query: the templates with their totals).
    templates = list(planning_plans.templates_for(plan.product)) if editable else []
    # When the next cycle is due (charting.recall_timing, the history page's window) and
    # next cycle's doses from the patient's reviewed cycles of this product, from one
    # read of the signed treatments (the review app's provider, reviews.cycles: 1 query,
    # the cycles' 5 more when the doses are not kept; none without a provider).
    next_cycle, cycle_doses = (
        treatment_history.next_cycle_and_doses(patient=plan.visit.patient, product=plan.product)
        if aids
        else (None, [])
    )
    if not keep_rows:
        data = _editor_data(
            plan=plan, muscles=muscles, stored=stored, raw_points=raw_points, editable=editable
        )
        data.update(dirty=posted, errors=getattr(form, "point_errors", {}))
    else:
        # A read-only plan as stored: the editor's script has nothing to edit (no
        # points to move, no table to keep in step), so it gets no editor data.
        data = {"readonly": True}
    last = next(
        (
            p
            for p in past
            if p.product_id == plan.product_id
            and p.visit_id != plan.visit_id  # an earlier visit's plan
            and p.visit.date <= plan.visit.date
        ),
        None,
    )
    # The dose checks are computed above on every view; only their drawing is kept,
    # by their findings (a changed finding is another part).
    shown = (
        {
            "plan_shown": plan_shown(plan),
            "rows_shown": kept_totals(panel["rows"]),
            "checks_shown": kept_checks(panel["checks"]),
        }
        if keep_parts
        else {}
    )
    return {
        **panel,
        **shown,
        "keep_parts": keep_parts,
        "point_errors": (),  # the live preview's (its own context); none on the page
        "kept_segments": segments,
        "visit": plan.visit,
        "screening": screening,
        "form": form,  # None on a GET
        "posted": posted,  # the page shows what was posted (a refused save)
        "conflict": conflict,
        # a read-only plan's points as its kept diagram and table read them, made once
        "points": (
            shown_points
            if shown_points is not None
            else (kept_points(points) if keep_rows else points)
        ),
        "raw_points": raw_points,
        "plan_data": data,
        "suggestions": suggestions,
        "cycle_doses": cycle_doses,
        "next_cycle": next_cycle,
        "map_visit": map_visit,  # the visit of the movement map the suggestions read
        "measured_visit": measured_visit,
        "measured": measured,
        "scale_sentence": SCALE_SENTENCE,
        "pulls": pulls,  # the map's directions of pull (planning.pull), in words
        "past_plans": past,
        "last_plan": last,
        "templates": templates,
        "muscles": by_code,
        "editable": editable,
        "aids": aids,  # the planning aids shown (else folded: a read-only plan)
        "keep_rows": keep_rows,
        "step": "plan",
    }
