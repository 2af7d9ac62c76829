"""The review's residual grid (reviews/residual_rows.jinja): hostile text shows as
text, and its cells are the movement map's grade cell (planning/grade_cell.jinja)
with the baseline badge, not a copy that could drift."""

from __future__ import annotations

import pytest

from charting.reviews.models import Review
from charting.reviews.review import open_review, save_review
from charting.reviews.screens import GridCell, GridRow
from clinic.fragments import render_fragment
from planning.models import Expression, Muscle
from planning.movement import Group, Row
from planning.templatetags.movement_grid import movement_rows
from tests.factories import make_vial, signed_treatment
from tests.factories.reviews import two_weeks_after
from tests.hostile import AMPERSAND, ATTRIBUTE, QUOTES, SCRIPT, TEXTAREA, assert_shown_as_text

pytestmark = pytest.mark.django_db


def cells_of(html: str) -> list[str]:
    return [f'<td class="mm-cell{part.split("</td>")[0]}</td>'
            for part in html.split('<td class="mm-cell')[1:]]  # fmt: skip


def residual(muscle, cells):
    return render_fragment(
        "reviews/residual_rows.jinja", grid=[GridRow(muscle=muscle, cells=cells)]
    )


def test_the_residual_grid_shows_hostile_text_as_text():
    muscle = Muscle(code="C<R>", name=f"{QUOTES} {SCRIPT}", paired=True)
    html = residual(
        muscle,
        [
            GridCell(key="C<R>:R", side="R", baseline=2, value=0, note=AMPERSAND),
            GridCell(
                key="C<R>:L", side="L", baseline=None, value=3, note=TEXTAREA, error=ATTRIBUTE
            ),
        ],
    )
    for text in (f"{QUOTES} {SCRIPT}", "C<R>", AMPERSAND, TEXTAREA, ATTRIBUTE):
        assert_shown_as_text(html, text)
    for tag in ("<script", "<img", "<b>"):
        assert tag not in html
    assert html.count("</textarea>") == html.count("<textarea ")  # the note's own is text
    assert 'data-testid="baseline-C&lt;R&gt;:R">was 2<' in html
    assert 'data-testid="baseline-C&lt;R&gt;:L">was –<' in html
    assert 'id="g-C&lt;R&gt;:L-3" value="3" checked' in html
    assert "L +3" in html  # 3 against 0, in words (planning.sides)


def test_the_review_cell_is_the_movement_maps_cell_with_the_baseline():
    muscle = Muscle(code="CORR", name="Corrugator", paired=True)
    review = residual(
        muscle,
        [
            GridCell(key="R", side="R", baseline=3, value=2, note="n", error="e"),
            GridCell(key="L", side="L", baseline=None, value=None),
        ],
    )
    row = Row(expression=Expression(code="X", name=""), muscle=muscle)
    row.cells = {
        "R": {"key": "R", "side": "R", "grade": 2, "value": "2", "note": "n", "error": "e"},
        "L": {"key": "L", "side": "L", "grade": None, "value": "", "note": "", "error": ""},
    }
    movement = movement_rows([Group(row.expression, [row], [])], compare=False, may_edit=False,
                             photos_url="")  # fmt: skip
    badges = {
        side: f'    <span class="rv-baseline" title="Baseline grade" data-testid="baseline-{side}">'
        f"was {was}</span>\n"
        for side, was in (("R", 3), ("L", "–"))
    }
    for review_cell, map_cell, side in zip(cells_of(review), cells_of(movement), "RL",
                                           strict=True):  # fmt: skip
        assert badges[side] in review_cell
        assert review_cell.replace(badges[side], "") == map_cell


def test_a_hostile_note_comes_back_as_text_on_the_review_page(patient, injector, injector_client):
    treatment = signed_treatment(patient=patient, injector=injector, vial=make_vial(by=injector))
    review = open_review(treatment=treatment, by=injector, on=two_weeks_after(treatment))
    save_review(
        review=review,
        version=review.version,
        grades={"CORR:L": "2"},
        notes={"CORR:L": ATTRIBUTE},
    )
    html = injector_client.get(Review.objects.get(pk=review.pk).get_absolute_url()).text
    grid = html.split('data-testid="residual-grid"')[1].split("</table>")[0]
    assert_shown_as_text(grid, ATTRIBUTE)
    assert "<img" not in grid
    assert (
        'id="g-CORR:L-2" value="2" checked' in grid and 'id="g-CORR:R-x" value="" checked' in grid
    )
