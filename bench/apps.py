from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Bench data and the `make bench` harness (no models, no pages)."""

    name = "bench"
    verbose_name = "Bench"
