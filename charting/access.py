"""Object access for the charting pages: one helper per kind.

Clinical objects are for injectors and clinic admins; lot administration and
the recall search are for clinic admins (``views`` declare it with
``role_required``; these helpers repeat the role check for object access).
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from audit.context import hand_over_read
from clinic.access import require_role
from clinic.roles import CLINICAL_ROLES, Role
from planning.access import get_visit_for
from planning.models import Visit

from .models import Consent, DueReview, Lot, Treatment


def get_treatment_for(user, visit_id: int) -> tuple[Visit, Treatment | None]:
    """The visit and its chart (None before charting). One query: the chart (a reverse
    one-to-one) with its product, plan and signer is joined to the visit's (issue 22:
    a query's own cost is most of a small read). Who saved the chart last is not
    joined: only a stale save names them, from the row it locks."""
    # query: visit, patient, location, injector, the chart, its product, plan and signer
    visit = get_visit_for(user, visit_id, along=_CHART_ALONG)
    try:
        treatment = visit.treatment  # its ``visit`` is this visit (set by the join)
    except Treatment.DoesNotExist:
        treatment = None
    return visit, treatment


_CHART_ALONG = ("treatment__product", "treatment__plan", "treatment__signed_by")


def get_consent_for(user, consent_id: int) -> Consent:
    require_role(user, CLINICAL_ROLES)
    consent = get_object_or_404(Consent.objects.select_related("visit"), pk=consent_id)
    hand_over_read(consent)
    return consent


def get_lot_for(user, lot_id: int, *, manage: bool = False) -> Lot:
    require_role(user, {Role.ADMIN} if manage else CLINICAL_ROLES)
    return get_object_or_404(Lot.objects.select_related("product"), pk=lot_id)


def get_due_review_for(user, due_review_id: int) -> DueReview:
    """Any staff role: the desk's list shows names, dates and states only."""
    require_role(user, Role.values)
    return get_object_or_404(DueReview.objects.for_pages(), pk=due_review_id)
