"""``{% link "app:name" pk %}``: ``{% url "app:name" pk %}`` for a pattern whose one
argument is a row's id, from the pattern reversed once per process
(``clinic.links.kept_links``). ``{% url %}`` reverses on every use, a few tens of
microseconds each; the visit pages draw several (issue 22)."""

from __future__ import annotations

from django import template

from clinic.links import kept_links

register = template.Library()


@register.simple_tag
def link(name: str, pk) -> str:
    """Refused (ValueError) unless ``pk`` is a row's id: a positive whole number, or its
    digits (what ``{% url %}`` would take for an ``<int:...>`` argument)."""
    whole = type(pk) is int and pk >= 0
    if not whole and not (type(pk) is str and pk.isascii() and pk.isdigit()):
        raise ValueError(f"{{% link %}} takes a row's id, not {type(pk).__name__}")
    return kept_links()(name, pk)
