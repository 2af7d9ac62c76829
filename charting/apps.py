from django.apps import AppConfig


class ChartingConfig(AppConfig):
    name = "charting"
    verbose_name = "Charting"

    def ready(self) -> None:
        # The one registry filled at start-up (docs/architecture.md): planning's dose
        # and interval rules and its starting doses ask for the patient's treatment
        # history; charting answers.
        from planning import treatment_history

        from .reviews.cycles import next_cycle_for, signed_main_treatments
        from .reviews.starting_doses import suggested_doses
        from .treatment_history import ChartedTreatments

        treatment_history.provide(
            ChartedTreatments(
                suggest=suggested_doses, next_cycle=next_cycle_for, signed=signed_main_treatments
            )
        )
