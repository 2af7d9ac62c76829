from __future__ import annotations

import csv
import datetime

from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date

from clinic.access import get_patient_for, role_required
from clinic.csv_cells import safe_row
from clinic.roles import Role

from .events import record
from .forms import AuditFilterForm
from .models import Action
from .queries import filtered_events, patient_access, patient_ids_for

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000


def _filtered(form: AuditFilterForm):
    if not form.is_valid():
        return filtered_events(patient_ids=[]), {}
    data = form.cleaned_data
    patient_ids = patient_ids_for(data["patient"]) if data["patient"] else None
    criteria = {k: str(v) for k, v in data.items() if v not in (None, "")}
    events = filtered_events(
        patient_ids=patient_ids,
        actor=data["user"],
        action=data["action"],
        date_from=data["date_from"],
        date_to=data["date_to"],
    )
    return events, criteria


@role_required(Role.ADMIN)
def audit_list(request):
    form = AuditFilterForm(request.GET or None)
    events, _ = _filtered(form) if request.GET else (filtered_events(), {})
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/event_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


class _Echo:
    def write(self, value):
        return value


@role_required(Role.ADMIN)
def audit_export(request):
    form = AuditFilterForm(request.GET or None)
    events, criteria = _filtered(form) if request.GET else (filtered_events(), {})
    # The export is itself an event, written before the first row leaves.
    record(
        request=request,
        action=Action.EXPORT,
        object_type="audit.auditevent",
        detail={"filters": criteria},
    )
    header = [
        "seq",
        "at",
        "user",
        "role",
        "action",
        "object_type",
        "object_id",
        "patient_id",
        "chart_number",
        "ip",
        "request_id",
        "path",
        "hash",
    ]

    def rows():
        writer = csv.writer(_Echo())
        yield writer.writerow(header)
        for e in events[:EXPORT_LIMIT].iterator(chunk_size=2000):
            yield writer.writerow(
                safe_row(
                    (
                        e.seq,
                        e.at.isoformat(),
                        e.actor_label,
                        e.role,
                        e.action,
                        e.object_type,
                        e.object_id,
                        e.patient_id,
                        e.patient.chart_number if e.patient else "",
                        e.ip,
                        e.request_id,
                        e.path,
                        e.hash,
                    )
                )
            )

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response


def _day(value: str) -> datetime.date | None:
    try:
        day = parse_date(value[:10])
    except ValueError:  # well formed but not a date: 2026-02-31
        return None
    if day is None or not datetime.date(1900, 1, 1) <= day <= datetime.date(9999, 12, 1):
        return None  # far outside any record; the previous/next links must still exist
    return day


@role_required(Role.ADMIN)
def patient_access_log(request, patient_id: int):
    patient = get_patient_for(request.user, patient_id)
    day = _day(request.GET.get("day", "")) or timezone.localdate()
    record(
        request=request,
        action=Action.VIEW,
        object_type="audit.patient_access",
        object_id=patient.pk,
        patient=patient,
        detail={"day": day.isoformat()},
    )
    events = list(patient_access(patient_id=patient.pk, day=day)[:500])
    return render(
        request,
        "audit/patient_access.html",
        {
            "patient": patient,
            "day": day,
            "events": events,
            "previous_day": day - datetime.timedelta(days=1),
            "next_day": day + datetime.timedelta(days=1),
        },
    )
