"""Next cycle's suggested dose per muscle and side: a plain rule, with its reason.

The inputs are one muscle and side of one cycle (one product: units of
different products never meet here). The rule, first match wins:

1. a side effect pointing at this muscle/side → 20 % less than the cycle's
   total (original + touch-up), rounded down to 0.5 U, and in any case strictly
   below the session's own dose of that muscle and side (a side effect usually
   shows on days 2–10, before the touch-up: the session dose caused it); below
   0.5 U, none (do not treat that side next cycle without discussing it);
2. not graded at the review → the cycle's total;
3. residual ≥ 2 and a touch-up given → the cycle's total (original + touch-up):
   the touch-up finished the job, so start there;
4. residual ≥ 2 and no touch-up → 20 % more than the original, rounded up to
   0.5 U (at least 0.5 U more);
5. residual 1 → the cycle's total (a mild residual is an acceptable result);
6. residual 0 → the cycle's total (no movement left: keep what worked).

Whatever the rule, the suggestion stays strictly below every earlier dose of this
muscle and side that was followed by a side effect pointing at it
(``CycleFacts.caused_effects``): a dose that caused ptosis is never suggested again.

It is a suggestion for the injector [practice], never a limit: the plan screen
offers it as the starting dose and its dose checks still apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from planning.units import STEP, format_units, to_step

LOWER = Decimal("0.8")
RAISE = Decimal("1.2")


@dataclass(frozen=True)
class CycleFacts:
    """One muscle and side of one cycle."""

    original: Decimal  # units given at the cycle's treatment
    touch_up: Decimal = Decimal("0")  # units added at the review
    baseline: int | None = None  # strongest grade before treatment
    residual: int | None = None  # grade at the review (None: not graded)
    side_effects: tuple[str, ...] = field(default_factory=tuple)  # labels, e.g. "Eyelid ptosis"
    # earlier cycles' session doses of this muscle and side followed by a side effect
    caused_effects: tuple[Decimal, ...] = field(default_factory=tuple)

    @property
    def total(self) -> Decimal:
        return self.original + self.touch_up


@dataclass(frozen=True)
class Suggestion:
    units: Decimal
    rule: str
    reason: str


def _u(value: Decimal) -> str:
    return f"{format_units(value)} U"


def suggest(facts: CycleFacts) -> Suggestion:
    """The rule of the module's docstring, then the cap of doses that caused a side
    effect."""
    suggestion = _rule(facts)
    caps = [*facts.caused_effects, *([facts.original] if facts.side_effects else [])]
    if not caps:
        return suggestion
    cap = min(caps) - STEP  # strictly below every dose followed by a side effect
    if STEP <= suggestion.units <= cap:
        return suggestion
    if min(cap, suggestion.units) < STEP:
        return Suggestion(
            Decimal("0"),
            "side_effect_stop",
            f"{_u(min(caps))} here was followed by a side effect: no lower dose to suggest; "
            "do not treat this side next cycle without discussing it.",
        )
    return Suggestion(
        cap,
        suggestion.rule if suggestion.rule == "side_effect" else "side_effect_cap",
        f"{suggestion.reason} Kept below {_u(min(caps))}, a dose here followed by a side effect.",
    )


def _rule(facts: CycleFacts) -> Suggestion:
    total = facts.total
    residual = facts.residual
    if facts.side_effects:
        units = to_step(total * LOWER, ROUND_FLOOR)
        effects = ", ".join(facts.side_effects).lower()
        return Suggestion(
            units,
            "side_effect",
            f"{effects.capitalize()} after this cycle: 20% less than its {_u(total)}.",
        )
    if residual is None:
        return Suggestion(
            total, "not_graded", f"Not graded at the review: the cycle's {_u(total)}."
        )
    if residual >= 2 and facts.touch_up > 0:
        return Suggestion(
            total,
            "touched_up",
            f"Residual {residual} at the review, finished by the touch-up: "
            f"{_u(facts.original)} + {_u(facts.touch_up)} touch-up.",
        )
    if residual >= 2:
        units = max(facts.original + STEP, to_step(facts.original * RAISE, ROUND_CEILING))
        return Suggestion(
            units,
            "residual_no_touch_up",
            f"Residual {residual} at the review and no touch-up: "
            f"20% more than {_u(facts.original)}.",
        )
    if residual == 1:
        return Suggestion(
            total, "mild_residual", f"Mild residual (1): keep the cycle's {_u(total)}."
        )
    return Suggestion(total, "no_residual", f"No movement left at the review: keep {_u(total)}.")
