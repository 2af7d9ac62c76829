"""Charting rules: start a chart from the plan, save what was given, adverse events.

Every function checks the whole input before it writes anything and runs in
one transaction, so a refused save changes nothing. ``save_chart`` is guarded
by the treatment's ``version`` (optimistic lock): a save that started from an
older version is refused with a clear message instead of overwriting the other
tab's work.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from clinic.models import User
from planning import dose_rules, units
from planning.choices import VisitKind
from planning.dosing import Check
from planning.models import Muscle, PlanStatus, Product, TreatmentPlan, Visit
from planning.plan_points import point_fields
from planning.screening import blocks_for_product, screening_state

from .choices import AdverseKind, Severity
from .errors import ChartingError
from .lots import vial_patient_refusal, vial_refusal, vials_used_for_other_patients
from .models import AdverseEvent, Injection, Treatment, Vial


class ChartErrors(ChartingError):
    """Several fields refused at once: ``errors`` maps a form field name to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("The chart was not saved: correct the fields marked in red.")
        self.errors = errors


class StaleChart(ChartingError):
    """The chart changed in another tab or by someone else since this form was opened."""


def screening_refusal(*, visit: Visit, product: Product) -> str | None:
    """Why the screening does not allow treating this visit with ``product`` (or None)."""
    state = screening_state(visit=visit)
    if state.blocked:
        reasons = "; ".join(f["message"] for f in state.blocks) or "a contraindication"
        return f"The screening blocks treatment: {reasons}."
    if state.needs_screening:
        return "Screen the patient for this visit before charting."
    if state.needs_acknowledgment:
        return "Acknowledge the screening's warnings before charting."
    product_blocks = blocks_for_product(screening=state.current, product=product)
    if product_blocks:
        return f"The screening rules out {product.brand}: {product_blocks[0]['message']}"
    return None


@transaction.atomic
def chart_from_plan(
    *, visit: Visit, plan: TreatmentPlan, by: User, now: datetime.datetime | None = None
) -> Treatment:
    """Open the visit's chart, copying the final plan's points into injections."""
    now = now or timezone.now()
    if plan.visit_id != visit.pk:
        raise ChartingError("This plan belongs to another visit.")
    if plan.status != PlanStatus.FINAL:
        raise ChartingError("Finalize the plan before charting from it.")
    reason = screening_refusal(visit=visit, product=plan.product)
    if reason:
        raise ChartingError(reason)
    if Treatment.objects.filter(visit=visit).exists():
        raise ChartingError("This visit is already charted: open its chart.")
    points = list(plan.points.select_related("muscle").order_by("order", "id"))
    if not points:
        raise ChartingError("The plan has no injection points.")
    treatment = Treatment.objects.create(
        visit=visit,
        plan=plan,
        product=plan.product,
        started_at=now,
        started_by=by,
        updated_by=by,
    )
    Injection.objects.bulk_create(injections_from_points(treatment=treatment, points=points))
    if visit.kind == VisitKind.CONSULTATION:
        # A visit is named by what it became (issue 17, finding 9): a consultation
        # whose treatment is charted is a treatment for every list, report and rule
        # (the patient's visits, the history, due reviews, next-cycle recall).
        visit.kind = VisitKind.TREATMENT
        visit.save(update_fields=["kind"])
    return treatment


def dose_checks(*, treatment: Treatment, injections=None, planned=None) -> list[Check]:
    """The dose rules (planning.dose_rules) for a chart of a treatment visit: its
    injections as given, against the patient's other doses (its own visit's plan
    left out: the chart replaces it) and against its final plan (departures). The
    chart page, saving and signing all call this. The screening is the signing
    checklist's own (``screening_refusal``)."""
    visit = treatment.visit
    if injections is None:
        injections = list(treatment.injections.select_related("muscle"))  # query
    if planned is None:
        planned = planned_points(treatment)
    return dose_rules.check_doses(
        patient=visit.patient,
        product=treatment.product,
        points=[i for i in injections if i.muscle is not None and i.units is not None],
        on=visit.date,
        record="chart",
        exclude_visits={visit.pk},
        planned=planned,
        with_screening=False,
    )


