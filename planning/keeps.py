"""What the plan keeps (issue 21): a muscle segment and side the injector spares on
purpose, with a short reason ("lateral frontalis kept to hold the brow tail").

The one rule: no planned point lies on a kept segment and side. Its doors, each
calling ``refuse_points_on_kept``: saving and finalizing the plan
(``planning.plans.save_plan``, so the plan page, a second tab and a double submit),
applying a template or the last plan to a draft (``planning.plans._replace_with``),
and keeping a segment that already has points (``keep_segment``). The Django admin
does not expose plan points or keeps. A chart may still record what was actually
given: the chart's rules are the chart's.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from clinic.input_bounds import no_control_characters

from .face import SIDE_WORDS
from .models import Muscle, PlanKeep, TreatmentPlan

REASON_MAX = 120


def segment_words(muscle: Muscle, side: str) -> str:
    """ "Frontalis (lateral), patient's R" """
    return f"{muscle.name}, {SIDE_WORDS.get(side, side)}"


def kept_refusal(*, keeps, muscle: Muscle, side: str) -> str | None:
    """Why a point of ``muscle`` on ``side`` may not be planned: the plan keeps that
    segment and side (``keeps``: the plan's PlanKeep rows, with their muscles)."""
    for keep in keeps:
        if keep.muscle_id == muscle.pk and keep.side == side:
            return (
                f"{segment_words(muscle, side)} is kept on this plan ({keep.reason}): "
                "remove the point, or stop keeping that segment first."
            )
    return None


def refuse_points_on_kept(*, plan: TreatmentPlan, points, keeps=None) -> None:
    """Raise ValidationError naming each point that lies on a kept segment (one query
    for the plan's keeps unless given)."""
    keeps = list(plan.keeps.all()) if keeps is None else keeps
    if not keeps:
        return
    errors = [
        f"Point {n}: {refusal}"
        for n, p in enumerate(points, start=1)
        if (refusal := kept_refusal(keeps=keeps, muscle=p.muscle, side=p.side))
    ]
    if errors:
        raise ValidationError(errors)


def _editable(plan: TreatmentPlan) -> TreatmentPlan:
    plan.visit.refuse_if_locked("plan")
    locked = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
    if locked.is_final:
        raise ValidationError("This plan is final and can no longer be changed.")
    return locked


@transaction.atomic
def keep_segment(*, plan: TreatmentPlan, muscle: Muscle, side: str, reason: str, by) -> PlanKeep:
    """Mark ``muscle`` on ``side`` as kept (spared) on a draft plan, with its reason.
    Refused when the plan already has points there, or it is kept already."""
    locked = _editable(plan)
    reason = (reason or "").strip()
    if not muscle.has_side(side):
        raise ValidationError(f"The {muscle.name.lower()} has no {SIDE_WORDS.get(side, side)}.")
    if not reason:
        raise ValidationError("Say in a few words why the segment is kept.")
    if len(reason) > REASON_MAX:
        raise ValidationError(f"Keep the reason under {REASON_MAX} characters.")
    try:
        no_control_characters(reason)
    except ValidationError:
        raise ValidationError("Remove the control characters from the reason.") from None
    placed = locked.points.filter(muscle=muscle, side=side).count()
    if placed:
        raise ValidationError(
            f"{segment_words(muscle, side)} has {placed} planned point"
            f"{'' if placed == 1 else 's'}: remove {'it' if placed == 1 else 'them'} "
            "before keeping the segment."
        )
    if locked.keeps.filter(muscle=muscle, side=side).exists():
        raise ValidationError(f"{segment_words(muscle, side)} is kept already.")
    return PlanKeep.objects.create(
        plan=locked, muscle=muscle, side=side, reason=reason, created_by=by
    )


@transaction.atomic
def release_segment(*, plan: TreatmentPlan, muscle: Muscle, side: str) -> None:
    """Stop keeping a segment (a draft plan only); nothing to release is no error."""
    locked = _editable(plan)
    locked.keeps.filter(muscle=muscle, side=side).delete()
