"""Hostile text in the movement map's rows and grade cells
(planning/movement_rows.jinja, planning/grade_cell.jinja). Reference data (muscle
and expression names) is drawn from unsaved rows: the reference cache of this
process stays clean."""

import pytest
from django.template import engines
from django.urls import reverse

from clinic import fragments
from planning.choices import VisitKind
from planning.models import Expression, Muscle
from planning.movement import Group, MuscleSummary, Row, cell_key
from planning.templatetags.movement_grid import movement_rows, movement_summary
from tests.factories import make_visit, screen
from tests.hostile import AMPERSAND, ATTRIBUTE, QUOTES, SCRIPT, TEXTAREA, assert_shown_as_text

pytestmark = pytest.mark.django_db
NO_TAGS = ("<script", "<img", "<b>")


def assert_no_hostile_tags(html: str) -> None:
    for tag in NO_TAGS:
        assert tag not in html, f"{tag} written as markup"
    # Each note is a textarea of ours, closed once; a note's own "</textarea>" is text.
    assert html.count("</textarea>") == html.count("<textarea "), "</textarea> written as markup"


def cell(expression, muscle, side, *, value="", note="", error=""):
    key = cell_key(expression.code, muscle.code, side)
    grade = int(value) if value else None
    return {"key": key, "side": side, "grade": grade, "value": value, "note": note, "error": error}


def test_the_movement_rows_and_grade_cells_show_hostile_text_as_text():
    expression = Expression(code='F"R', name=ATTRIBUTE, instruction=TEXTAREA)
    paired = Muscle(code="C<R>", name=QUOTES, paired=True)
    midline = Muscle(code="P&C", name=SCRIPT, paired=False)
    first = Row(expression=expression, muscle=paired)
    first.cells = {
        "L": cell(expression, paired, "L", value="3", note=TEXTAREA, error=SCRIPT),
        "R": cell(expression, paired, "R", value="1", note=AMPERSAND),
    }
    first.previous = {"L": 2, "R": None}
    second = Row(expression=expression, muscle=midline)
    second.cells = {"C": cell(expression, midline, "C", note=ATTRIBUTE)}
    second.previous = {"C": 1}
    html = movement_rows(
        [Group(expression, [first, second], [])],
        compare=True,
        may_edit=True,
        photos_url="/planning/visits/1/photos/",
    )
    for text in (ATTRIBUTE, TEXTAREA, QUOTES, SCRIPT, AMPERSAND, "C<R>", "P&C", 'F"R'):
        assert_shown_as_text(html, text)
    assert_no_hostile_tags(html)
    key = "F&#34;R.C&lt;R&gt;.L"  # the cell key, escaped wherever it goes
    assert f'id="g-{key}-3" value="3" checked' in html
    assert f'name="n:{key}"' in html
    assert ">&lt;/textarea&gt;&lt;b&gt;bold&lt;/b&gt;</textarea>" in html
    assert '<span class="badge text-bg-warning">L +2</span>' in html  # 3 against 1
    assert "rv-baseline" not in html  # the review's badge only


def test_kept_rows_show_hostile_names_as_text_and_never_keep_a_note():
    """A row whose cells carry no note and no error is drawn once and kept
    (KeptRows): hostile reference names, directions of pull and the comparison's
    column are escaped there, the second read from the kept copy is the same
    markup, and a row with a note in any cell is never kept."""
    expression = Expression(code='S"M', name=SCRIPT, instruction="")
    paired = Muscle(code="Z<M>", name=ATTRIBUTE, paired=True)
    other = Muscle(code="Y&M", name=QUOTES, paired=True)
    plain = cell(expression, paired, "R", value="2")
    plain["directions"] = [("up", QUOTES), ('"><b>', TEXTAREA)]
    plain["direction"] = '"><b>'
    kept_row = Row(expression=expression, muscle=paired)
    kept_row.cells = {"L": cell(expression, paired, "L", value="0"), "R": plain}
    kept_row.previous = {"L": 1, "R": None}
    noted_row = Row(expression=expression, muscle=other)
    noted_row.cells = {
        "L": cell(expression, other, "L", value="1", note=AMPERSAND),
        "R": cell(expression, other, "R", value="1"),
    }
    groups = [Group(expression, [kept_row, noted_row], [])]
    fragments.kept.cache_clear()
    first = movement_rows(groups, compare=True, may_edit=False, photos_url="/p/")
    kept = fragments.kept.cache_info()
    again = movement_rows(groups, compare=True, may_edit=False, photos_url="/p/")
    assert again == first
    assert kept.currsize == 1 and fragments.kept.cache_info().hits == 1  # plain only
    for text in (SCRIPT, ATTRIBUTE, QUOTES, TEXTAREA, AMPERSAND, "Z<M>", "Y&M", 'S"M'):
        assert_shown_as_text(again, text)
    assert_no_hostile_tags(again)
    assert '<option value="&#34;&gt;&lt;b&gt;" selected>' in again
    assert '<span class="badge text-bg-warning">R +2</span>' in again  # 0 against 2
    assert '<span class="side-R">R –</span> · <span class="side-L">L 1</span>' in again
    # The kept row's cells are the grade cell's own markup, argument for argument.
    macro = engines["fragments"].env.get_template("planning/grade_cell.jinja").module.grade_cell
    direct = macro(plain["key"], "R", "2", "", "", True, ATTRIBUTE, SCRIPT,
                   directions=plain["directions"], direction='"><b>')  # fmt: skip
    assert direct in again


def test_the_summary_chips_show_a_hostile_muscle_code_as_text():
    muscle = Muscle(code='<b>"M"</b>', name=SCRIPT, paired=True)
    html = movement_summary([MuscleSummary(muscle, 3, 1), MuscleSummary(muscle, None, None)])
    assert_shown_as_text(html, muscle.code)
    assert "<b>" not in html
    assert 'R <b data-side="R">1</b>' in html and 'L <b data-side="L">3</b>' in html
    assert '<span class="mm-chip-diff" data-diff>L +2</span>' in html
    assert 'mm-summary-empty d-none">' in html  # one muscle graded: the line hidden once


def test_a_hostile_note_comes_back_as_text_on_the_map(injector_client, patient, injector):
    visit = make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True)
    screen(visit, injector)
    url = reverse("planning:movement_map", args=[visit.pk])
    response = injector_client.post(url, {"g:FROWN.CORR.L": "", "n:FROWN.CORR.L": ATTRIBUTE})
    assert response.status_code == 400  # a note needs a grade: the entry is shown again
    html = response.content.decode()
    assert_shown_as_text(html, ATTRIBUTE)
    assert "<img" not in html
