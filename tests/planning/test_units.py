"""planning.units: the one parser and writer of units, as every door uses it (the
plan editor's points, the chart's given and wasted units, touch-ups)."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

import pytest

from planning import units


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("4", "4.0"), ("2.5", "2.5"), ("0.5", "0.5"), (" 2,5 ", "2.5"), (100, "100.0")],
)
def test_units_as_typed(typed, expected):
    assert units.parse(typed) == Decimal(expected)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0", units.NOT_POSITIVE),
        ("-2", units.NOT_POSITIVE),
        ("2.25", units.OFF_STEP),
        ("abc", units.NOT_A_NUMBER),
        ("", units.NOT_A_NUMBER),
        (None, units.NOT_A_NUMBER),
        ("100.5", units.TOO_MANY),
        ("NaN", units.NOT_A_NUMBER),
        ("Infinity", units.NOT_A_NUMBER),
        ("1e400", units.TOO_MANY),
    ],
)
def test_units_that_cannot_be_given_say_why(typed, message):
    with pytest.raises(units.UnitsError) as refused:
        units.parse(typed)
    assert refused.value.message == message


def test_wasted_units_may_be_zero_and_above_one_point():
    assert units.parse("0", allow_zero=True) == 0
    assert units.parse("150", allow_zero=True) == Decimal("150.0")
    with pytest.raises(units.UnitsError, match="negative"):
        units.parse("-1", allow_zero=True)


def test_step_rounding_and_writing():
    assert units.to_step(Decimal("2.24")) == Decimal("2.0")
    assert units.to_step(Decimal("2.25")) == Decimal("2.5")
    assert units.to_step(Decimal("2.9"), ROUND_FLOOR) == Decimal("2.5")
    assert [units.format_units(v) for v in ("4.0", Decimal("2.50"), None, "")] == [
        "4",
        "2.5",
        "",
        "",
    ]
