"""Adds the reports card to the patient page, after planning's sections.

The clinic's patient page includes each template of ``patient_sections``. This
processor runs after planning's and returns planning's list plus ours (a later
processor's key wins), for clinical roles only.
"""

from __future__ import annotations

from clinic.access import may_see_clinical
from planning.context_processors import PATIENT_PAGES
from planning.context_processors import patient_sections as planning_sections


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
