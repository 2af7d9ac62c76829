"""Treatment plans: starting, saving (with the version check), finalizing,
templates and "start from last plan". Views call these; dose rules live in
``planning.dosing``, suggestions in ``planning.suggestions``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from clinic import statements
from clinic.links import kept_links

from . import dose_rules, dosing, keeps, reference_cache
from .choices import PlanStatus, VisitKind
from .models import (
    DoseRange,
    InjectionPoint,
    PlanKeep,
    PlanTemplate,
    PlanTemplatePoint,
    Product,
    TreatmentPlan,
    Visit,
)
from .plan_points import PointInput, as_points, point_fields


class PlanConflict(Exception):
    """The plan was saved elsewhere since the editor opened it."""

    def __init__(self, *, current: int, yours: int):
        self.current, self.yours = current, yours
        super().__init__(
            f"This plan was changed in another tab or device while you edited it (it is now "
            f"version {current}; you started from version {yours}). Your points are still on "
            f"this page and were not saved."
        )


# --- checks --------------------------------------------------------------------------


def ranges_for(product: Product) -> list[DoseRange]:
    # 2 queries (the product's ranges, their muscles), or none when this process has
    # them (planning.reference_cache).
    return list(reference_cache.dose_ranges(product))


def run_checks(*, plan: TreatmentPlan, points: list, screening=None, ranges=None) -> list:
    """The dose checks of ``plan`` with ``points``, from the database (authoritative):
    planning.dose_rules, as for every other record. A plan stands for its visit's
    treatment: the visit's signed main chart (that treatment as given) is not counted
    beside it, as a chart leaves out its visit's plans; a signed touch-up on the visit (a
    review visit's, from an earlier plan) still counts, and so does another final plan
    of a visit not yet charted (either may be given). Every door of a plan's checks
    calls this: the plan page, its live preview, saving, finalizing and the demo data."""
    visit = plan.visit
    return dose_rules.check_doses(
        patient=visit.patient,
        product=plan.product,
        points=points,
        on=visit.date,
        exclude_plans={plan.pk},
        exclude_charts_of={visit.pk},
        screening=screening,
        ranges=ranges if ranges is not None else ranges_for(plan.product),
    )


# --- saving ----------------------------------------------------------------------------


def _locked(plan: TreatmentPlan, expected_version: int) -> TreatmentPlan:
    plan.visit.refuse_if_locked("plan")  # signed: the plan it was charted from stays
    current = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
    if current.version != expected_version:
        raise PlanConflict(current=current.version, yours=expected_version)
    if current.is_final:
        raise ValidationError("This plan is final and can no longer be changed.")
    return current


def _replace_points(plan: TreatmentPlan, points: list[PointInput]) -> None:
    plan.points.all().delete()
    InjectionPoint.objects.bulk_create(as_points(points, plan=plan))


@transaction.atomic
def save_plan(
    *,
    plan: TreatmentPlan,
    points: list[PointInput],
    expected_version: int,
    notes: str | None = None,
    screening=None,
) -> tuple[TreatmentPlan, list[dosing.Check]]:
    """Store the plan's points as a whole (a draft may hold blocked checks; it
    cannot be finalized with them). Raises PlanConflict on a stale version."""
    locked = _locked(plan, expected_version)
    keeps.refuse_points_on_kept(plan=locked, points=points)  # query: the plan's keeps
    _replace_points(locked, points)
    checks = run_checks(plan=plan, points=as_points(points), screening=screening)
    locked.findings = [c.as_dict() for c in checks]
    locked.version += 1
    if notes is not None:
        locked.notes = notes
    locked.save(update_fields=["findings", "version", "notes", "updated_at"])
    plan.version, plan.findings, plan.notes = locked.version, locked.findings, locked.notes
    return locked, checks


@transaction.atomic
def finalize_plan(
    *,
    plan: TreatmentPlan,
    points: list[PointInput],
    expected_version: int,
    by,
    acknowledgment: str = "",
    notes: str | None = None,
    screening=None,
) -> tuple[TreatmentPlan, list[dosing.Check]]:
    """Save and finalize in one step. Refused (nothing saved) when a check
    blocks, or a check needing acknowledgment has no note. The patient is locked
    first, so a plan or chart finalized at the same time in another tab is counted."""
    dose_rules.lock_patient(plan.visit.patient_id)
    locked, checks = save_plan(
        plan=plan,
        points=points,
        expected_version=expected_version,
        notes=notes,
        screening=screening,
    )
    errors = []
    if not points:
        errors.append("Add at least one injection point before finalizing.")
    errors += dose_rules.refusals(checks, acknowledgment=acknowledgment)
    if errors:
        raise ValidationError(errors)
    locked.status = PlanStatus.FINAL
    locked.finalized_at = timezone.now()
    locked.finalized_by = by
    locked.acknowledgment = acknowledgment.strip()
    locked.save(update_fields=["status", "finalized_at", "finalized_by", "acknowledgment"])
    plan.status, plan.finalized_at = locked.status, locked.finalized_at
    return locked, checks


# --- starting a plan, templates, last plan ----------------------------------------------


def last_plan_for(*, visit: Visit, product: Product, exclude=None) -> TreatmentPlan | None:
    """The patient's previous plan of this product, from an earlier visit (one query)."""
    plans = (
        TreatmentPlan.objects.for_patient(visit.patient_id)
        .for_product(product)
        .filter(visit__date__lte=visit.date)
        .exclude(visit=visit)  # an earlier visit's plan, not another of this visit
        .select_related("visit")
        .latest_first()
    )
    if exclude is not None:
        plans = plans.exclude(pk=exclude.pk)
    return plans.first()


