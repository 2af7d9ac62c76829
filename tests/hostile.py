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


# Hostile values for a form's fields, by what the field takes. Every form that creates
# or edits a record gets each of its fields set to these in turn (tests/test_hostile_forms.py).
MARKUP = SCRIPT + ATTRIBUTE
NUL = "a\x00b"
# A formula cell (for the CSV exports) with a line break (for identifiers and headers).
FORMULA_CRLF = '=HYPERLINK("http://evil.example","open")\r\nX-Injected: 1'
LONG = "x" * 5000 + SCRIPT
NESTED = "[" * 100_000 + "]" * 100_000
FOR_TEXT = [MARKUP, NUL, FORMULA_CRLF, LONG]
FOR_NUMBER = ["1e30", "99999999999999999999999999", "-1", "NaN"]
FOR_DATE = ["0001-01-01", "9999-12-31", "2026-02-30", SCRIPT]
FOR_TIME = ["25:61", SCRIPT]
FOR_CHOICE = [MARKUP, "99999999999999999999"]
# Markers of hostile text written raw into a page (a page's own scripts carry a nonce).
RAW = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]
