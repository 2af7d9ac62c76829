"""The next-cycle suggestion rule: one row per branch (reviews/suggestions.py)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from charting.reviews.suggestions import CycleFacts, suggest

CASES = [
    # name, facts, units, rule
    (
        # 20% less than 10 U would be 8 U: the 8 U session preceded the ptosis (issue 16)
        "side effect lowers below the session dose",
        CycleFacts(D("8"), D("2"), 3, 2, ("Eyelid ptosis",)),
        "7.5",
        "side_effect",
    ),
    (
        # the finding of issue 16: 8 U + 4 U touch-up + ptosis suggested 9.5 U
        "side effect after a touch-up stays below the session dose",
        CycleFacts(D("8"), D("4"), 3, 2, ("Eyelid ptosis",)),
        "7.5",
        "side_effect",
    ),
    (
        "side effect rounds down to 0.5",
        CycleFacts(D("4"), D("0"), 2, 0, ("Brow ptosis",)),
        "3",
        "side_effect",
    ),
    (
        "side effect beats a residual",
        CycleFacts(D("8"), D("0"), 3, 3, ("Asymmetry",)),
        "6",
        "side_effect",
    ),
    (
        "side effect at the smallest dose suggests none",
        CycleFacts(D("0.5"), D("0"), 1, 0, ("Eyelid ptosis",)),
        "0",
        "side_effect_stop",
    ),
    (
        "never back to an earlier dose that caused a side effect",
        CycleFacts(D("6"), D("0"), 3, 2, (), caused_effects=(D("7"),)),
        "6.5",
        "side_effect_cap",
    ),
    (
        "an earlier cause below the rule's figure caps it",
        CycleFacts(D("8"), D("0"), 3, 0, (), caused_effects=(D("6"), D("9"))),
        "5.5",
        "side_effect_cap",
    ),
    ("not graded keeps the total", CycleFacts(D("8"), D("1"), 3, None), "9", "not_graded"),
    ("residual 2 finished by touch-up", CycleFacts(D("8"), D("2"), 3, 2), "10", "touched_up"),
    ("residual 3 finished by touch-up", CycleFacts(D("4"), D("1.5"), 3, 3), "5.5", "touched_up"),
    (
        "residual 2 without touch-up: 20% more",
        CycleFacts(D("8"), D("0"), 3, 2),
        "10",
        "residual_no_touch_up",
    ),
    ("20% more rounds up to 0.5", CycleFacts(D("4"), D("0"), 2, 2), "5", "residual_no_touch_up"),
    ("at least 0.5 U more", CycleFacts(D("1"), D("0"), 2, 3), "1.5", "residual_no_touch_up"),
    ("mild residual keeps the total", CycleFacts(D("8"), D("1"), 3, 1), "9", "mild_residual"),
    ("no residual keeps the total", CycleFacts(D("8"), D("0"), 3, 0), "8", "no_residual"),
]


@pytest.mark.parametrize(("name", "facts", "units", "rule"), CASES, ids=[c[0] for c in CASES])
def test_suggestion_rule(name, facts, units, rule):
    suggestion = suggest(facts)
    assert (suggestion.units, suggestion.rule) == (D(units), rule)
    assert suggestion.reason  # every number comes with its reason


def test_a_side_effect_lowers_what_would_otherwise_be_kept():
    plain = suggest(CycleFacts(D("8"), D("2"), 3, 2))
    with_ptosis = suggest(CycleFacts(D("8"), D("2"), 3, 2, ("Eyelid ptosis",)))
    assert with_ptosis.units < plain.units
    assert "eyelid ptosis" in with_ptosis.reason.lower()
    assert "20% less" in with_ptosis.reason


@pytest.mark.parametrize("original", ["0.5", "1", "4", "8", "12.5", "40"])
@pytest.mark.parametrize("touch_up", ["0", "1", "4", "10"])
@pytest.mark.parametrize("residual", [None, 0, 1, 2, 3])
def test_a_suggestion_never_reaches_a_dose_followed_by_a_side_effect(original, touch_up, residual):
    """Property: after a side effect, below the session dose; below every earlier dose
    followed by one; never negative."""
    facts = CycleFacts(D(original), D(touch_up), 3, residual, ("Eyelid ptosis",))
    assert D("0") <= suggest(facts).units < D(original)
    earlier = CycleFacts(D(original), D(touch_up), 3, residual, (), caused_effects=(D("5"),))
    assert suggest(earlier).units < D("5")
