from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "planning"
    verbose_name = "Planning"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from audit.registry import patient_via, register_model, register_url_kwarg

        from .models import MovementMap, Photo, Screening, TreatmentPlan, Visit

        # Reads: every page naming a visit or a photo is audited with its patient.
        register_url_kwarg("visit_id", patient_via(Visit), object_type="planning.visit")
        register_url_kwarg(
            "plan_id", patient_via(TreatmentPlan, "visit__patient_id"), object_type="planning.plan"
        )
        register_url_kwarg(
            "photo_id", patient_via(Photo, "visit__patient_id"), object_type="planning.photo"
        )
        # Writes: field changes of the clinical records, each with its patient.
        auditlog.register(Visit)
        register_model(Visit, lambda visit: visit.patient_id)
        # A plan is saved as a whole (its version goes up): its own change event
        # stands for its points.
        for model in (Screening, MovementMap, Photo, TreatmentPlan):
            auditlog.register(model)
            register_model(model, lambda row: row.visit.patient_id)
        # Observations are many small rows saved as one map: the map's own change
        # event (movement.save_observations) stands for them, not one event per cell.
        self.connect_reference_cache()

    def connect_reference_cache(self) -> None:
        """Reference rows changed by the admin or a migration: every process reloads."""
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from . import reference_cache
        from .models import DoseRange, Expression, Muscle, Product

        for model in (Muscle, Expression, Product, DoseRange):
            post_save.connect(reference_cache.changed, sender=model, dispatch_uid=f"ref-{model}")
            post_delete.connect(reference_cache.changed, sender=model, dispatch_uid=f"ref-d{model}")
        for through in (DoseRange.muscles.through, Expression.muscles.through):
            m2m_changed.connect(
                reference_cache.changed, sender=through, dispatch_uid=f"ref-{through}"
            )
