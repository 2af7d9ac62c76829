"""Adds the reports card to the patient page, after planning's sections.

The clinic's patient page includes each template of ``patient_sections``. This
processor runs after planning's and returns planning's list plus ours (a later
processor's key wins), for clinical roles only.
"""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from clinic.access import may_see_clinical
from planning.context_processors import PATIENT_PAGES
from planning.context_processors import patient_sections as planning_sections

from .models import ReportJob


def patient_sections(request):
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name not in PATIENT_PAGES or not may_see_clinical(request.user):
        return {}
    context = planning_sections(request)
    context["patient_sections"] = [
        *context.get("patient_sections", []),
        "reports/_patient_reports.html",
    ]
    return context


CHART_PAGES = {"charting:chart"}


def visit_reports(request):
    """The chart page shows the visit's consent and injection-map PDFs (a card that
    charting's templates include when ``visit_reports_card`` is set)."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.view_name not in CHART_PAGES or not may_see_clinical(request.user):
        return {}
    visit_id = match.kwargs.get("visit_id")

    def jobs():
        # query (only when the card renders): the visit's report jobs, newest first
        return list(ReportJob.objects.filter(visit_id=visit_id).latest_first()[:10])

    return {
        "visit_reports": SimpleLazyObject(jobs),
        "visit_reports_card": "reports/_visit_reports.html",
    }