def injections_as_posted(*, treatment: Treatment, data: ChartInput) -> list:
    """The chart as the form stands, unsaved: what the dose rules see live on the chart
    page before it is saved (rows whose units do not parse are left out; saving names
    them). Nothing is written."""
    changes = _ChartChanges(treatment=treatment, data=data, now=timezone.now())
    updated = {i.pk: i for i in changes.updates}
    kept = [
        updated.get(i.pk, i)
        for i in treatment.injections.select_related("muscle")
        if i.pk not in changes.deletes
    ]
    return [i for i in [*kept, *changes.creates] if i.muscle_id and i.units is not None]


def planned_points(treatment: Treatment) -> list:
    """The final plan's points the chart started from (one query)."""
    if not treatment.plan_id:
        return []
    return list(treatment.plan.points.select_related("muscle"))


@dataclass
class InjectionInput:
    """One row of the chart form: an existing injection (``injection_id``) or an added point."""

    key: str  # the form field prefix, for messages
    units: str
    vial_id: int | None = None
    injection_id: int | None = None
    skip: bool = False
    muscle_id: int | None = None
    side: str = ""
    note: str = ""


@dataclass
class ChartInput:
    version: int
    rows: list[InjectionInput] = field(default_factory=list)
    added: list[InjectionInput] = field(default_factory=list)
    wasted_units: str = "0"
    aftercare_given: bool = False
    notes: str = ""


def _lock_unsigned(treatment: Treatment) -> Treatment:
    locked = Treatment.objects.select_for_update().get(pk=treatment.pk)
    if locked.is_signed:
        raise ChartingError("This chart is signed and locked: add an addendum instead.")
    return locked


@transaction.atomic
def save_chart(
    *, treatment: Treatment, data: ChartInput, by: User, now: datetime.datetime | None = None
) -> Treatment:
    """Save the units given per point, skipped and added points, vials, wasted units,
    aftercare: all of it, or nothing with a message per field (``ChartErrors``)."""
    now = now or timezone.now()
    treatment = _lock_unsigned(treatment)
    if data.version != treatment.version:
        raise StaleChart(
            f"This chart was changed by {treatment.updated_by.get_full_name()} at "
            f"{timezone.localtime(treatment.updated_at):%H:%M:%S} (another tab or device). "
            "Nothing was overwritten. Your entries are kept below: check them against the "
            "other change (reload to see it), then save again to keep yours.",
            field="version",
        )
    changes = _ChartChanges(treatment=treatment, data=data, now=now)
    if changes.errors:
        raise ChartErrors(changes.errors)
    if changes.deletes:
        Injection.objects.filter(pk__in=changes.deletes).delete()
    if changes.updates:
        Injection.objects.bulk_update(changes.updates, ["units", "vial", "note"])
    if changes.creates:
        Injection.objects.bulk_create(changes.creates)
    treatment.wasted_units = changes.wasted
    treatment.aftercare_given = data.aftercare_given
    treatment.notes = data.notes.strip()
    treatment.version += 1
    treatment.updated_by = by
    treatment.save()
    return treatment