def _copy_from(source_points) -> list[PointInput]:
    return [PointInput(**point_fields(p)) for p in source_points]


@transaction.atomic
def start_plan(
    *,
    visit: Visit,
    product: Product,
    vial_units: int,
    diluent_ml: Decimal,
    by,
    template: PlanTemplate | None = None,
    from_last: bool = False,
) -> TreatmentPlan:
    """A new draft plan for the visit, empty, from a template or from the last plan."""
    visit.refuse_if_locked("plan")
    if vial_units not in product.vial_sizes:
        raise ValidationError({"vial_units": f"{product.brand} comes in {product.vial_sizes} U."})
    if template is not None and template.product_id != product.pk:
        raise ValidationError(
            {"template": f"That template is for {template.product.brand}, not {product.brand}."}
        )
    source = None
    if from_last:
        source = last_plan_for(visit=visit, product=product)
        if source is None:
            raise ValidationError({"start_from": f"No earlier {product.brand} plan to copy."})
    plan = TreatmentPlan.objects.create(
        visit=visit, product=product, vial_units=vial_units, diluent_ml=diluent_ml, created_by=by
    )
    if template is not None:
        _replace_points(plan, _copy_from(template.points.select_related("muscle")))
    elif source is not None:
        _replace_points(plan, _copy_from(source.points.select_related("muscle")))
        _copy_keeps(plan, source=source, by=by)
    return plan


def _copy_keeps(plan: TreatmentPlan, *, source: TreatmentPlan, by) -> None:
    """The draft keeps what ``source`` kept (issue 21: starting from the last plan
    starts from its spared segments too), instead of what it kept before; each copy is
    created as keep_segment creates one (audited), by ``by``, with the same reason."""
    plan.keeps.all().delete()
    for keep in source.keeps.all():
        PlanKeep.objects.create(
            plan=plan, muscle_id=keep.muscle_id, side=keep.side, reason=keep.reason, created_by=by
        )


@transaction.atomic
def apply_template(
    *, plan: TreatmentPlan, template: PlanTemplate, expected_version: int
) -> TreatmentPlan:
    """Replace the draft's points with the template's (same product only)."""
    if template.product_id != plan.product_id:
        raise ValidationError(
            f"“{template.name}” is a {template.product.brand} template; this plan uses "
            f"{plan.product.brand}. Units of different products cannot be exchanged."
        )
    return _replace_with(plan, expected_version, template.points.select_related("muscle"))


@transaction.atomic
def copy_last_plan(*, plan: TreatmentPlan, expected_version: int, by) -> TreatmentPlan:
    """Replace the draft's points and kept segments with the patient's previous plan's
    of the same product."""
    source = last_plan_for(visit=plan.visit, product=plan.product, exclude=plan)
    if source is None:
        raise ValidationError(f"No earlier {plan.product.brand} plan for this patient.")
    return _replace_with(
        plan, expected_version, source.points.select_related("muscle"), keeps_of=source, by=by
    )


def _replace_with(
    plan: TreatmentPlan, expected_version: int, source_points, *, keeps_of=None, by=None
) -> TreatmentPlan:
    """The draft's points become copies of ``source_points`` (a new version); with
    ``keeps_of``, its kept segments become that plan's."""
    locked = _locked(plan, expected_version)
    copies = _copy_from(source_points)
    if keeps_of is not None:
        _copy_keeps(locked, source=keeps_of, by=by)
    keeps.refuse_points_on_kept(plan=locked, points=copies)  # query: the plan's keeps
    _replace_points(locked, copies)
    locked.version += 1
    locked.save(update_fields=["version", "updated_at"])
    return locked


