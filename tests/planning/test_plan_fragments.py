"""Hostile text in the plan editor's suggestion rows and the plan panel's totals rows
(planning/suggestion_rows.jinja, planning/plan_total_rows.jinja: Jinja2 fragments since
issue 22). Reference data (muscle names, a range's area) is drawn from unsaved rows:
the reference cache of this process stays clean.

Doors: the plan page (GET, and after a refused save), the live preview's panel
(POST /planning/plans/<id>/preview/), a second tab (the same rows), the demo data
(muscle names come from the reference data, which the Django admin edits)."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from markupsafe import escape

from planning import sides
from planning.dosing import totals_by_muscle_side
from planning.models import Muscle
from planning.suggestions import MuscleSuggestion
from planning.templatetags.face_svg import plan_total_rows, suggestion_rows
from tests.hostile import AMPERSAND, ATTRIBUTE, QUOTES, SCRIPT, assert_shown_as_text

pytestmark = pytest.mark.django_db
NO_TAGS = ("<script", "<img")


def assert_no_hostile_tags(html: str) -> None:
    for tag in NO_TAGS:
        assert tag not in html, f"{tag} written as markup"


def test_the_suggestion_rows_show_hostile_text_as_text():
    paired = Muscle(pk=90001, code="C<R>", name=SCRIPT, paired=True)
    midline = Muscle(pk=90002, code="P&C", name=ATTRIBUTE, paired=False)
    rows = [
        MuscleSuggestion(
            muscle=paired,
            grades={"L": 3, "R": 1},
            units={"L": Decimal("8"), "R": Decimal("4")},
            basis=QUOTES,
            source="label",
            splits={"L": [Decimal("4"), Decimal("4")], "R": [Decimal("4")]},
        ),
        MuscleSuggestion(
            muscle=midline,
            grades={"C": 2},
            units={"C": Decimal("5")},
            basis=AMPERSAND,
            source="practice",
            splits={"C": [Decimal("5")]},
        ),
    ]
    html = str(suggestion_rows(rows, True, SCRIPT))
    for text in (SCRIPT, ATTRIBUTE, QUOTES, AMPERSAND, "C<R>", "P&C"):
        assert_shown_as_text(html, text)
    assert_no_hostile_tags(html)
    assert 'data-muscle="C&lt;R&gt;" data-side="L" data-units="8" data-split="4,4"' in html
    assert "as 2 points" in html and 'as 1 point"' in html  # pluralize as the page did
    assert '<span class="badge text-bg-light border">Label</span>' in html  # capfirst
    empty = str(suggestion_rows([], True, SCRIPT))
    assert "The movement map grades no muscle yet." in empty


def test_the_totals_rows_show_hostile_text_as_text():
    paired = Muscle(pk=90003, code="C<R>", name=SCRIPT, paired=True, order=1)
    midline = Muscle(pk=90004, code="P&C", name=ATTRIBUTE, paired=False, order=2)
    points = [
        SimpleNamespace(muscle=paired, side="L", units=Decimal("6")),
        SimpleNamespace(muscle=paired, side="R", units=Decimal("4")),
        SimpleNamespace(muscle=midline, side="C", units=Decimal("5")),
    ]
    rows = [{"t": t, "volume": Decimal("0.1"), "more": "L", "balance": QUOTES} for t in
            totals_by_muscle_side(points)]  # fmt: skip
    html = str(plan_total_rows(rows, sides.columns()))
    for text in (SCRIPT, ATTRIBUTE, QUOTES, "C<R>", "P&C"):
        assert_shown_as_text(html, text)
    assert_no_hostile_tags(html)
    assert 'data-testid="balance-C&lt;R&gt;"' in html
    assert "0.10 mL" in html  # floatformat:2 as the page wrote it


def test_a_read_only_plans_kept_rows_are_its_own_escaped_and_never_stale():
    """A plan that can no longer change has its point rows, dots and totals kept
    (clinic.fragments.render_kept, issue 22 fifth session): the same markup as drawn
    without keeping, hostile names escaped, the second read from the kept copy, and
    any input changed (a muscle renamed in the admin, a point's units, the dilution)
    another entry, never the kept markup of the old one. Seen red with the kept entries
    keyed by the context's names only (the renamed muscle showed its old name)."""
    from clinic import fragments
    from planning.templatetags.face_svg import face_points, plan_point_rows

    muscle = Muscle(pk=90005, code="C<R>", name=SCRIPT, paired=True, order=1)
    plan = SimpleNamespace(vial_units=100, diluent_ml=Decimal("2.50"))
    points = [
        SimpleNamespace(muscle=muscle, side=side, x=Decimal("0.4"), y=Decimal("0.3"),
                        units=Decimal(units), depth=QUOTES)
        for side, units in (("L", "4"), ("R", "2.5"))
    ]  # fmt: skip
    rows = [{"t": t, "volume": Decimal("0.1"), "more": "L", "balance": QUOTES} for t in
            totals_by_muscle_side(points)]  # fmt: skip
    cols = sides.columns()

    def drawn(keep):
        return (
            str(plan_point_rows(points, plan, keep=keep)),
            str(face_points(points, keep=keep)),
            str(plan_total_rows(rows, cols, keep=keep)),
        )

    fragments.kept.cache_clear()
    plain = drawn(False)
    assert drawn(True) == plain and fragments.kept.cache_info().currsize == 3
    assert drawn(True) == plain and fragments.kept.cache_info().hits == 3
    for html in plain:
        assert_no_hostile_tags(html)
    for html in plain[1:]:  # the dots and the totals name the muscle by its code
        assert_shown_as_text(html, "C<R>")
    assert_shown_as_text(plain[0], SCRIPT)
    assert_shown_as_text(plain[0], QUOTES)
    muscle.name = ATTRIBUTE  # renamed: every fragment that shows the name draws anew
    points[0].units = Decimal("6")
    plan.diluent_ml = Decimal("1.00")
    rows = [{"t": t, "volume": Decimal("0.2"), "more": "L", "balance": AMPERSAND} for t in
            totals_by_muscle_side(points)]  # fmt: skip
    changed = drawn(True)
    assert changed == drawn(False) and changed != plain
    assert_shown_as_text(changed[0], ATTRIBUTE)
    assert str(escape(SCRIPT)) not in changed[0]  # the old name is gone
    assert "0.06 mL" in changed[0]  # 6 U at 100 U / 1 mL
    assert_shown_as_text(changed[2], AMPERSAND)


def test_a_read_only_plans_kept_suggestion_and_cycle_rows_are_their_own():
    """The suggestions' and next cycle's rows of a read-only plan are kept the same way
    (clinic.fragments.render_kept): the same markup as drawn without keeping, hostile
    text escaped, and a changed input (the basis of a suggestion, a dose's reason) drawn
    anew."""
    from clinic import fragments
    from planning.templatetags.face_svg import cycle_dose_rows
    from planning.treatment_history import SuggestedDose

    muscle = Muscle(pk=90006, code="C<R>", name=SCRIPT, paired=True, order=1)
    suggestion = MuscleSuggestion(
        muscle=muscle, grades={"L": 3, "R": 1}, units={"L": Decimal("8"), "R": Decimal("4")},
        basis=QUOTES, source="label", splits={"L": [Decimal("4"), Decimal("4")]},
    )  # fmt: skip
    dose = SuggestedDose(
        muscle_code="C<R>", side="L", units=Decimal("6"), reason=ATTRIBUTE,
        points=[(Decimal("0.41"), Decimal("0.30"), Decimal("4")), (None, None, Decimal("2"))],
    )  # fmt: skip

    def drawn(keep):
        return (
            str(suggestion_rows([suggestion], False, SCRIPT, keep=keep)),
            str(cycle_dose_rows([dose], False, keep=keep)),
        )

    fragments.kept.cache_clear()
    plain = drawn(False)
    assert drawn(True) == plain and drawn(True) == plain
    assert fragments.kept.cache_info().hits == 2
    for html in plain:
        assert_shown_as_text(html, "C<R>")
        assert_no_hostile_tags(html)
    assert_shown_as_text(plain[0], QUOTES)
    assert_shown_as_text(plain[1], ATTRIBUTE)
    suggestion.basis, dose = AMPERSAND, SuggestedDose("C<R>", "L", Decimal("6"), SCRIPT)
    changed = drawn(True)
    assert changed == drawn(False) and changed[0] != plain[0] and changed[1] != plain[1]


def test_the_cycle_dose_rows_show_hostile_text_as_text():
    from planning.templatetags.face_svg import cycle_dose_rows
    from planning.treatment_history import SuggestedDose

    dose = SuggestedDose(
        muscle_code="C<R>",
        side="L",
        units=Decimal("6"),
        reason=SCRIPT + ATTRIBUTE,
        points=[(Decimal("0.41"), Decimal("0.30"), Decimal("4")), (None, None, Decimal("2"))],
    )
    html = str(cycle_dose_rows([dose], True))
    for text in (SCRIPT + ATTRIBUTE, "C<R>"):
        assert_shown_as_text(html, text)
    assert_no_hostile_tags(html)
    assert 'data-units="4" data-x="0.41" data-y="0.30"' in html
    assert "(a new point: put it where you inject)" in html


def test_the_dose_check_items_show_hostile_text_as_text():
    """The dose checks' items (planning/dose_checks.jinja since issue 22's third pass):
    a message names muscles and areas from the reference data (the admin edits them) and
    a reported dose's product; the list is the plan panel's and the chart's live checks."""
    from django.template.loader import render_to_string

    from planning.dosing import Check

    checks = [
        Check(level="block", code=ATTRIBUTE, message=SCRIPT, source="label", needs_ack=False),
        Check(level="warn", code="ceiling", message=QUOTES, source=AMPERSAND, needs_ack=True),
        Check(level="info", code="policy", message="Clinic’s rule", source="policy"),
    ]
    html = render_to_string("planning/_dose_checks.html", {"checks": checks})
    for text in (SCRIPT, ATTRIBUTE, QUOTES, AMPERSAND):
        assert_shown_as_text(html, text)
    assert_no_hostile_tags(html)
    assert html.count('<li class="plan-check') == 3
    assert '<span class="badge plan-level-block">Block</span>' in html
    assert '<span class="badge text-bg-light border">Label</span>' in html  # capfirst
    assert '<span class="badge text-bg-light border">Clinic policy</span>' in html
    assert html.count('<span class="badge text-bg-warning">acknowledge</span>') == 1


def test_the_past_plan_rows_show_hostile_text_as_text():
    """The patient's other plans (planning/past_plan_rows.jinja, issue 22's third pass):
    the product's brand is reference data (the admin edits it)."""
    import datetime

    from planning.models import Product, TreatmentPlan, Visit
    from planning.templatetags.face_svg import past_plan_rows

    plan = TreatmentPlan(
        pk=90005,
        product=Product(brand=SCRIPT + ATTRIBUTE),
        visit=Visit(date=datetime.date(2026, 3, 5), kind="treatment"),
        status="final",
    )
    plan.point_count, plan.total_units = 3, None
    html = str(past_plan_rows([plan]))
    assert_shown_as_text(html, SCRIPT + ATTRIBUTE)
    assert_no_hostile_tags(html)
    assert '<a href="/planning/plans/90005/">Mar 5, 2026</a>' in html  # the date filter's words
    assert '<td class="text-end">3</td><td class="text-end">0 U</td>' in html  # default:0


def test_points_handed_as_a_tuple_of_rows_are_made_plain_before_they_are_a_key():
    """The plan page makes a read-only plan's points plain once (``KeptPoints``) and the
    kept diagram and table take them as they are (issue 22, twelfth session); any other
    tuple is made plain first, so a key never holds model rows (a row hashes by its
    primary key alone: its changed units would find the old markup). Seen red with
    every tuple taken as already plain."""
    from clinic import fragments
    from planning.models import InjectionPoint
    from planning.templatetags.face_svg import KeptPoints, kept_points, plan_point_rows

    muscle = Muscle(pk=90006, code="CORR", name="Corrugator", paired=True, order=1)
    plan = SimpleNamespace(vial_units=100, diluent_ml=Decimal("2.50"))
    row = InjectionPoint(pk=90007, muscle=muscle, side="L", x=Decimal("0.4"),
                         y=Decimal("0.3"), units=Decimal("4"), depth="")  # fmt: skip
    fragments.kept.cache_clear()
    before = str(plan_point_rows((row,), plan, keep=True))
    row.units = Decimal("6")
    after = str(plan_point_rows((row,), plan, keep=True))
    assert after != before and "0.15 mL" in after  # 6 U at 100 U / 2.5 mL
    plain = kept_points([row])
    assert type(plain) is KeptPoints and kept_points(plain) is plain
