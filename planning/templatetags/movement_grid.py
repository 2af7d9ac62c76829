"""The movement map's rows, drawn by one fragment.

A full map has about 200 cells of five radio buttons, a note and their labels:
drawn by the Django template language that was two thirds of the page's time
(docs/benchmarks.md). ``templates/fragments/planning/movement_rows.jinja`` draws
every row in one render, each cell through the one grade cell
(``planning/grade_cell.jinja``) that the review's residual grid draws too.

A cell without a note or an error is the same markup on every map that has the
same grade there: it is a function of the reference data (cell key, muscle and
expression names, the directions of pull offered) and of the grade and direction
chosen, nothing else. Such cells are drawn once per process and kept
(``_kept_cell``, bounded); a cell with a note or an error (the patient's words,
a refusal) is drawn on every read and never kept.
"""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.template import engines
from markupsafe import Markup

from clinic.fragments import render_fragment

register = template.Library()

# Cells kept: about 60 cells × 5 grades on the bench's reference data, and their
# directions; a bound for reference data edited many times over a process's life.
KEPT_CELLS = 4096


class GradeCells:
    """The grade cell macro as the rows fragment calls it, keeping the cells that
    carry no note and no error (``_kept_cell``)."""

    def __init__(self) -> None:
        # The macro of the template as the engine has it now: a changed template
        # (development's reload) is another macro, so kept cells never outlive it.
        template = engines["fragments"].env.get_template("planning/grade_cell.jinja")
        self.macro = template.module.grade_cell

    def __call__(self, key, side, value, note, error, paired, muscle, expression="", *,
                 directions=None, direction="") -> Markup:  # fmt: skip
        if note or error:
            return self.macro(key, side, value, note, error, paired, muscle, expression,
                              directions=directions, direction=direction)  # fmt: skip
        return _kept_cell(self.macro, key, side, value, paired, muscle, expression,
                          tuple(directions or ()), direction)  # fmt: skip


@lru_cache(maxsize=KEPT_CELLS)
def _kept_cell(macro, key, side, value, paired, muscle, expression, directions, direction):
    """A cell without note or error: drawn by the macro (escaped there) once per
    set of arguments; the arguments are all it depends on."""
    return macro(key, side, value, "", "", paired, muscle, expression,
                 directions=directions, direction=direction)  # fmt: skip


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
        grade_cell=GradeCells(),
    )


@register.simple_tag
def movement_summary(summary) -> Markup:
    """The summary's chips and its "nothing graded" line: ``summary`` from
    ``planning.movement.summarize``."""
    return render_fragment("planning/movement_summary.jinja", summary=summary)
