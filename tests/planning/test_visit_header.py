"""The head of every clinical screen of a visit (``planning/templatetags/visit_header.py``,
one fragment): the same words and links as the Django template it replaced, and every
value escaped: the patient's name and chart number, the location, the injector, the
screening's findings (their messages and sources) in its banners.

Doors: every page that includes ``planning/_visit_header.html`` (the visit overview,
screening, movement map, photos, plan start and plan editor, consent and chart)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from planning.models import Screening
from tests.factories import make_visit
from tests.factories.planning import screen

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"
SHORT = "<b>&"  # a chart number holds 20 characters
SHORT_ESCAPED = "&lt;b&gt;&amp;"


def test_hostile_names_and_findings_show_as_text_in_the_visit_header(
    injector_client, patient, injector, location
):
    """Seen to fail with ``|safe`` on the patient's name, and on a finding's message,
    in ``planning/visit_header.jinja``."""
    patient.first_name, patient.chart_number = f"Ann {HOSTILE}", f"C-{SHORT}"
    patient.save()
    location.name = f"Main {HOSTILE}"
    location.save()
    visit = make_visit(patient=patient, injector=injector, location=location)
    screening = screen(visit, injector, yes=("recent_toxin",))
    findings = [dict(f, message=f"{f['message']} {HOSTILE}") for f in screening.findings]
    findings.append(
        {"code": "x", "level": "block", "message": f"Dysport {HOSTILE}", "source": HOSTILE,
         "products": ["dysport"]}
    )  # fmt: skip
    Screening.objects.filter(pk=screening.pk).update(findings=findings)
    for name in ("planning:visit_detail", "planning:movement_map", "planning:photos"):
        html = injector_client.get(reverse(name, args=[visit.pk])).content.decode()
        assert HOSTILE not in html and SHORT not in html
        assert f"Ann {ESCAPED}" in html and f"C-{SHORT_ESCAPED}" in html
        assert f"Main {ESCAPED}" in html
        assert 'data-testid="screening-warn"' in html and f" {ESCAPED}</span>" in html
        assert 'data-testid="screening-restrictions"' in html
        assert f"Dysport {ESCAPED} <span" in html
        assert f'<a class="btn btn-outline-secondary" href="/patients/{patient.pk}/">' in html
