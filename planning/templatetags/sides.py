"""The left/right convention in templates (planning/sides.py is its one home).

{% load sides %}
{% side_columns midline=True as cols %}
{% for c in cols %}<th class="side-{{ c.side }}">{{ c.header }}</th>{% endfor %}
{{ row|of_side:c.side }}               the row's right, left or centre
{{ point.side|side_name }}             Patient's R · Patient's L · Midline
{% lr_difference row.left row.right %}  R +2 U · L +1.5 U · even
{% lr_difference left right unit="" %}  R +1 (grades)
{% sides_json %}                       the convention as JSON, for the page's scripts
"""

from __future__ import annotations

import json

from django import template

from .. import sides

register = template.Library()


@register.simple_tag
def side_columns(*, midline: bool = False) -> list[sides.Column]:
    return sides.columns(midline=midline)


@register.filter
def side_name(side: str) -> str:
    return sides.name(side)


@register.filter
def side_header(side: str) -> str:
    return sides.header(side)


@register.filter
def sides_ordered(items, attr: str = "side") -> list:
    """``items`` (objects or dicts with a side) in the convention's order."""

    def side_of(item):
        return item.get(attr) if isinstance(item, dict) else getattr(item, attr)

    return sorted(items, key=lambda item: sides.sort_key(side_of(item)))


@register.filter
def of_side(row, side: str):
    """``{{ row|of_side:c.side }}``: the row's right, left or centre."""
    return sides.of_side(row, side)


@register.simple_tag
def lr_difference(left, right, unit: str = "U") -> str:
    return sides.difference(left, right, unit=unit)


@register.simple_tag
def sides_json() -> str:
    """The convention as JSON, for base.html's ``<div id="sides-convention" data-sides>``
    (an attribute, escaped like any other: no inline script to carry the CSP nonce),
    which static/js/sides.js reads."""
    return json.dumps(sides.convention())
