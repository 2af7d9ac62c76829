"""When a cycle's next treatment is due: the one rule of recall timing (issue 20).

A cycle's recall window comes from the areas it treated: each treated muscle's usual
duration (``planning.EffectDuration``: a row of the cycle's product, e.g. Daxxify,
wins over the general row of the area); the window opens when the first area is
expected to wear off (the shortest "at least") and closes at the shortest "at most".
A cycle with no charted areas (treated before it was charted here) gets the general
3–4 months.

With three or more cycles of their own, the patient's observed interval decides
instead: the median of the gaps between their cycles' main treatments, ± 14 days.

Whatever the areas or the observed interval, a recall never opens before
``MIN_INTERVAL_DAYS`` (90) after the cycle's main treatment (REFERENCE.md: not more
often than every 3 months; a touch-up belongs to its cycle and does not restart it).

Doors (each calls ``recall_window``): the front desk's recall list
(``charting.next_cycle_recall.patients_due_back``, page ``next_cycle_recall``), the
injector's history and next cycle page (``reviews:cycles``,
``charting.reviews.cycles.next_cycle_recall``). The durations are edited in the Django
admin (``EffectDurationAdmin``) and shipped by planning's migration 0009; the demo data
charts treatments through the same signing, so its recalls follow the same rule.
"""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from planning import reference_cache
from planning.models import EffectDuration

MIN_INTERVAL_DAYS = 90  # REFERENCE.md: retreatment not more often than every 3 months
GENERAL_DAYS = (90, 120)  # REFERENCE.md: 3–4 months, when no area is known
OBSERVED_CYCLES = 3  # the patient's own interval counts from this many cycles
OBSERVED_SLACK_DAYS = 14
# The recall list looks this far back for candidates (longest window it can show).
LOOK_BACK_DAYS = 400


@dataclass(frozen=True)
class RecallWindow:
    treated_on: datetime.date
    opens: datetime.date
    closes: datetime.date
    basis: str  # in words, shown with the dates
    held_at_minimum: bool = False  # the 90-day floor moved the opening

    def contains(self, day: datetime.date) -> bool:
        return self.opens <= day <= self.closes

    @property
    def text(self) -> str:
        return f"{self.opens:%-d %b %Y} – {self.closes:%-d %b %Y}"


class DurationTable:
    """The effect durations by (product, muscle), read once (two queries)."""

    def __init__(self, rows: Iterable[EffectDuration]):
        self._general: dict[int, list[EffectDuration]] = {}
        self._product: dict[tuple[int, int], list[EffectDuration]] = {}
        for row in rows:
            for muscle in row.muscles.all():
                if row.product_id is None:
                    self._general.setdefault(muscle.pk, []).append(row)
                else:
                    self._product.setdefault((row.product_id, muscle.pk), []).append(row)

    @classmethod
    def load(cls) -> DurationTable:
        # queries: the rows, their muscles
        return cls(EffectDuration.objects.prefetch_related("muscles"))

    @classmethod
    def cached(cls) -> DurationTable:
        """The same table from this process's reference data (``planning.reference_cache``:
        no query once loaded; reloaded when an admin's change commits, read straight from
        the database inside a transaction). Made once per set of rows: the reference
        cache hands out the same rows until they are reloaded (a table is read only)."""
        rows = reference_cache.effect_durations()
        kept = cls._kept
        if kept is None or kept[0] is not rows:
            kept = (rows, cls(rows))
            cls._kept = kept
        return kept[1]

    _kept: tuple | None = None  # (the reference rows, their table)

    def rows_for(self, *, product_id: int | None, muscle_ids: Iterable[int]) -> list:
        found: dict[int, EffectDuration] = {}
        for muscle_id in muscle_ids:
            own = self._product.get((product_id, muscle_id)) if product_id else None
            for row in own or self._general.get(muscle_id, []):
                found[row.pk] = row
        return sorted(found.values(), key=lambda r: (r.min_days, r.max_days, r.area))


def observed_interval(cycle_days: Iterable[datetime.date]) -> int | None:
    """The median gap in days between the patient's cycles, from ``OBSERVED_CYCLES``
    cycles on; None below that."""
    days = sorted(set(cycle_days))
    if len(days) < OBSERVED_CYCLES:
        return None
    return round(statistics.median((b - a).days for a, b in zip(days, days[1:], strict=False)))


def recall_window(
    *,
    treated_on: datetime.date,
    product_id: int | None,
    muscle_ids: Iterable[int],
    cycle_days: Iterable[datetime.date] = (),
    table: DurationTable,
) -> RecallWindow:
    """The recall window of the cycle treated on ``treated_on`` (its main treatment's
    day): the module's rule. ``cycle_days`` are the days of the patient's cycles (this
    one included) for the observed interval."""
    observed = observed_interval(cycle_days)
    if observed is not None:
        cycles = len(set(cycle_days))
        low, high = observed - OBSERVED_SLACK_DAYS, observed + OBSERVED_SLACK_DAYS
        basis = f"Own interval: about {observed} days over {cycles} cycles"
    else:
        rows = table.rows_for(product_id=product_id, muscle_ids=muscle_ids)
        if rows:
            low = min(r.min_days for r in rows)
            high = min(r.max_days for r in rows)
            basis = "; ".join(f"{r.area} {r.min_days}–{r.max_days} days" for r in rows)
        else:
            low, high = GENERAL_DAYS
            basis = f"General {GENERAL_DAYS[0]}–{GENERAL_DAYS[1]} days (no charted areas)"
    floor = MIN_INTERVAL_DAYS
    held = low < floor
    low = max(low, floor)
    high = max(high, low)
    if held:
        basis += f"; not before {floor} days after the treatment"
    return RecallWindow(
        treated_on=treated_on,
        opens=treated_on + datetime.timedelta(days=low),
        closes=treated_on + datetime.timedelta(days=high),
        basis=basis,
        held_at_minimum=held,
    )
