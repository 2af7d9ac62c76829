"""Seconds and peak memory per page of the report PDFs, alone (``make bench-reports``).

    DATABASE_URL=... .venv/bin/python scripts/bench_reports.py [--smoke] [--click]

The work is ``bench.pdf`` (which ``make bench`` runs too, with its worker): an
injection-map report and a 40-session history, each rendered in a fresh child
process. ``--click`` also times click-to-download through a Celery worker you
have started yourself (REDIS_URL set).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pdf import main  # noqa: E402 - after the path is set

if __name__ == "__main__":
    sys.exit(main())
