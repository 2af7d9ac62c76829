"""A signed record that proves itself (issue 18, findings 1 and 2).

The seal is an HMAC under a key the database never holds (``charting.seal``), and
it covers the names the chart showed. Doors of the rule "a signed chart is shown as
signed only when its seal verifies under the key that made it", all calling
``charting.seal``: the chart page, the injection-map PDF (and the history PDF,
same ``summary``), the review page, ``verify`` (tests, bench), ``reseal_signatures``
(key rotation). Doors of "a signed chart shows the names it was signed with": the
Django admin renaming a muscle or a product, a script renaming a lot behind the
locks; seen on the chart page and the injection-map PDF. A consent withdrawn after
signing: the consent page's withdrawal, seen on the chart page and the PDF.

Tampering is done as a database superuser would (``session_replication_role =
replica`` turns the lock triggers off); the attacker knows the code (it is in git)
but not the key. Guards seen to fail: with ``charting.seal.digest`` planted to
ignore the key (plain SHA-256 whatever ``key_id`` says), the forged seal of
``test_units_changed_and_the_hash_recomputed_without_the_key_do_not_match`` was
shown as "signature verified"; with the snapshot left out of the format-2 content,
``test_the_snapshot_is_part_of_what_is_signed`` verified a forged name; with the
touch-up's check taken out of ``reports.review_section``, the PDF printed a changed
touch-up as signed.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from audit.models import Action, AuditEvent
from charting import seal
from charting.consent import withdraw_consent
from charting.models import Consent, Treatment
from planning.models import Muscle, Product
from tests.conftest import need
from tests.factories import signed_treatment
from tests.tamper import tamper

pytestmark = pytest.mark.django_db

NEW_KEY = "k2026", "n" * 40  # a second key of the keyring, for rotation


def unkeyed(content: dict) -> str:
    """The seal recomputed the old way: plain SHA-256, what anyone with the code and
    write access to the rows can do."""
    return hashlib.sha256(
        json.dumps(content, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def content_now(treatment: Treatment, *, fmt: int) -> dict:
    """The signed content of the rows as they are now, in format ``fmt``."""
    treatment = Treatment.objects.select_related("visit", "product").get(pk=treatment.pk)
    treatment.seal_format = fmt
    injections, events, consents = seal.signed_rows(treatment)
    return seal.content_of(
        treatment=treatment,
        patient_id=treatment.visit.patient_id,
        injections=injections,
        adverse_events=events,
        consent=seal.consent_at_signing(consents, treatment.signed_at),
        fmt=fmt,
    )


def make_old(treatment: Treatment) -> None:
    """Make a chart look signed before keyed seals: format 1, no key, plain SHA-256."""
    tamper(
        "UPDATE charting_treatment SET seal_format = 1, seal_key = '', signed_snapshot = '{}',"
        " content_hash = %s WHERE id = %s",
        [unkeyed(content_now(treatment, fmt=1)), treatment.pk],
    )


@pytest.fixture
def signed(patient, injector):
    return signed_treatment(patient=patient, injector=injector)


def chart_page(client, treatment) -> str:
    response = client.get(reverse("charting:chart", args=[treatment.visit_id]))
    assert response.status_code == 200
    return response.content.decode()


def injection_map(treatment, by, capture) -> str:
    from charting.reports import requests
    from tests.reports.pdfs import flat_text, stored_report

    with capture(execute=True):
        job = requests.request_injection_map(treatment_id=treatment.pk, by=by)
    job.refresh_from_db()
    return flat_text(stored_report(job.file_name))


# --- 1. the keyed seal --------------------------------------------------------------


def test_a_new_seal_is_an_hmac_under_the_current_key(signed):
    signed.refresh_from_db()
    assert signed.seal_key == seal.current_key_id() == next(iter(settings.SIGNATURE_KEYS))
    assert signed.seal_format == seal.HASH_FORMAT == 2
    content = content_now(signed, fmt=2)
    assert signed.content_hash != unkeyed(content)  # not a plain SHA-256 of what is signed
    assert signed.content_hash == seal.hash_content(content, key_id=signed.seal_key)
    assert seal.state(signed) is seal.SealState.VERIFIED


@pytest.mark.parametrize("downgrade", [False, True], ids=["same-key-id", "key-id-emptied"])
def test_units_changed_and_the_hash_recomputed_without_the_key_do_not_match(
    signed, injector, injector_client, django_capture_on_commit_callbacks, downgrade
):
    """Units 4 -> 40 and the seal recomputed the old way (plain SHA-256, here over the
    current format and the old one): the chart page and the PDF say it does not
    match. With the key id emptied too (a downgrade to the old unkeyed seal) it still
    does not match: unkeyed seals count only while SIGNATURE_ACCEPT_UNKEYED is on."""
    injection = signed.injections.order_by("order", "id").first()
    tamper("UPDATE charting_injection SET units = 40 WHERE id = %s", [injection.pk])
    for fmt in (2, 1):
        forged = unkeyed(content_now(signed, fmt=fmt))
        tamper(
            "UPDATE charting_treatment SET content_hash = %s, seal_format = %s,"
            " seal_key = CASE WHEN %s THEN '' ELSE seal_key END WHERE id = %s",
            [forged, fmt, downgrade, signed.pk],
        )
        signed.refresh_from_db()
        assert not seal.verify(signed), fmt
        html = chart_page(injector_client, signed)
        assert 'data-testid="seal-mismatch"' in html and 'data-testid="seal-ok"' not in html
        assert 'data-testid="seal-unkeyed"' not in html
    text = injection_map(signed, injector, django_capture_on_commit_callbacks)
    assert "DOES NOT MATCH ITS SIGNATURE" in text and "Verified" not in text
    where = set(
        AuditEvent.objects.filter(action=Action.MISMATCH, object_id=str(signed.pk)).values_list(
            "detail__where", flat=True
        )
    )
    assert where == {"chart page", "report"}


def test_a_seal_under_a_key_this_server_does_not_hold_does_not_match(
    signed, settings, injector_client
):
    settings.SIGNATURE_KEYS = dict([NEW_KEY])  # the old key is gone from the keyring
    assert not seal.verify(signed)
    assert 'data-testid="seal-mismatch"' in chart_page(injector_client, signed)


def test_verification_picks_the_key_by_its_id_and_rotation_reseals(signed, settings):
    """A new key first in the keyring: old seals still verify under theirs (by id);
    reseal_signatures moves every seal to the new key, after which the old key can go."""
    old_key_id = signed.seal_key
    settings.SIGNATURE_KEYS = dict([NEW_KEY]) | settings.SIGNATURE_KEYS
    assert seal.current_key_id() == NEW_KEY[0] and seal.verify(signed)
    second = signed_treatment(patient=signed.visit.patient, injector=signed.signed_by)
    assert second.seal_key == NEW_KEY[0]

    call_command("reseal_signatures")
    signed.refresh_from_db()
    assert signed.seal_key == NEW_KEY[0] and seal.verify(signed)
    event = AuditEvent.objects.filter(action=Action.CHANGE, object_id=str(signed.pk)).latest("pk")
    assert event.detail["resealed"] == {"from": old_key_id, "to": NEW_KEY[0], "format": 2}

    settings.SIGNATURE_KEYS = dict([NEW_KEY])
    assert seal.verify(signed) and seal.verify(second)
    assert seal.reseal().resealed == []  # safe to run twice


def test_the_lock_lets_only_the_seal_through(signed):
    """Re-sealing writes content_hash and seal_key of a signed row; the trigger refuses
    any other column in the same UPDATE."""
    need(settings.DATABASE_IS_POSTGRES, "the lock triggers are PostgreSQL's")
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError, match="signed and locked"), transaction.atomic():
        Treatment._base_manager.filter(pk=signed.pk).update(content_hash="0" * 64, notes="x")
    with pytest.raises(DatabaseError, match="signed and locked"), transaction.atomic():
        Treatment._base_manager.filter(pk=signed.pk).update(signed_snapshot={})
    Treatment._base_manager.filter(pk=signed.pk).update(content_hash="0" * 64)
    signed.refresh_from_db()
    assert not seal.verify(signed)  # a seal written without the key only breaks it


# --- the old unkeyed seals ----------------------------------------------------------


def test_an_old_unkeyed_seal_is_shown_as_such_and_resealed_after_verifying(
    signed, settings, injector_client
):
    make_old(signed)
    signed.refresh_from_db()
    assert seal.state(signed) is seal.SealState.MISMATCH  # not accepted by default
    settings.SIGNATURE_ACCEPT_UNKEYED = True
    assert seal.state(signed) is seal.SealState.UNKEYED
    html = chart_page(injector_client, signed)
    assert 'data-testid="seal-unkeyed"' in html and 'data-testid="seal-ok"' not in html
    assert "sealed with the old unkeyed format" in html

    settings.SIGNATURE_ACCEPT_UNKEYED = False
    call_command("reseal_signatures")
    signed.refresh_from_db()
    assert signed.seal_key == seal.current_key_id() and signed.seal_format == 1
    assert seal.state(signed) is seal.SealState.VERIFIED
    assert 'data-testid="seal-ok"' in chart_page(injector_client, signed)


def test_reseal_refuses_a_record_that_does_not_verify(signed):
    make_old(signed)
    tamper(
        "UPDATE charting_injection SET units = 40 WHERE treatment_id = %s", [signed.pk]
    )  # after its old seal was made, without recomputing it
    with pytest.raises(CommandError, match="1 signed charts do not match"):
        call_command("reseal_signatures")
    signed.refresh_from_db()
    assert signed.seal_key == ""  # left as it is
    assert AuditEvent.objects.filter(action=Action.MISMATCH, detail__where="reseal").exists()


def test_production_refuses_to_start_without_signature_keys():
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "DEBUG": "0",
        "SECRET_KEY": "k" * 20 + "-production-like-secret-for-the-check-only-0123456789",
        "ALLOWED_HOSTS": "clinic.example.org",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("SIGNATURE_KEYS", None)
    run = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode != 0 and "Set SIGNATURE_KEYS" in run.stderr


# --- 2. what was signed is what is shown ---------------------------------------------


def test_a_muscle_renamed_in_the_admin_leaves_the_signed_chart_as_signed(
    signed, injector, admin_client, django_capture_on_commit_callbacks
):
    """Doors: the Django admin's change form of a muscle. The chart page and the
    injection-map PDF keep the signed name and code; the seal still verifies."""
    injection = signed.injections.select_related("muscle").order_by("order", "id").first()
    muscle = injection.muscle
    old_name, old_code = muscle.name, muscle.code
    url = reverse("admin:planning_muscle_change", args=[muscle.pk])
    data = {
        "code": "RENAMED",
        "name": "Renamed muscle",
        "region": muscle.region,
        "paired": "on" if muscle.paired else "",
        "midline_site": "on" if muscle.midline_site else "",
        "action": muscle.action,
        "order": muscle.order,
    }
    posted = admin_client.post(url, {k: v for k, v in data.items() if v != ""}, follow=True)
    assert posted.redirect_chain, "the admin refused the rename"
    assert Muscle.objects.get(pk=muscle.pk).name == "Renamed muscle"

    assert seal.verify(signed)
    html = chart_page(admin_client, signed)  # the admin is a clinical role here
    assert 'data-testid="seal-ok"' in html
    assert old_name in html and old_code in html
    assert "Renamed muscle" not in html and "RENAMED" not in html
    text = injection_map(signed, injector, django_capture_on_commit_callbacks)
    assert old_name in text and "Renamed muscle" not in text
    assert "Verified" in text


def test_a_product_renamed_in_the_admin_leaves_the_signed_chart_as_signed(
    signed, admin_client, django_capture_on_commit_callbacks, injector
):
    product = Product.objects.get(pk=signed.product_id)
    old_brand = product.brand
    url = reverse("admin:planning_product_change", args=[product.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in ((n, form[n].value()) for n in form.fields)
        if value is not None and value is not False
    }
    data["brand"] = "Renamed Brand"
    data["vial_sizes"] = json.dumps(product.vial_sizes)
    posted = admin_client.post(url, data, follow=True)
    assert posted.redirect_chain, "the admin refused the rename"
    assert Product.objects.get(pk=product.pk).brand == "Renamed Brand"

    assert seal.verify(signed)
    html = chart_page(admin_client, signed)
    assert f"Injections · {old_brand}" in html, html[html.find("Injections") :][:200]
    assert "Renamed Brand" not in html
    text = injection_map(signed, injector, django_capture_on_commit_callbacks)
    assert old_brand in text and "Renamed Brand" not in text


def test_a_lot_renamed_behind_the_locks_still_shows_the_signed_number(signed, injector_client):
    """The lot's own rule refuses renaming a lot of a signed chart (Lot.save/clean);
    behind it (replica mode), the chart still shows the number it was signed with."""
    vial = signed.injections.select_related("vial__lot").first().vial
    number = vial.lot.number
    tamper(
        "UPDATE charting_lot SET number = 'FORGED-9', expiry_date = '2099-01-01' WHERE id = %s",
        [vial.lot_id],
    )
    html = chart_page(injector_client, signed)
    assert number in html and "FORGED-9" not in html and "2099-01-01" not in html
    assert 'data-testid="seal-ok"' in html


def test_a_consent_withdrawn_after_signing_is_a_later_event_on_the_page_and_pdf(
    signed, injector, injector_client, django_capture_on_commit_callbacks
):
    consent = Consent.objects.select_related("consent_text").get(visit=signed.visit)
    withdraw_consent(consent=consent, reason="Asked to withdraw by phone.", by=injector)
    assert seal.verify(signed)
    html = chart_page(injector_client, signed)
    assert 'data-testid="seal-ok"' in html
    assert "Consent signed" in html and f"consent text v{consent.consent_text.version}" in html
    assert "after this chart was signed" in html and "Asked to withdraw by phone." in html
    assert "to do" not in html  # the steps say "withdrawn after signing", never "to do"
    assert "withdrawn after signing" in html
    text = injection_map(signed, injector, django_capture_on_commit_callbacks)
    assert "consent signed" in text and "after this chart was signed" in text


def test_the_snapshot_is_part_of_what_is_signed(signed, injector_client):
    """Rewriting the snapshot (to show another name) breaks the seal."""
    snapshot = Treatment.objects.get(pk=signed.pk).signed_snapshot
    muscle_id = next(iter(snapshot["muscles"]))
    snapshot["muscles"][muscle_id]["name"] = "Forged name"
    tamper(
        "UPDATE charting_treatment SET signed_snapshot = %s WHERE id = %s",
        [json.dumps(snapshot), signed.pk],
    )
    signed.refresh_from_db()
    assert not seal.verify(signed)
    html = chart_page(injector_client, signed)
    assert 'data-testid="seal-mismatch"' in html


def test_a_touch_up_changed_behind_the_locks_is_said_in_the_pdf(
    signed, injector, django_capture_on_commit_callbacks
):
    """The touch-up is sealed like a chart (charting.signing.seal): the injection-map
    PDF, which shows it with the treatment it finishes, checks its seal too."""
    from tests.factories import make_vial, touched_up_review

    review = touched_up_review(treatment=signed, injector=injector, vial=make_vial(by=injector))
    touch_up = Treatment.objects.get(pk=review.touch_up_id)
    assert touch_up.seal_key == seal.current_key_id() and seal.verify(touch_up)
    text = injection_map(signed, injector, django_capture_on_commit_callbacks)
    assert "Touch-up at the review" in text and "TOUCH-UP DOES NOT MATCH" not in text
    tamper("UPDATE charting_injection SET units = 9 WHERE treatment_id = %s", [touch_up.pk])
    text = injection_map(signed, injector, django_capture_on_commit_callbacks)
    assert "THE TOUCH-UP DOES NOT MATCH ITS SIGNATURE" in text
    assert AuditEvent.objects.filter(
        action=Action.MISMATCH, object_id=str(touch_up.pk), detail__where="report"
    ).exists()
