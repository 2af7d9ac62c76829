"""The left/right convention's words and order (planning/sides.py, issue 17 finding 2).

Doors of the rule: every screen and PDF (tests/test_sides_convention.py walks them),
the fragments (config/fragments.py's ``lr_difference``) and the page scripts
(static/js/sides.js reads ``convention()`` from the page)."""

from __future__ import annotations

import html as html_module
import json
from decimal import Decimal

from django.template import Context, Template

from planning import sides
from planning.models import Muscle


def test_a_difference_is_written_in_words_never_as_a_bare_sign():
    assert sides.difference(Decimal("5"), Decimal("3")) == "L +2 U"
    assert sides.difference(3, 5) == "R +2 U"
    assert sides.difference(Decimal("3.5"), Decimal("5")) == "R +1.5 U"
    assert sides.difference(Decimal("4.0"), 4) == "even"
    assert sides.difference(1, 3, unit="") == "R +2"  # grades have no unit
    assert sides.difference(None, 3) == ""  # not comparable: nothing to say
    for left, right in ((0, 7), (7, 0), (Decimal("0.5"), 2)):
        words = sides.difference(left, right)
        assert "-" not in words and "\u2212" not in words


def test_the_patients_right_comes_first_then_left_then_the_midline():
    assert [c.header for c in sides.columns()] == ["Patient's R", "Patient's L"]
    assert [c.side for c in sides.columns(midline=True)] == ["R", "L", "C"]
    assert sides.ordered(["C", "L", "R"]) == ["R", "L", "C"]
    # The models list a muscle's sides in the same order.
    assert Muscle(code="X", paired=True, midline_site=True).sides == ["R", "L", "C"]
    assert Muscle(code="Y", paired=True).graded_sides == ["R", "L"]


def test_the_template_tags_and_the_page_scripts_say_the_same():
    html = Template(
        "{% load sides %}{% side_columns midline=True as cols %}"
        "{% for c in cols %}[{{ c.header }}]{% endfor %}"
        "{% lr_difference 2 4 %}|{{ 'L'|side_name }}|<div data-sides=\"{% sides_json %}\">"
    ).render(Context())
    assert html.startswith("[Patient&#x27;s R][Patient&#x27;s L][Mid]R +2 U|Patient&#x27;s L|")
    attribute = html.split('data-sides="')[1].split('"')[0]  # escaped as an attribute
    data = json.loads(html_module.unescape(attribute))
    assert data["order"] == ["R", "L", "C"] and data["names"]["R"] == "Patient's R"
    assert data["more"].format(side="R", amount="2") == "R +2"