@transaction.atomic
def save_as_template(*, plan: TreatmentPlan, name: str, by) -> PlanTemplate:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the template, e.g. “Glabella 20 U”."})
    if PlanTemplate.objects.filter(product=plan.product, name__iexact=name).exists():
        raise ValidationError({"name": f"A {plan.product.brand} template has that name already."})
    points = list(plan.points.select_related("muscle"))
    if not points:
        raise ValidationError("Save some points before making a template of them.")
    template = PlanTemplate.objects.create(name=name, product=plan.product, created_by=by)
    PlanTemplatePoint.objects.bulk_create(
        PlanTemplatePoint(template=template, order=n, **point_fields(p))
        for n, p in enumerate(points)
    )
    return template


# --- what the plan page shows ------------------------------------------------------------


@dataclass(frozen=True)
class PastVisit:
    pk: int
    date: datetime.date
    kind: str

    def get_kind_display(self) -> str:
        return _KIND_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class PastProduct:
    pk: int
    brand: str


@dataclass(frozen=True)
class PastPlan:
    """Another plan of the patient as the plan page shows it (the table, "start from
    last plan"): the fields read, in the model's names, with its totals."""

    pk: int
    status: str
    visit: PastVisit
    product: PastProduct
    total_units: Decimal | None
    point_count: int

    @property
    def visit_id(self) -> int:
        return self.visit.pk

    @property
    def product_id(self) -> int:
        return self.product.pk

    def get_absolute_url(self) -> str:
        return kept_links()("planning:plan", self.pk)  # reverse("planning:plan", args=[pk])

    def get_status_display(self) -> str:
        return _STATUS_LABELS.get(self.status, self.status)


_STATUS_LABELS = dict(PlanStatus.choices)
_KIND_LABELS = dict(VisitKind.choices)


# The patient's other plans with their visit's day and kind, the product's brand and
# their totals, newest first (``TreatmentPlanQuerySet.latest_first``'s order): one
# statement (issue 22, fifth session: the ORM's aggregate over three joined models cost
# 2.4-5 ms of CPU to build and fill, this ~0.5). Constant SQL, named parameters.
_PAST_PLANS_SQL = """
    SELECT tp.id, tp.status, tp.visit_id, v.date, v.kind, tp.product_id, p.brand,
           SUM(pt.units), COUNT(pt.id)
    FROM planning_treatmentplan tp
    JOIN planning_visit v ON v.id = tp.visit_id
    JOIN planning_product p ON p.id = tp.product_id
    LEFT JOIN planning_injectionpoint pt ON pt.plan_id = tp.id
    WHERE v.patient_id = %(patient)s AND tp.id <> %(plan)s
    GROUP BY tp.id, tp.status, tp.visit_id, v.date, v.kind, tp.product_id, p.brand,
             tp.created_at
    ORDER BY v.date DESC, tp.created_at DESC, tp.id DESC"""


def past_plans(*, plan: TreatmentPlan) -> list[PastPlan]:
    """The patient's other plans with their totals, newest first (one query)."""
    rows = statements.all_rows(_PAST_PLANS_SQL, {"patient": plan.visit.patient_id, "plan": plan.pk})
    return [
        PastPlan(
            pk, status, PastVisit(visit_id, _day(day), kind), PastProduct(product_id, brand),
            _units(total), count,
        )
        for pk, status, visit_id, day, kind, product_id, brand, total, count in rows
    ]  # fmt: skip


def _day(value) -> datetime.date:
    """A day as PostgreSQL's driver gives it (SQLite's raw cursor may give text)."""
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def _units(value) -> Decimal | None:
    """A sum of units as PostgreSQL gives it (SQLite gives a number without places)."""
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(str(value)).quantize(Decimal("0.1"))


def templates_for(product: Product):
    return (
        PlanTemplate.objects.active()
        .for_product(product)
        .annotate(total_units=Sum("points__units"), point_count=Count("points"))
    )  # query: the product's templates with their totals


def with_muscles(plan: TreatmentPlan, muscles, *, points: bool = True) -> TreatmentPlan:
    """``plan`` (``planning.access.get_plan_for``) with each point's and
    keep's muscle set from ``muscles`` (the version-checked reference rows, the same
    rows a join reads); ``points`` false: the keeps' only (the points not placed yet:
    ``planning.final_points.points_of``)."""
    by_pk = {m.pk: m for m in muscles}
    lists = [(plan.keeps.all(), PlanKeep._meta.get_field("muscle"))]
    if points:
        lists.append((plan.points.all(), InjectionPoint._meta.get_field("muscle")))
    for rows, key in lists:
        for row in rows:
            if row.muscle_id in by_pk:  # else (a muscle newer than the cache) read as usual
                # what ``row.muscle = m`` does when the key is m's already: the cache
                key.set_cached_value(row, by_pk[row.muscle_id])
    return plan
