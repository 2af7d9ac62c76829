"""The patient page's latest appointments, for every role: read as plain values
and drawn by one fragment render (``clinic/patient_appointments.jinja``). As models
with patient, injector, location and room joined, and through the page template's
filters, eight rows were a tenth of the page's CPU (docs/benchmarks.md)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import models
from django.urls import reverse
from django.utils import dateformat
from markupsafe import Markup

from .compiled import CompiledValues, Param
from .fragments import render_fragment
from .models import Appointment, User

RECENT_APPOINTMENTS = 8


@dataclass(frozen=True)
class AppointmentRow:
    url: str
    when: str  # "Mon Mar 18, 2026 10:00" on the location's clock
    kind: str
    injector: str
    location: str
    status: str


# query: the patient's latest appointments as values, its SQL written once per process
_RECENT = CompiledValues(
    lambda: Appointment.objects.filter(patient_id=Param("patient", models.BigIntegerField()))
    .order_by("-starts_at")
    .values(
        "pk", "starts_at", "kind", "status", "location__name", "location__time_zone",
        "injector__first_name", "injector__last_name",
    )[:RECENT_APPOINTMENTS]
)  # fmt: skip


def recent_appointment_rows(*, patient) -> Markup:
    """The patient's latest appointments, latest first (one query)."""
    values = _RECENT(patient=patient.pk)
    rows = [
        AppointmentRow(
            url=reverse("appointment_detail", args=[a["pk"]]),
            when=dateformat.format(
                a["starts_at"].astimezone(ZoneInfo(a["location__time_zone"])), "D M j, Y H:i"
            ),
            kind=Appointment.Kind(a["kind"]).label,
            injector=User.full_name_of(
                first_name=a["injector__first_name"], last_name=a["injector__last_name"]
            ),
            location=a["location__name"],
            status=Appointment.Status(a["status"]).label,
        )
        for a in values
    ]
    return render_fragment("clinic/patient_appointments.jinja", rows=rows)
