"""Object access for the clinical pages: one helper per kind.

Clinical objects are for the clinical roles (injector, clinic admin) only; the
front desk never gets them.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache as once_per_process

from django.http import Http404
from django.shortcuts import get_object_or_404

from audit.context import hand_over_read
from clinic.access import require_role
from clinic.joined_read import JoinedRead, Rows
from clinic.roles import CLINICAL_ROLES

from .models import InjectionPoint, Photo, PlanKeep, Screening, TreatmentPlan, Visit

# The visit's latest screening with who answered and acknowledged it, as
# ``screening_state`` reads it (``latest_first``), put on the visit as
# ``latest_screening`` (None when it has none).
LATEST_SCREENING = Rows(
    "latest_screening",
    Screening,
    fk="visit",
    order=("-answered_at", "-id"),
    related=("answered_by", "acknowledged_by"),
    limit=1,
    first=True,
)
# The visit's photos with their expressions and measurements, as the movement map and
# the photos page show them (``planning.asymmetry.readings``), prefetched as
# ``visit.photos``.
PHOTOS = Rows(
    "photos", Photo, fk="visit", order=("uploaded_at", "id"), related=("expression", "measurement")
)


@once_per_process
def _visit_read(along: tuple[str, ...], rows: tuple[Rows, ...]) -> JoinedRead:
    # The visit's "not treated today" outcome rides along (a reverse one-to-one).
    return JoinedRead(
        Visit, related=("patient", "location", "injector", "not_treated", *along), rows=rows
    )


def get_visit_for(
    user, visit_id: int, *, along: tuple[str, ...] = (), rows: tuple[Rows, ...] = ()
) -> Visit:
    """The visit with its people, in one query (``clinic.joined_read``). ``along``: more
    relations joined into it (a floor above names its own rows, e.g. charting its chart:
    one query, not two). ``rows``: lists read with it (``LATEST_SCREENING`` as
    ``visit.latest_screening``, for ``screening_state(latest=...)``; ``PHOTOS``)."""
    require_role(user, CLINICAL_ROLES)
    visit = _visit_read(tuple(along), tuple(rows)).read(visit_id)
    if visit is None:
        raise Http404("No such visit.")
    hand_over_read(visit)  # the audited read takes its patient from it (no second query)
    return visit


def get_photo_for(user, photo_id: int) -> Photo:
    require_role(user, CLINICAL_ROLES)
    photo = get_object_or_404(Photo.objects.select_related("visit"), pk=photo_id)
    hand_over_read(photo)
    return photo


# The plan editor's read: the plan with its visit's people, product and who finalized
# it, its points (their muscles from the reference cache: ``with_muscles``), its kept
# segments with their muscles, and its visit's latest screening.
_PLAN_READ = JoinedRead(
    TreatmentPlan,
    related=("visit__patient", "visit__location", "visit__injector", "product", "finalized_by"),
    rows=(
        Rows("points", InjectionPoint, fk="plan", order=("order", "id")),
        Rows("keeps", PlanKeep, fk="plan", related=("muscle",), order=("muscle__order", "side")),
        replace(PHOTOS, of="visit"),  # the plan visit's measured photos, for context
        replace(LATEST_SCREENING, of="visit"),
    ),
)


# A final plan's read once its points are kept (planning.final_points): the same, less
# the points (a final plan's points never change: migration planning/0016).
_FINAL_PLAN_READ = JoinedRead(TreatmentPlan, related=_PLAN_READ.related, rows=_PLAN_READ.rows[1:])


# A visit's photos alone (the plan page's map visit, when it is another visit).
_PHOTOS_OF_VISIT = JoinedRead(Visit, rows=(PHOTOS,))


def photos_of_visit(visit_id: int) -> list[Photo]:
    """The visit's photos with their expressions and measurements, as ``PHOTOS`` reads
    them (one query): no access check, the caller's object is of the same patient."""
    visit = _PHOTOS_OF_VISIT.read(visit_id)
    return list(visit.photos.all()) if visit is not None else []


def get_plan_for(user, plan_id: int, *, muscles=None, place_points: bool = True):
    """A treatment plan with its visit, patient, product, points, kept segments and its
    visit's latest screening (``plan.visit.latest_screening``), in one query
    (``clinic.joined_read``); a final plan's points read once per process
    (``planning.final_points``). ``muscles``: the reference muscles put on the points
    (``planning.plans.with_muscles``), else the reference cache's. ``place_points``
    false: a final plan's kept points are placed only when asked
    (``final_points.points_of``; ``plan.points`` unasked reads the database)."""
    from . import final_points, reference_cache
    from .plans import with_muscles

    require_role(user, CLINICAL_ROLES)
    plan = final_points.read_plan(
        plan_id, whole=_PLAN_READ, without_points=_FINAL_PLAN_READ, place_points=place_points
    )
    if plan is None:
        raise Http404("No such plan.")
    hand_over_read(plan)
    return with_muscles(
        plan,
        reference_cache.muscles() if muscles is None else muscles,
        points=final_points.placed(plan),
    )
