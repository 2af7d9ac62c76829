"""Keeps two test processes (pytest-xdist's ``-n 2``) out of each other's way.

Loaded with ``-p tests.xdist_env`` (pyproject's addopts), so it runs before
pytest-django reads the settings. Each xdist worker already gets its own test
database (pytest-django adds ``_gw0``, ``_gw1``) and its own Celery worker on
its own queue (tests/celery_worker.py); here it also gets its own Redis
database, because tests clear the cache (the rate limiter's counters, the kept
signed parts) and one process's ``cache.clear()`` must not empty the other's.
Without xdist nothing changes.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

REDIS_DATABASES = 16  # Redis's default number of databases


def redis_url_for(url: str, worker: str) -> str:
    """``redis://host:port/15`` for gw0, ``/14`` for gw1, … (upwards from a low base)."""
    index = int(worker.removeprefix("gw"))
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    number = base - index if base >= index else base + index
    if not 0 <= number < REDIS_DATABASES:
        raise ValueError(f"no Redis database left for xdist worker {worker}")
    return urlunsplit(parts._replace(path=f"/{number}"))


_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker and os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = redis_url_for(os.environ["REDIS_URL"], _worker)
