from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.job_list, name="job_list"),
    path("export/", views.export_history, name="export_history"),
    path("export/fhir/", views.export_fhir, name="export_fhir"),
    path("patients/<int:patient_id>/history/", views.patient_history, name="patient_history"),
    path("patients/<int:patient_id>/fhir/", views.patient_fhir, name="patient_fhir"),
    path("patients/<int:patient_id>/record/", views.patient_record, name="patient_record"),
    path(
        "patients/<int:patient_id>/record/release/",
        views.record_release,
        name="record_release",
    ),
    path("treatments/<int:treatment_id>/map/", views.injection_map, name="injection_map"),
    path("referrals/<int:step_id>/letter/", views.referral_letter, name="referral_letter"),
    path(
        "patients/<int:patient_id>/summary/",
        views.patient_latest_summary,
        name="patient_latest_summary",
    ),
    path("visits/<int:visit_id>/summary/", views.patient_summary, name="patient_summary"),
    path("jobs/<int:job_id>/", views.job_detail, name="job_detail"),
    path("jobs/<int:job_id>/status/", views.job_status, name="job_status"),
    path("jobs/<int:job_id>/retry/", views.job_retry, name="job_retry"),
    path("jobs/<int:job_id>/download/", views.download, name="download"),
]
