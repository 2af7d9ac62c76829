"""Every row a signature covers is checked on every read of the signed chart page,
including a read whose signed part comes from the cache (issue 22, fifth session:
the page reads the seal's rows with the rest of what it shows in one statement).

Each case signs a chart (with an adverse event, so every kind of covered row is
there), reads the page once so its signed part is kept, then changes one covered
row as a database superuser would (the lock triggers off, raw SQL) and reads again:
the page must say the seal is broken and never show "signature verified".

Seen to fail with the hole planted (``_as_signed`` taking the seal as verified
without checking the rows read): every case showed "signature verified"."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from charting.chart import add_adverse_event
from charting.choices import AdverseKind, Severity
from charting.models import Consent
from charting.signing import sign_treatment
from tests.conftest import need
from tests.factories import PASSWORD
from tests.factories.charting import charted_treatment
from tests.tamper import tamper

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def signed(patient, injector):
    treatment = charted_treatment(patient=patient, injector=injector)
    add_adverse_event(
        treatment=treatment, kind=AdverseKind.OTHER, severity=Severity.MILD,
        note="Brief dizziness.", by=injector,
    )  # fmt: skip
    return sign_treatment(treatment=treatment, by=injector, password=PASSWORD).treatment


def page(client, treatment) -> str:
    response = client.get(reverse("charting:chart", args=[treatment.visit_id]))
    assert response.status_code == 200
    return response.content.decode()


def _first_injection(t):
    return t.injections.order_by("order", "pk").first().pk


def _vial(t):
    return t.injections.exclude(vial=None).first().vial_id


def _event(t):
    return t.adverse_events.get().pk


def _consent(t):
    return Consent.objects.get(visit_id=t.visit_id).pk


INJECTION, VIAL = "charting_injection", "charting_vial"
EVENT, CONSENT = "charting_adverseevent", "charting_consent"

# (what is changed, the table, the change: SET ... or DELETE, the row it changes)
TAMPERS = [
    ("injection units", INJECTION, "units = 37.5", _first_injection),
    ("injection note", INJECTION, "note = 'changed'", _first_injection),
    ("injection removed", INJECTION, "DELETE", _first_injection),
    ("vial diluent", VIAL, "diluent_ml = 1.25", _vial),
    ("vial reconstituted", VIAL, "reconstituted_at = reconstituted_at + interval '1h'", _vial),
    ("event note", EVENT, "note = 'nothing happened'", _event),
    ("event removed", EVENT, "DELETE", _event),
    ("consent signature", CONSENT, "signature_sha256 = repeat('0', 64)", _consent),
    ("consent text", CONSENT, "text_shown = text_shown || ' (and more)'", _consent),
    ("consent signed later", CONSENT, "signed_at = signed_at + interval '1 minute'", _consent),
]  # fmt: skip


def statement(table: str, change: str) -> str:
    if change == "DELETE":
        return f"DELETE FROM {table} WHERE id = %s"  # noqa: S608 # nosec B608 - the test's own
    return f"UPDATE {table} SET {change} WHERE id = %s"  # noqa: S608 # nosec B608


@pytest.mark.parametrize(("what", "table", "change", "row"), TAMPERS, ids=[t[0] for t in TAMPERS])
def test_a_covered_row_changed_after_the_part_was_kept_is_shown_as_broken(
    signed, injector_client, what, table, change, row
):
    need(settings.DATABASE_IS_POSTGRES, "the lock triggers and replica mode are PostgreSQL's")
    first = page(injector_client, signed)  # the signed part is kept now
    assert 'data-testid="seal-ok"' in first and 'data-testid="seal-mismatch"' not in first
    tamper(statement(table, change), [row(signed)])
    for _ in range(2):
        html = page(injector_client, signed)
        assert 'data-testid="seal-mismatch"' in html, what
        assert 'data-testid="seal-ok"' not in html, what


def test_an_untouched_chart_with_every_kind_of_row_verifies_on_every_read(signed, injector_client):
    for _ in range(2):
        html = page(injector_client, signed)
        assert 'data-testid="seal-ok"' in html and 'data-testid="seal-mismatch"' not in html
        assert "Brief dizziness." in html
