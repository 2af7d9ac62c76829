"""Suggested starting doses for a new plan: a small registry, like ``planning.history``.

Planning cannot import the review app (dependencies run reviews → charting →
planning), yet the plan screen offers next cycle's suggestion as the starting
dose. The review app registers a provider from ``ReviewsConfig.ready()``; the
plan screen asks::

    from planning import suggested_doses
    for dose in suggested_doses.for_plan(patient=p, product=product):
        dose.muscle_code, dose.side, dose.units, dose.reason   # per muscle and side
        dose.points   # [(x, y, units)]: the last session's points, units summing to dose.units

Only doses of ``product`` are returned: units of different products are never
compared or converted. No provider registered → an empty list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class SuggestedDose:
    muscle_code: str
    side: str
    units: Decimal
    reason: str
    points: list[tuple[Decimal, Decimal, Decimal]] = field(default_factory=list)


class DoseSuggester(Protocol):
    def for_plan(self, *, patient, product) -> list[SuggestedDose]: ...


_providers: list[DoseSuggester] = []


def register(provider: DoseSuggester) -> None:
    """Add a provider (idempotent per class)."""
    if not any(type(p) is type(provider) for p in _providers):
        _providers.append(provider)


def for_plan(*, patient, product) -> list[SuggestedDose]:
    return [dose for p in _providers for dose in p.for_plan(patient=patient, product=product)]
