"""The bench's settings overlay: the product's settings plus the bench app (for
``manage.py make_bench_data``). ``make bench`` and ``python -m tools.bench.*`` use it."""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tools.bench.apps.BenchConfig"]
