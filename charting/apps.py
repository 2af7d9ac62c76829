from django.apps import AppConfig


class ChartingConfig(AppConfig):
    name = "charting"
    verbose_name = "Charting"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from audit.registry import patient_via, register_model, register_url_kwarg
        from planning import history

        from .history import ChartedTreatments
        from .models import (
            Addendum,
            AdverseEvent,
            Consent,
            Injection,
            Lot,
            Treatment,
            Vial,
        )

        history.register(ChartedTreatments())

        # Reads: pages naming a consent are audited with its patient; a lot names none.
        register_url_kwarg(
            "consent_id", patient_via(Consent, "visit__patient_id"), object_type="charting.consent"
        )
        register_url_kwarg("lot_id", None, object_type="charting.lot")
        register_url_kwarg(
            "treatment_id",
            patient_via(Treatment, "visit__patient_id"),
            object_type="charting.treatment",
        )
        # Writes: every change of the chart, with its patient.
        auditlog.register(Treatment)
        register_model(Treatment, lambda row: row.visit.patient_id)
        auditlog.register(Consent, exclude_fields=["signature_png"])
        register_model(Consent, lambda row: row.visit.patient_id)
        for model in (Injection, AdverseEvent, Addendum):
            auditlog.register(model)
            register_model(model, lambda row: row.treatment.visit.patient_id)
        for model in (Lot, Vial):
            auditlog.register(model)
            register_model(model, None)
