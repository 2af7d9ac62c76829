"""A stand-in for the clinical pages other branches build: a chart page and a
PDF download in the ``charting`` namespace, named by ``report_id``. The real
project's URLs are included too, so sign-in and the audit pages work."""

from django.http import HttpResponse
from django.urls import include, path

from audit.context import hand_over_read
from audit.events import record
from audit.models import Action
from clinic.access import get_patient_for, role_required
from clinic.roles import Role
from config.urls import urlpatterns as project_urls
from planning.models import Visit


@role_required(Role.INJECTOR, Role.ADMIN)
def chart(request, patient_id: int):
    patient = get_patient_for(request.user, patient_id)
    return HttpResponse(f"chart of {patient.chart_number}")


@role_required(Role.INJECTOR, Role.ADMIN)
def visit_page(request, visit_id: int):
    """A visit's page whose view hands nothing to the audit (the middleware looks it up)."""
    visit = Visit.objects.get(pk=visit_id)
    return HttpResponse(f"visit of {visit.date}")


@role_required(Role.INJECTOR, Role.ADMIN)
def visit_page_handing_over_another(request, visit_id: int):
    """A view that hands over a visit, but not the one its URL names (its own, wrongly)."""
    other = Visit.objects.exclude(pk=visit_id).get(pk=int(request.GET["other"]))
    hand_over_read(other)
    return HttpResponse("another visit")


@role_required(Role.INJECTOR, Role.ADMIN)
def day_list(request):
    return HttpResponse("today's visits")


@role_required(Role.ADMIN)
def report_pdf(request, report_id: int):
    patient_id = report_id  # the test registry maps a report to the patient of the same id
    record(
        request=request,
        action=Action.DOWNLOAD,
        object_type="charting.report",
        object_id=report_id,
        patient=patient_id,
    )
    response = HttpResponse(b"%PDF-1.4 test", content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="history.pdf"'
    return response


charting = (
    [
        path("day/", day_list, name="day_list"),
        path("patients/<int:patient_id>/chart/", chart, name="chart"),
        path("visits/<int:visit_id>/", visit_page, name="visit_page"),
        path("visits/<int:visit_id>/other/", visit_page_handing_over_another, name="visit_other"),
        path("reports/<int:report_id>/pdf/", report_pdf, name="report_pdf"),
    ],
    "charting",
)

urlpatterns = [
    *[p for p in project_urls if getattr(p, "namespace", None) not in ("charting", "planning")],
    path("charting/", include(charting)),
]
