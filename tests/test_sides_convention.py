"""One left/right convention on every screen and PDF (issue 17, finding 2).

The face diagram shows the patient as the injector sees them (the patient's right on
the viewer's left); every table follows that order and says "Patient's R" before
"Patient's L", and a difference is written in words ("L +1 U"), never as a bare
minus. The rule's one home is planning/sides.py; its doors, walked here:

- screens: movement map, plan editor, chart (signed), review, touch-up, cycles,
  patient page, visit page;
- PDFs (text through pdftotext): injection map, treatment history, consent.
"""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from charting.reports import treatments
from charting.reports.patient_history import build_history
from charting.reports.rendering import render_pdf
from charting.reviews.review import open_review
from tests.conftest import need
from tests.factories import make_vial, signed_treatment, touch_up

pytestmark = pytest.mark.django_db

# The right corrugator 7 U, the left 8 U: the left has 1 U more ("L +1 U").
UNEVEN = [
    ("CORR", "R", 4),
    ("CORR", "R", 3),
    ("PROC", "C", 4),
    ("CORR", "L", 4),
    ("CORR", "L", 4),
]

SIDE_HEADER = re.compile(r"^(patient[’']s [rl]|left|right|pt r|pt l|l|r|l\s*[−–-]\s*r.*)$", re.I)
OLD_HEADERS = re.compile(r"^(left|right|pt r|pt l|l|r|l\s*[−–-]\s*r.*)$", re.I)
# A signed number on its own (not inside a date, a chart number or a range): "−2", "-1.5"
# (an en dash before a space stands for "nothing": "– 0 1 2 3" is a grade's buttons).
BARE_MINUS = re.compile(r"(?<![\w.:/])[\u2212-]\d")
L_MINUS_R = re.compile(r"\bL\s*[−–-]\s*R\b")


class _Page(HTMLParser):
    """The visible text of a page, and the header cells of each table row."""

    def __init__(self):
        super().__init__()
        self.text: list[str] = []
        self.rows: list[list[str]] = []
        self._skip = 0
        self._th: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "title", "option"):
            self._skip += 1
        elif tag == "tr":
            self.rows.append([])
        elif tag == "th":
            self._th = []

    def handle_endtag(self, tag):
        if tag in ("script", "style", "title", "option"):
            self._skip -= 1
        elif tag == "th" and self._th is not None:
            if self.rows:
                self.rows[-1].append(" ".join("".join(self._th).split()))
            self._th = None

    def handle_data(self, data):
        if self._skip:
            return
        self.text.append(data)
        if self._th is not None:
            self._th.append(data)


def _side_headers(row: list[str]) -> list[str]:
    return [h for h in row if SIDE_HEADER.match(h)]


def check_page(html: str) -> int:
    """Asserts the convention on one page; returns how many header rows name sides."""
    page = _Page()
    page.feed(html)
    seen = 0
    for row in page.rows:
        headers = _side_headers(row)
        if not headers:
            continue
        old = [h for h in headers if OLD_HEADERS.match(h)]
        assert not old, f"old side headers {old} in {row}"
        sides = [h[-1].upper() for h in headers]
        assert sides[:2] == ["R", "L"], f"Patient's R must come before Patient's L: {row}"
        seen += 1
    text = " ".join(" ".join(page.text).split())
    assert not L_MINUS_R.search(text), "an 'L−R' column: differences are written in words"
    bare = BARE_MINUS.search(text)
    assert not bare, f"a bare minus: …{text[max(0, bare.start() - 60) : bare.end() + 20]}…"
    return seen


def pdf_words(content: bytes, tmp_path, name: str) -> str:
    need(bool(shutil.which("pdftotext")), "pdftotext (poppler-utils) is not installed")
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(content)
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(source), "-"], check=True, capture_output=True
    )
    return " ".join(out.stdout.decode("utf-8").split())


def check_pdf(text: str, *, tables: bool) -> None:
    """The PDF's table headers are uppercase (pdf.css): PATIENT'S R, then PATIENT'S L."""
    headers = [m[-1] for m in re.findall(r"PATIENT[’']S [RL]", text)]
    if tables:
        assert headers, "no PATIENT'S R / PATIENT'S L header"
        assert re.fullmatch(r"(RL)+", "".join(headers)), f"header order {headers}"
    assert not re.search(r"\b(LEFT|RIGHT)\b", text)
    assert not L_MINUS_R.search(text)
    bare = BARE_MINUS.search(text)
    assert not bare, f"a bare minus: …{text[max(0, bare.start() - 60) : bare.end() + 20]}…"


@pytest.fixture
def cycle(patient, injector):
    """A signed uneven glabellar treatment (R 7 U, L 8 U) and its open review with a
    2 U touch-up on the left corrugator."""
    vial = make_vial(by=injector)
    treatment = signed_treatment(
        patient=patient,
        injector=injector,
        vial=vial,
        points=UNEVEN,
        started_at=timezone.now() - datetime.timedelta(days=14),  # its review is on time
    )
    review = open_review(treatment=treatment, by=injector)
    touch_up(review=review, vial=vial, by=injector)
    return treatment, review


def test_every_screen_puts_the_patients_right_first_and_words_differences(
    injector_client, cycle, patient
):
    treatment, review = cycle
    visit = treatment.visit
    plan = treatment.plan
    with_side_headers = {
        "movement map": reverse("planning:movement_map", args=[visit.pk]),
        "plan": reverse("planning:plan", args=[plan.pk]),
        "chart": reverse("charting:chart", args=[visit.pk]),
        "review": reverse("reviews:review", args=[review.pk]),
    }
    other_screens = {
        "touch-up": reverse("reviews:touch_up", args=[review.pk]),
        "cycles": reverse("reviews:cycles", args=[patient.pk]),
        "patient": reverse("patient_detail", args=[patient.pk]),
        "visit": reverse("planning:visit_detail", args=[visit.pk]),
    }
    for name, url in {**with_side_headers, **other_screens}.items():
        response = injector_client.get(url)
        assert response.status_code == 200, name
        html = response.content.decode()
        rows = check_page(html)
        if name in with_side_headers:
            assert rows, f"{name}: no Patient's R / Patient's L header"
        # The convention reaches the page's scripts from the server, not a literal.
        assert 'id="sides-convention"' in html, name
    plan_page = injector_client.get(with_side_headers["plan"]).content.decode()
    assert "L +1 U" in plan_page  # the balance of the corrugators, in words
    chart_page = injector_client.get(with_side_headers["chart"]).content.decode()
    assert "L +1" in chart_page


def test_every_pdf_puts_the_patients_right_first_and_words_differences(cycle, patient, tmp_path):
    treatment, _ = cycle
    injection_map = treatments.injection_map_pdf(treatment_id=treatment.pk, progress=print)
    text = pdf_words(injection_map.content, tmp_path, "map")
    check_pdf(text, tables=True)
    assert "L +1 U" in text  # the corrugators' totals, R 7 U against L 8 U

    history = render_pdf(template="pdf/history.html", context=build_history(patient=patient))
    text = pdf_words(history.content, tmp_path, "history")
    check_pdf(text, tables=True)
    assert "L +1 U" in text and "L +1" in text  # units; the baseline map's grades (3 vs 2)

    consent = treatment.visit.consents.get()
    consent_pdf = treatments.consent_pdf(consent_id=consent.pk, progress=print)
    check_pdf(pdf_words(consent_pdf.content, tmp_path, "consent"), tables=False)
