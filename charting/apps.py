from django.apps import AppConfig


class ChartingConfig(AppConfig):
    name = "charting"
    verbose_name = "Charting"

    def ready(self) -> None:
        from planning import history

        from .history import ChartedTreatments

        history.register(ChartedTreatments())
