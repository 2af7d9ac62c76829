"""Adds the clinical section (visits, "start consultation") to the patient page.

The clinic app must not import planning, so its patient page offers an
include loop (``patient_sections``) that this processor fills for clinical
roles only; the front desk never gets it.
"""

from __future__ import annotations

from django.db.models import OuterRef, Subquery
from django.utils.functional import SimpleLazyObject

from clinic.access import may_see_clinical

from .models import Screening, Visit

PATIENT_PAGES = {"patient_detail"}
RECENT_VISITS = 8


def patient_sections(request):
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name not in PATIENT_PAGES:
        return {}
    if not may_see_clinical(request.user):
        return {}
    patient_id = match.kwargs.get("patient_id")

    def recent_visits():
        # query (only when the section renders): the patient's latest visits, each
        # with the outcome of its latest screening
        latest_outcome = (
            Screening.objects.filter(visit=OuterRef("pk")).latest_first().values("outcome")[:1]
        )
        return list(
            Visit.objects.filter(patient_id=patient_id)
            .select_related("injector", "location")
            .annotate(screening_outcome=Subquery(latest_outcome))
            .order_by("-date", "-id")[:RECENT_VISITS]
        )

    return {
        "patient_sections": ["planning/_patient_visits.html"],
        "planning_visits": SimpleLazyObject(recent_visits),
    }
