"""The movement map's rows and grade cells, rendered in Python.

A full map has about 200 cells of five radio buttons, a note and their labels:
drawn by the template language that was two thirds of the page's time
(docs/benchmarks.md). The markup is the one the template drew; every value that
comes from data goes through ``escape``.
"""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

SIDE_WORDS = {"L": "left", "R": "right"}
GRADES = ("0", "1", "2", "3")


def _grade(value) -> str:
    return "–" if value is None else escape(value)


@register.simple_tag
def grid_row_body(row, compare: bool) -> SafeString:
    """A row after its expression header: the muscle, its cells, L–R, the previous map."""
    out = [
        f'<th scope="row" class="mm-muscle">{escape(row.muscle.name)} '
        f'<small class="text-secondary">{escape(row.muscle.code)}</small></th>\n'
    ]
    out.extend(grade_cell(cell, row) for cell in row.cell_list)
    badge = (
        f'<span class="badge text-bg-warning">{escape(row.stronger)} +{row.abs_difference}</span>'
        if row.asymmetric
        else ""
    )
    out.append(f'        <td class="mm-diff" data-diff>{badge}</td>\n')
    if compare:
        previous = row.previous
        if row.paired:
            shown = (
                f'<span class="side-L">L {_grade(previous.get("L"))}</span> · '
                f'<span class="side-R">R {_grade(previous.get("R"))}</span>'
            )
        else:
            shown = f'<span class="side-C">C {_grade(previous.get("C"))}</span>'
        out.append(
            f'        <td class="mm-prev text-secondary small">\n          {shown}\n        </td>\n'
        )
    return mark_safe("".join(out))  # noqa: S308  # nosec B308 B703 - every data value above is escaped


def grade_cell(cell: dict, row) -> SafeString:
    key = escape(cell["key"])
    side = escape(cell["side"])
    value = cell["value"]
    note, error = cell["note"], cell["error"]
    muscle, expression = escape(row.muscle.name), escape(row.expression.name)
    side_word = SIDE_WORDS.get(cell["side"], "midline")
    span = "" if row.paired else 'colspan="2"'
    out = [
        f'<td class="mm-cell side-{side}{" has-error" if error else ""}" '
        f'{span} data-side="{side}">\n'
        f'  <fieldset class="mm-grades" data-cell="{key}">\n'
        f'    <legend class="visually-hidden">{muscle}, {side_word}, {expression}</legend>\n'
    ]
    if cell["side"] == "C":
        out.append('    <span class="mm-mid-label side-C">Midline</span>\n')
    out.append(
        f'    <input type="radio" class="btn-check" name="g:{key}" id="g-{key}-x" value="" '
        f"{'' if value else 'checked'}>\n"
        f'    <label class="btn mm-grade mm-clear" for="g-{key}-x" title="Not graded">–</label>\n'
    )
    for g in GRADES:
        out.append(
            f'    <input type="radio" class="btn-check" name="g:{key}" id="g-{key}-{g}" '
            f'value="{g}" {"checked" if value == g else ""}>\n'
            f'    <label class="btn mm-grade" data-grade="{g}" for="g-{key}-{g}" '
            f'data-testid="grade-{key}-{g}">{g}</label>\n'
        )
    out.append(
        f'    <details class="mm-note"{" open" if note or error else ""}>\n'
        '      <summary class="btn btn-sm btn-link mm-note-toggle" title="Add a note">'
        '<span aria-hidden="true">✎</span><span class="visually-hidden">Note</span></summary>\n'
        f'      <input type="text" class="form-control form-control-sm" name="n:{key}" '
        f'value="{escape(note)}" maxlength="200" '
        f'aria-label="Note: {muscle} {side} {expression}">\n'
        "    </details>\n"
        "  </fieldset>\n"
    )
    if error:
        out.append(
            f'  <div class="text-danger small field-error" data-testid="error-{key}">'
            f"{escape(error)}</div>\n"
        )
    out.append("</td>\n")
    return mark_safe("".join(out))  # noqa: S308  # nosec B308 B703 - every data value above is escaped
