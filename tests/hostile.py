"""Hostile text for the markup tests: what a patient's name, a note or a row of
reference data could hold, and the check that the markup shows it as text."""

from __future__ import annotations

from django.utils.html import escape as django_escape
from markupsafe import escape

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
TEXTAREA = "</textarea><b>bold</b>"
QUOTES = 'Depressor "anguli" o\'ris'
AMPERSAND = "Smith & Jones"


def assert_shown_as_text(html: str, text: str) -> None:
    """``text`` is in ``html`` escaped (as Jinja2 or Django writes it), never raw."""
    assert text not in html, f"written raw: {text!r}"
    assert str(escape(text)) in html or django_escape(text) in html, f"not shown: {text!r}"
