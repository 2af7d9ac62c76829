"""The next-cycle suggestion rule: one row per branch (reviews/suggestions.py)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from charting.reviews.suggestions import CycleFacts, suggest

CASES = [
    # name, facts, units, rule
    (
        "side effect lowers by 20%",
        CycleFacts(D("8"), D("2"), 3, 2, ("Eyelid ptosis",)),
        "8",
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
        "side effect never below 0.5 U",
        CycleFacts(D("0.5"), D("0"), 1, 0, ("Eyelid ptosis",)),
        "0.5",
        "side_effect",
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
