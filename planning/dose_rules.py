"""The dose rules' one entry point: every door where units are decided calls
``check_doses`` (the plan editor and finalizing, the chart page and signing, the
touch-up and the review's signing, the demo data), with the same inputs: the
patient, the product, the points, the day, and the patient's doses of the same
active ingredient around that day (``planning.treatment_history``). The rules
themselves are ``planning.dosing`` (pure).

Doors that store a record take ``lock_patient`` first, so two tabs deciding units
for one patient at once (a plan and a chart the same day) check one after the
other and the second sees the first (the ceiling holds).
"""

from __future__ import annotations

import datetime

from . import dosing, reference_cache, treatment_history
from .choices import DoseKind


def lock_patient(patient_id: int) -> None:
    """Serialize every dose decision of one patient (inside the caller's transaction)."""
    from clinic.models import Patient

    Patient.objects.select_for_update().filter(pk=patient_id).values_list("pk").first()


def check_doses(
    *,
    patient,
    product,
    points: list,
    on: datetime.date,
    record: str = "plan",
    exclude_visits: frozenset | set = frozenset(),
    exclude_plans: frozenset | set = frozenset(),
    exclude_charts_of: frozenset | set = frozenset(),
    planned: list | None = None,
    screening=None,
    with_screening: bool = True,
    ranges=None,
) -> list[dosing.Check]:
    """All dose checks for ``points`` of ``product`` given on ``on``, worst first.

    ``exclude_visits`` / ``exclude_plans`` / ``exclude_charts_of``: the record being
    decided, so it is not counted twice (a chart leaves out its visit's plan; a
    touch-up its cycle, whose points it passes itself; a plan itself and its visit's
    signed main chart, the visit's treatment the plan stands for: never a touch-up,
    which is charted on a review visit from an earlier visit's plan and counts).
    ``planned``: a chart's final plan points (departures).
    Queries: the patient's history (1: the doses around the day, the last session
    (none for a touch-up), the reported doses), the product's ranges and limits (4, or
    none when cached)."""
    window = datetime.timedelta(days=dosing.CEILING_DAYS - 1)
    history = treatment_history.history(
        patient=patient,
        ingredient=product.generic_name,
        since=on - window,
        until=on + window,
        before=None if record == "touch-up" else on,  # a touch-up: no interval
    )  # one query: the doses around the day, the last session, the reported doses
    doses = [
        d
        for d in history.doses
        if d.visit_id not in exclude_visits
        and not (d.kind == DoseKind.PLAN and d.record_id in exclude_plans)
        and not (d.kind == DoseKind.CHART and d.visit_id in exclude_charts_of)
    ]
    last = history.last_session
    context = dosing.DoseContext(
        on=on,
        doses=tuple(doses),
        last_session=last,
        record=record,
        planned=tuple(planned) if planned is not None else None,
        age=patient.age_on(on) if getattr(patient, "date_of_birth", None) else None,
    )
    return dosing.check_plan(
        product=product,
        points=points,
        ranges=ranges if ranges is not None else reference_cache.dose_ranges(product),
        limits=reference_cache.dose_limits(product),
        context=context,
        screening=screening,
        with_screening=with_screening,
    )


def refusals(checks, *, acknowledgment: str) -> list[str]:
    """What stops a record being stored as final or signed: every block, and a
    warning that needs an acknowledgment when none is written."""
    errors = [f"Blocked: {c.message}" for c in checks if c.level == dosing.BLOCK]
    if any(c.needs_ack for c in checks) and not (acknowledgment or "").strip():
        errors.append("Acknowledge the warnings: write what you discussed and why you go ahead.")
    return errors
