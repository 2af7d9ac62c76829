from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Bench data and the `make bench` harness (no models, no pages). Installed only by
    the bench's settings overlay (tools/bench/settings.py), never in production."""

    name = "tools.bench"
    label = "bench"
    verbose_name = "Bench"
