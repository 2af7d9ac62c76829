from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "charting.reviews"
    label = "reviews"
    verbose_name = "Two-week reviews"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from audit.registry import patient_via, register_model, register_url_kwarg
        from planning import suggested_doses

        from .models import Finding, Review, SideEffect
        from .starting_doses import CycleSuggestions

        suggested_doses.register(CycleSuggestions())

        # Reads: every review page is audited with its patient.
        register_url_kwarg(
            "review_id", patient_via(Review, "visit__patient_id"), object_type="reviews.review"
        )
        # Writes: the review and what it found, each with its patient.
        auditlog.register(Review)
        register_model(Review, lambda row: row.visit.patient_id)
        for model in (Finding, SideEffect):
            auditlog.register(model)
            register_model(model, lambda row: row.review.visit.patient_id)
