"""The movement map's rows, drawn by one fragment.

A full map has about 200 cells of five radio buttons, a note and their labels:
drawn by the Django template language that was two thirds of the page's time
(docs/benchmarks.md). ``templates/fragments/planning/movement_rows.jinja`` draws
every row in one render, each cell through the one grade cell
(``planning/grade_cell.jinja``) that the review's residual grid draws too.
"""

from __future__ import annotations

from django import template
from markupsafe import Markup

from clinic.fragments import render_fragment

register = template.Library()


@register.simple_tag
def movement_rows(groups, *, compare: bool, may_edit: bool, photos_url: str) -> Markup:
    """The map's ``<tbody>`` elements: ``groups`` from ``planning.movement.build_grid``;
    ``compare`` adds the previous map's column; ``may_edit`` the "+ Photo" links to
    ``photos_url``."""
    return render_fragment(
        "planning/movement_rows.jinja",
        groups=groups,
        compare=compare,
        may_edit=may_edit,
        photos_url=photos_url,
    )


@register.simple_tag
def movement_summary(summary) -> Markup:
    """The summary's chips and its "nothing graded" line: ``summary`` from
    ``planning.movement.summarize``."""
    return render_fragment("planning/movement_summary.jinja", summary=summary)
