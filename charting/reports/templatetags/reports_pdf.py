"""Template helpers for the PDF layouts."""

from __future__ import annotations

from django import template

from ..storage import static_file_url

register = template.Library()


@register.simple_tag
def pdf_static(path: str) -> str:
    """A ``file:`` URL for a static file, which the restricted fetcher serves."""
    return static_file_url(path)
