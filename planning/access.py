"""Object access for the clinical pages: one helper per kind.

Clinical objects are for the clinical roles (injector, clinic admin) only; the
front desk never gets them.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from audit.context import hand_over_read
from clinic.access import require_role
from clinic.roles import CLINICAL_ROLES

from .models import Photo, Visit


def get_visit_for(user, visit_id: int, *, along: tuple[str, ...] = ()) -> Visit:
    """The visit with its people. ``along``: more relations joined into the same query
    (a floor above names its own rows, e.g. charting its chart: one query, not two)."""
    require_role(user, CLINICAL_ROLES)
    # The visit's "not treated today" outcome rides along (a reverse one-to-one).
    visit = get_object_or_404(
        Visit.objects.with_people().select_related("not_treated", *along), pk=visit_id
    )
    hand_over_read(visit)  # the audited read takes its patient from it (no second query)
    return visit


def get_photo_for(user, photo_id: int) -> Photo:
    require_role(user, CLINICAL_ROLES)
    photo = get_object_or_404(Photo.objects.select_related("visit"), pk=photo_id)
    hand_over_read(photo)
    return photo


def get_plan_for(user, plan_id: int, *, muscles=None):
    """A treatment plan with its visit, patient, product, points and kept segments
    (three queries). ``muscles``: the reference muscles, put on the points and keeps
    instead of joined (``planning.plans.with_muscles``)."""
    from .plans import plan_with_everything, with_muscles

    require_role(user, CLINICAL_ROLES)
    plan = get_object_or_404(plan_with_everything(plan_id, muscles=muscles), pk=plan_id)
    hand_over_read(plan)
    return plan if muscles is None else with_muscles(plan, muscles)
