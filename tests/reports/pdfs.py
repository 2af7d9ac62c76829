"""Reading what the reports made: a file from the private storage, the text of a PDF."""

from __future__ import annotations

import io

from pypdf import PdfReader

from charting.reports.storage import private_storage


def pdf_text(content: bytes) -> str:
    """The text of every page, one page after the other."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def flat_text(content: bytes) -> str:
    """The text with every run of white space made one space (a table row on one line)."""
    return " ".join(pdf_text(content).split())


def stored_report(name: str) -> bytes:
    """A report file from the private storage."""
    with private_storage().open(name) as stored:
        return stored.read()