class _ChartChanges:
    """The chart form read against the stored chart: the injections to update, create
    and delete, the wasted units, and a message per refused field (two queries:
    the vials named, the muscles of added points; two more when vials are named:
    the visit's patient, which of the vials other patients' charts use)."""

    def __init__(self, *, treatment: Treatment, data: ChartInput, now: datetime.datetime):
        self.treatment, self.now = treatment, now
        self.errors: dict[str, str] = {}
        self.updates: list[Injection] = []
        self.creates: list[Injection] = []
        self.deletes: list[int] = []
        existing = {i.pk: i for i in treatment.injections.all()}
        vial_ids = {r.vial_id for r in [*data.rows, *data.added] if r.vial_id}
        self.vials = {v.pk: v for v in Vial.objects.for_pages().filter(pk__in=vial_ids)}
        self.patient_id = treatment.visit.patient_id if self.vials else None
        self.used_for_others = vials_used_for_other_patients(
            vial_ids=self.vials, patient_id=self.patient_id
        )
        for row in data.rows:
            self.read_row(row, existing.get(row.injection_id))
        muscles = Muscle.objects.in_bulk({r.muscle_id for r in data.added if r.muscle_id})
        for n, row in enumerate(data.added):
            self.read_added(row, muscles.get(row.muscle_id), order=len(existing) + n)
        try:
            # At most 1000 U: more than the vials of any visit hold (and the column's range).
            self.wasted = units.parse(
                data.wasted_units or "0", allow_zero=True, most=Decimal("1000")
            )
        except units.UnitsError as exc:
            self.errors["wasted_units"] = exc.message

    def read_row(self, row: InjectionInput, injection: Injection | None) -> None:
        if injection is None:
            self.errors[f"{row.key}-units"] = "This point is no longer in the chart: reload."
        elif row.skip:
            self.deletes.append(injection.pk)
        else:
            given, vial = self.given_and_vial(row)
            injection.units, injection.vial, injection.note = given, vial, row.note.strip()[:200]
            self.updates.append(injection)

    def read_added(self, row: InjectionInput, muscle: Muscle | None, *, order: int) -> None:
        if muscle is None:
            self.errors[f"{row.key}-muscle"] = "Choose the muscle."
        elif not muscle.has_side(row.side):
            self.errors[f"{row.key}-side"] = f"{muscle.name} is charted {'/'.join(muscle.sides)}."
        given, vial = self.given_and_vial(row)
        self.creates.append(
            Injection(
                treatment=self.treatment,
                muscle=muscle,
                side=row.side,
                units=given,
                vial=vial,
                note=row.note.strip()[:200],
                order=order,
            )
        )

    def given_and_vial(self, row: InjectionInput) -> tuple[Decimal | None, Vial | None]:
        given = vial = None
        try:
            given = units.parse(row.units)
        except units.UnitsError as exc:
            self.errors[f"{row.key}-units"] = exc.message
        if row.vial_id:
            vial = self.vials.get(row.vial_id)
            reason = (
                "Choose a vial from the list."
                if vial is None
                else vial_refusal(vial=vial, product=self.treatment.product, at=self.now)
                or vial_patient_refusal(
                    vial=vial, patient_id=self.patient_id, used_for_others=self.used_for_others
                )
            )
            if reason:
                self.errors[f"{row.key}-vial"] = reason
        return given, vial


@transaction.atomic
def add_adverse_event(
    *, treatment: Treatment, kind: str, severity: str, note: str, by: User
) -> AdverseEvent:
    treatment = _lock_unsigned(treatment)
    note = " ".join((note or "").split())
    if kind not in AdverseKind.values:
        raise ChartingError("Choose what happened.", field="kind")
    if severity not in Severity.values:
        raise ChartingError("Choose the severity.", field="severity")
    if kind == AdverseKind.OTHER and not note:
        raise ChartingError("Describe what happened.", field="note")
    return AdverseEvent.objects.create(
        treatment=treatment, kind=kind, severity=severity, note=note[:300], recorded_by=by
    )


def injections_from_points(
    *, treatment: Treatment, points, vial=None, given: dict[int, Decimal] | None = None
) -> list[Injection]:
    """Unsaved injections copying the plan's points, in order: what "chart from
    plan" starts with (``given`` overrides the units given, by position)."""
    given = given or {}
    return [
        Injection(
            treatment=treatment,
            point=p,
            planned_units=p.units,
            vial=vial,
            order=i,
            **point_fields(p) | {"units": given.get(i, p.units)},
        )
        for i, p in enumerate(points)
    ]
