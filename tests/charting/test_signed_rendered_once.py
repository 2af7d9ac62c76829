"""What cannot change is rendered once (issue 22): the signed part of a signed chart
(its injections, diagram, totals and the facts the signature covers) is rendered on
the first read and kept in the shared cache by the chart's seal
(``charting.rendered_once``); what changes around it (addenda, the seal's state,
a consent withdrawn later, the due review, report jobs, forms) is rendered on every
read, and the seal is checked on every read.

The guard: a record that no longer matches its signature is never shown from the
cache. Seen to fail with the hole planted (``rendered_once.parts`` serving a kept
entry whatever the seal's state): the tampered chart showed the units as signed,
from the cache, under the "does not match" alert, instead of the 37.5 U now stored.

Doors of the rule (the one place a signed part is kept): the chart page
(``charting.views.chart``) and every page that re-renders it after a refused form
(the addendum and the lot forms call the same ``_chart_page``)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from charting import rendered_once
from charting.consent import withdraw_consent
from charting.models import Consent, Treatment
from charting.signing import add_addendum
from tests.conftest import need
from tests.factories import signed_treatment
from tests.tamper import tamper

pytestmark = pytest.mark.django_db

SIGNED_PART = "charting/_injection_table.html"  # drawn only when the part is rendered


@pytest.fixture
def signed(patient, injector):
    return signed_treatment(patient=patient, injector=injector)


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def read(client, treatment):
    response = client.get(reverse("charting:chart", args=[treatment.visit_id]))
    assert response.status_code == 200
    return response, response.content.decode()


def drawn(response) -> bool:
    return SIGNED_PART in [t.name for t in response.templates]


def test_the_signed_part_is_rendered_on_the_first_read_only(signed, injector_client):
    first, first_html = read(injector_client, signed)
    again, again_html = read(injector_client, signed)
    assert drawn(first) and not drawn(again)
    assert again_html.count('data-testid="injection-row"') == signed.injections.count() > 0
    assert 'data-testid="seal-ok"' in again_html and 'data-testid="face-diagram"' in again_html
    # The same page either way, apart from the per-request tokens.
    assert _without_tokens(first_html) == _without_tokens(again_html)


def test_the_part_is_kept_under_the_seal(signed, injector_client):
    read(injector_client, signed)
    shown = Treatment.objects.get(pk=signed.pk)
    key = rendered_once.key_for(
        kind="chart",
        record=shown,
        parts=tuple(rendered_once.CHART_PARTS.values()) + rendered_once.CHART_DRAWS_WITH,
        shows=rendered_once.uncovered(treatment=shown, injections=shown.injections.for_pages()),
    )
    assert shown.content_hash in key and shown.seal_key in key
    assert set(cache.get(key)) == set(rendered_once.CHART_PARTS)


def test_a_tampered_chart_is_never_shown_from_the_cache(signed, injector_client):
    need(settings.DATABASE_IS_POSTGRES, "the lock triggers and replica mode are PostgreSQL's")
    _, html = read(injector_client, signed)  # kept, as signed
    assert "37.5 U" not in html
    injection = signed.injections.order_by("order", "pk").first()
    tamper("UPDATE charting_injection SET units = 37.5 WHERE id = %s", [injection.pk])
    for _ in range(2):  # and never kept: the second read renders the rows again too
        response, html = read(injector_client, signed)
        assert 'data-testid="seal-mismatch"' in html and 'data-testid="seal-ok"' not in html
        table = html[html.index('data-testid="injections"') :]
        assert "37.5 U" in table[: table.index("</table>")]  # what is stored now, said as such
        assert drawn(response)


def test_what_changes_around_the_signed_part_is_shown_on_every_read(
    signed, injector, injector_client
):
    read(injector_client, signed)
    consent = Consent.objects.get(visit=signed.visit)
    withdraw_consent(consent=consent, reason="Changed her mind by phone.", by=injector)
    add_addendum(treatment=signed, reason="Late note", text="Bruise at left brow.", by=injector)
    response, html = read(injector_client, signed)
    assert not drawn(response)  # the signed part still came from the cache
    assert 'data-testid="consent-withdrawn-later"' in html and "Changed her mind" in html
    assert "Bruise at left brow." in html and 'data-testid="seal-ok"' in html


def test_a_muscle_renamed_after_signing_is_not_shown_from_an_old_entry(signed, injector_client):
    """What the seal does not cover in every format (format 1 shows today's names) is in
    the key: a chart whose names it shows differ is rendered again."""
    read(injector_client, signed)
    shown = Treatment.objects.get(pk=signed.pk)
    injections = list(shown.injections.for_pages())
    before = rendered_once.uncovered(treatment=shown, injections=injections)
    injections[0].muscle.name = "Renamed muscle"
    assert rendered_once.uncovered(treatment=shown, injections=injections) != before


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
)
def test_a_cache_that_does_not_answer_renders_the_chart(signed, injector_client):
    response, html = read(injector_client, signed)
    assert drawn(response) and 'data-testid="seal-ok"' in html


def _without_tokens(html: str) -> str:
    import re

    html = re.sub(r"<body[^>]*>", "<body>", html)
    html = re.sub(r'nonce="[^"]+"', "", html)
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'value="[\w-]{32}"', "", html)  # the addendum form's one-time token
    return re.sub(r"\s+", " ", html)
