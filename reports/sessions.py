"""What the charting app adds to the reports: treatments, injections, lots,
adverse events, addenda, reviews and touch-ups. Filled in once charting's
models are merged; until then the history shows what planning holds."""

from __future__ import annotations


def attach(cycles) -> None:
    """Add each visit's charted treatment (and review) to its cycle."""
    return None
