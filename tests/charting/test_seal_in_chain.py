"""The seal of a signed chart is checked against the anchored audit chain (issue
18, finding 1: "checked against the anchored audit chain").

Signing writes the seal into the chain (``charting.seal.record_seal``), a re-seal
writes its new one, and the chain's head is anchored outside the database
(audit.anchoring). ``manage.py verify_signed_records`` checks every signed chart
against its keyed seal and against the last seal the chain recorded: someone
holding the signing key who rewrites a chart and recomputes its seal passes the
first check and fails the second. Doors: signing (a chart; a touch-up is signed
through the same ``seal``), the re-seal of a key rotation, the command.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import AuditEvent
from charting import seal
from tests.charting.test_keyed_seal import NEW_KEY, content_now, tamper
from tests.factories import signed_treatment

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(patient, injector):
    return signed_treatment(patient=patient, injector=injector)


def test_signing_writes_the_seal_into_the_chain_and_every_record_verifies(signed, capsys):
    event = AuditEvent.objects.filter(object_id=str(signed.pk), detail__has_key="seal").get()
    assert event.detail["seal"] == signed.content_hash and event.detail["key"] == signed.seal_key
    call_command("verify_signed_records")
    assert "1 verified" in capsys.readouterr().out


def test_a_chart_rewritten_with_the_key_itself_disagrees_with_the_chain(signed):
    """The worst case: the attacker holds SIGNATURE_KEYS too. Units 4 -> 40, the
    seal recomputed under the real key: the page's keyed check passes, the chain's
    record of the seal does not."""
    tamper("UPDATE charting_injection SET units = 40 WHERE treatment_id = %s", [signed.pk])
    forged = seal.hash_content(content_now(signed, fmt=2), key_id=signed.seal_key)
    tamper("UPDATE charting_treatment SET content_hash = %s WHERE id = %s", [forged, signed.pk])
    signed.refresh_from_db()
    assert seal.verify(signed)  # the key alone cannot tell
    with pytest.raises(CommandError, match="1 disagree with the audit chain"):
        call_command("verify_signed_records")


def test_a_key_rotation_writes_the_new_seal_so_the_chain_agrees(signed, settings):
    settings.SIGNATURE_KEYS = dict([NEW_KEY]) | settings.SIGNATURE_KEYS
    call_command("reseal_signatures")
    assert seal.chain_disagreements() == []
    call_command("verify_signed_records")


def test_a_seal_that_does_not_verify_fails_the_command(signed):
    tamper("UPDATE charting_injection SET units = 40 WHERE treatment_id = %s", [signed.pk])
    with pytest.raises(CommandError, match="1 signed charts do not match their seal"):
        call_command("verify_signed_records")


def test_appending_a_new_seal_event_does_not_hide_a_rewrite(signed):
    """Review finding: the attacker with the key also appends an audit event with the
    forged seal. The chain's first signing event holds a keyless digest of what was
    signed, which the rewrite no longer matches."""
    from audit.events import record
    from audit.models import Action

    tamper("UPDATE charting_injection SET units = 40 WHERE treatment_id = %s", [signed.pk])
    forged = seal.hash_content(content_now(signed, fmt=2), key_id=signed.seal_key)
    tamper("UPDATE charting_treatment SET content_hash = %s WHERE id = %s", [forged, signed.pk])
    record(action=Action.CHANGE, obj=signed, detail={"seal": forged})
    problems = seal.chain_disagreements()
    assert [(d.treatment, d.problem) for d in problems] == [
        (signed.pk, "what it holds is not what was signed")
    ]
