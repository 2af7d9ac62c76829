"""Property: no combination of plans, charts, touch-ups and reported doses of one
ingredient within 90 days sums above the stated ceiling without a block, and the
ceiling never blocks where no 90-day window holding the day goes above it
(planning.dosing.ceiling_checks, issue 16). The oracle counts each window anchored
on a dose's day. window_peak itself tries only the windows starting on the day or on
a dose's day (issue 22); it must give what the day-by-day scan over every start gives,
the same window included (the last test)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from planning import dosing
from planning.choices import DoseKind
from planning.treatment_history import DoseRecord

ON = datetime.date(2026, 6, 1)
PRODUCT = SimpleNamespace(
    brand="BOTOX Cosmetic",
    generic_name="onabotulinumtoxinA",
    label_ceiling_units=Decimal("400"),
    label_ceiling_days=90,
    label_ceiling_text="400 U in a 3-month interval",
    policy_ceiling_units=None,
)

doses = st.lists(
    st.tuples(
        st.integers(min_value=-89, max_value=89),
        st.integers(min_value=1, max_value=400).map(lambda n: Decimal(n) / 2),
        st.sampled_from([DoseKind.CHART, DoseKind.PLAN, DoseKind.TOUCH_UP, DoseKind.REPORTED]),
    ),
    max_size=8,
)


def oracle_over(own: Decimal, records) -> bool:
    """Whether some 90-day window holding ON holds more than 400 U: every such window's
    contents equal those of one starting at ON - 89 or on a dose's day (or ending on
    one), so checking those windows is enough."""
    starts = {ON - datetime.timedelta(days=89)}
    for r in records:
        starts.add(r.on)
        starts.add(r.on - datetime.timedelta(days=89))
    for start in starts:
        end = start + datetime.timedelta(days=89)
        if not start <= ON <= end:
            continue
        if own + sum(r.units for r in records if start <= r.on <= end) > 400:
            return True
    return False


@settings(max_examples=300, deadline=None)
@given(
    own=st.integers(min_value=0, max_value=400).map(lambda n: Decimal(n) / 2),
    rows=doses,
)
def test_the_ceiling_blocks_exactly_when_a_window_holding_the_day_is_over(own, rows):
    records = tuple(
        DoseRecord(ON + datetime.timedelta(days=day), units, "BOTOX Cosmetic", kind)
        for day, units, kind in rows
    )
    context = dosing.DoseContext(on=ON, doses=records)
    checks = dosing.ceiling_checks(product=PRODUCT, own=own, context=context)
    blocked = any(c.level == dosing.BLOCK for c in checks)
    assert blocked == oracle_over(own, records)


def scan_every_start(*, on, own, doses, days):
    """Every window of ``days`` holding ``on``, latest start first; the first fullest."""
    best = None
    for back in range(days):
        start = on - datetime.timedelta(days=back)
        end = start + datetime.timedelta(days=days - 1)
        inside = [d for d in doses if d.units is not None and start <= d.on <= end]
        total = own + sum((d.units for d in inside), Decimal(0))
        if best is None or total > best[0]:
            best = (total, start, end, inside)
    return best


@settings(max_examples=300, deadline=None)
@given(
    own=st.integers(min_value=0, max_value=400).map(lambda n: Decimal(n) / 2),
    rows=doses,
    unknown=st.lists(st.integers(min_value=-89, max_value=89), max_size=2),
    days=st.sampled_from([30, 90, 120]),
)
def test_the_peak_window_is_the_one_the_day_by_day_scan_finds(own, rows, unknown, days):
    records = tuple(
        DoseRecord(ON + datetime.timedelta(days=day), units, "BOTOX Cosmetic", kind)
        for day, units, kind in rows
    ) + tuple(
        DoseRecord(ON + datetime.timedelta(days=day), None, "elsewhere", DoseKind.REPORTED)
        for day in unknown
    )
    assert dosing.window_peak(on=ON, own=own, doses=records, days=days) == scan_every_start(
        on=ON, own=own, doses=records, days=days
    )
