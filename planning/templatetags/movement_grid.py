"""The movement map's rows, drawn by one fragment.

A full map has about 200 cells of five radio buttons, a note and their labels:
drawn by the Django template language that was two thirds of the page's time
(docs/benchmarks.md). ``templates/fragments/planning/movement_rows.jinja`` draws
every row in one render, each cell through the one grade cell
(``planning/grade_cell.jinja``) that the review's residual grid draws too.

A muscle's row whose cells carry no note and no error is the same markup on
every map that has the same grades there: it is a function of the reference data
(cell keys, muscle and expression names, the directions of pull offered), of the
grades and directions chosen and, when comparing, of the previous map's grades,
nothing else. Such rows (from the muscle to the row's end,
``planning/movement_row.jinja``) are drawn once per process and kept
(``clinic.fragments.kept``, bounded); a row with a note or an error in any cell (the
patient's words, a refusal) is drawn on every read and never kept. The
expression's header on a group's first row (its photos, its measurements) is
drawn on every read.
"""

from __future__ import annotations

from django import template
from django.template import engines
from markupsafe import Markup

from clinic.fragments import kept, render_fragment

register = template.Library()


class KeptRows:
    """The muscle row macro (``planning/movement_row.jinja``) as the rows fragment
    calls it, keeping the rows whose cells carry no note and no error
    (``clinic.fragments.kept``: a row without note or error is drawn by the macro,
    escaped there, once per set of arguments; the arguments are all it depends on:
    reference names and codes, cell keys, grades and directions, the previous
    grades, no patient text)."""

    def __init__(self) -> None:
        # The macro of the template as the engine has it now: a changed template
        # (development's reload) is another macro, so kept rows never outlive it.
        template = engines["fragments"].env.get_template("planning/movement_row.jinja")
        self.macro = template.module.muscle_row

    def __call__(self, row, expression, compare: bool) -> Markup:
        """``row``: a ``planning.movement.Row`` of ``expression``'s group."""
        cells = tuple(
            (c["key"], c["side"], c["value"], c["note"], c["error"],
             tuple(c.get("directions") or ()), c.get("direction", ""))
            for c in row.cell_list
        )  # fmt: skip
        previous = row.previous
        args = (
            row.muscle.name,
            row.muscle.code,
            row.paired,
            expression.name,
            cells,
            row.difference_words if row.asymmetric else "",
            compare,
            (previous.get("R"), previous.get("L"), previous.get("C")) if compare else (),
        )
        if any(c[3] or c[4] for c in cells):  # a note or an error: the patient's, never kept
            return self.macro(*args)
        return kept(self.macro, *args)


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
        muscle_row=KeptRows(),
    )


@register.simple_tag
def movement_summary(summary) -> Markup:
    """The summary's chips and its "nothing graded" line: ``summary`` from
    ``planning.movement.summarize``."""
    return render_fragment("planning/movement_summary.jinja", summary=summary)
