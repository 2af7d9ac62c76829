from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.audit_list, name="event_list"),
    path("export.csv", views.audit_export, name="export"),
    path("patients/<int:patient_id>/", views.patient_access_log, name="patient_access"),
]
