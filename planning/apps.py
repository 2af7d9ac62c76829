from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "planning"
    verbose_name = "Planning"

    def ready(self) -> None:
        self.connect_reference_cache()

    def connect_reference_cache(self) -> None:
        """Reference rows changed by the admin or a migration: every process reloads."""
        from django.core.signals import request_finished, request_started
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from . import reference_cache
        from .models import DoseLimit, DoseRange, EffectDuration, Expression, Muscle, Product

        request_started.connect(reference_cache.request_started, dispatch_uid="ref-request")
        request_finished.connect(reference_cache.request_finished, dispatch_uid="ref-request-end")
        for model in (Muscle, Expression, Product, DoseRange, DoseLimit, EffectDuration):
            post_save.connect(reference_cache.changed, sender=model, dispatch_uid=f"ref-{model}")
            post_delete.connect(reference_cache.changed, sender=model, dispatch_uid=f"ref-d{model}")
        for through in (
            DoseRange.muscles.through,
            DoseLimit.muscles.through,
            Expression.muscles.through,
            EffectDuration.muscles.through,
        ):
            m2m_changed.connect(
                reference_cache.changed, sender=through, dispatch_uid=f"ref-{through}"
            )
