"""The head of every clinical screen of a visit, drawn by one fragment
(``templates/fragments/planning/visit_header.jinja``; issue 22). Through the Django
template language its forty lookups, seven ``{% url %}`` and the screening's
banners were most of a signed chart's own markup time (docs/benchmarks.md): here
the tag makes the text (dates on the clinic's clock as the ``date`` filter writes
them, the links from patterns reversed once per process) and the fragment escapes
each value as it writes it."""

from __future__ import annotations

from django import template

from clinic.clock import clock_text
from clinic.fragments import render_fragment
from clinic.links import kept_links

register = template.Library()


def _findings(found) -> list[dict]:
    return [{"message": f.get("message", ""), "source": f.get("source", "")} for f in found]


@register.simple_tag(takes_context=True)
def visit_header(context):
    visit, screening = context["visit"], context.get("screening")
    links, patient = kept_links(), visit.patient
    current = screening.current if screening else None
    blocked = bool(screening and screening.blocked)
    header = {
        "patient_name": patient.full_name,
        "chart_number": patient.chart_number,
        "kind": visit.get_kind_display(),
        "day": clock_text(visit.date, "D M j, Y"),
        "location": visit.location.name,
        "injector": str(visit.injector),
        "age": patient.age,
        "status": visit.get_status_display() if visit.status != "open" else "",
        "visit_kind": visit.kind,
        "step": context.get("step", ""),
        "locked_at": clock_text(visit.locked_at, "M j, Y H:i"),
        "screened_at": clock_text(current.answered_at, "M j, Y H:i") if blocked else "",
        "screened_by": str(current.answered_by) if blocked else "",
        "urls": {
            "patient": links("patient_detail", visit.patient_id),
            "visit": links("planning:visit_detail", visit.pk),
            "screening": links("planning:screening", visit.pk),
            "map": links("planning:movement_map", visit.pk),
            "photos": links("planning:photos", visit.pk),
            "plan": links("planning:plan_for_visit", visit.pk),
            "chart": links("charting:chart", visit.pk),
        },
    }
    state = {
        "blocked": blocked,
        "needs_acknowledgment": bool(screening and screening.needs_acknowledgment),
        "needs_screening": bool(screening and screening.needs_screening),
        "blocks": _findings(screening.blocks) if blocked else [],
        "warnings": _findings(screening.warnings) if screening else [],
        "restrictions": _findings(screening.restrictions) if screening else [],
    }
    return render_fragment("planning/visit_header.jinja", h=header, s=state)
