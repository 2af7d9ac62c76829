from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from auditlog.models import LogEntry
        from auditlog.registry import auditlog

        from clinic.models import Appointment, DueReview, Patient, User

        from . import receivers
        from .registry import patient_via, register_model, register_url_kwarg

        # Reads: a page whose URL names a patient is a view of that patient.
        register_url_kwarg("patient_id", lambda pk: pk, object_type="clinic.patient")
        register_url_kwarg(
            "appointment_id", patient_via(Appointment), object_type="clinic.appointment"
        )
        register_url_kwarg("due_review_id", patient_via(DueReview), object_type="clinic.duereview")
        # Writes: django-auditlog records field changes; receivers.py chains them.
        auditlog.register(Patient)
        register_model(Patient, lambda patient: patient.pk)
        auditlog.register(User, exclude_fields=["last_login"], mask_fields=["password"])
        register_model(User, None)
        for model in (Appointment, DueReview):
            auditlog.register(model)
            register_model(model, lambda row: row.patient_id)
        # Opening a change record in the admin shows the values: a read too.
        register_model(LogEntry, receivers.patient_of_logentry)
        receivers.connect()
