"""Anchors of the audit chain (issue 18, finding 8): the head signed outside the
database finds a tail that was rewritten or cut by someone who can bypass every
trigger (a superuser in replica mode), which the chain alone cannot.

Doors of the rule "anchor the head" (audit.anchoring.anchor_chain): the Celery beat
task ``audit.anchor_chain``, ``manage.py anchor_audit_chain``. Doors of the rule
"check against the anchors" (audit.chain.verify_chain): ``manage.py
verify_audit_chain`` (stored anchors and ``--anchors`` files) and the anchoring,
which checks before it signs."""

from __future__ import annotations

import datetime
import json

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from audit import anchors
from audit.anchoring import ChainBroken, anchor_chain
from audit.chain import event_hash, verify_chain
from audit.events import record
from audit.models import Action, AuditEvent
from audit.tasks import anchor_audit_chain

pytestmark = pytest.mark.django_db


def _events(actor, n: int) -> list[AuditEvent]:
    return [
        record(action=Action.VIEW, object_type="test.page", object_id=i, actor=actor)
        for i in range(n)
    ]


def as_superuser_in_replica_mode(statements: list[tuple[str, list]]) -> None:
    """What a database superuser can do: every trigger skipped (PostgreSQL)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        try:
            for sql, params in statements:
                cursor.execute(sql, params)
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = DEFAULT")


def rewrite_from(seq: int, **changes) -> None:
    """Change event ``seq`` and recompute its hash and every later one, links
    included, and move the head: a chain that checks out on its own."""
    statements, prev = [], None
    for event in AuditEvent.objects.filter(seq__gte=seq).order_by("seq"):
        if event.seq == seq:
            for name, value in changes.items():
                setattr(event, name, value)
        else:
            event.prev_hash = prev
        event.hash = event_hash(event)
        prev = event.hash
        statements.append(
            (
                "UPDATE audit_auditevent SET actor_label = %s, prev_hash = %s, hash = %s "
                "WHERE seq = %s",
                [event.actor_label, event.prev_hash, event.hash, event.seq],
            )
        )
    statements.append(
        ("UPDATE audit_chainhead SET seq = %s, hash = %s WHERE id = 1", [event.seq, prev])
    )
    as_superuser_in_replica_mode(statements)


def cut_tail_to(seq: int) -> None:
    """Remove every event after ``seq`` and move the head back to it."""
    kept = AuditEvent.objects.get(seq=seq)
    as_superuser_in_replica_mode(
        [
            ("DELETE FROM audit_auditevent WHERE seq > %s", [seq]),
            ("UPDATE audit_chainhead SET seq = %s, hash = %s WHERE id = 1", [seq, kept.hash]),
        ]
    )


def test_the_daily_task_and_the_command_sign_the_head_store_it_and_mail_the_admins(
    injector, clinic_admin, mailoutbox, capsys
):
    _events(injector, 3)
    head = AuditEvent.objects.order_by("-seq").first()

    result = anchor_audit_chain.delay().get()  # the beat task's door
    assert result == {"anchored": True, "seq": head.seq, "written": True}
    stored, problems = anchors.stored_anchors()
    assert problems == [] and len(stored) == 1
    anchor = stored[0]
    assert (anchor.seq, anchor.hash) == (head.seq, head.hash)
    assert anchor.signature_ok()
    assert [m.to for m in mailoutbox] == [[clinic_admin.email]]  # admins only
    assert anchor.text() in mailoutbox[0].body

    call_command("anchor_audit_chain")  # the command's door; the head has not moved
    assert "Already anchored" in capsys.readouterr().out
    assert len(anchors.stored_anchors()[0]) == 1 and len(mailoutbox) == 2

    record(action=Action.VIEW, object_type="test.page", object_id=9, actor=injector)
    call_command("anchor_audit_chain")
    assert [a.seq for a in anchors.stored_anchors()[0]] == [head.seq, head.seq + 1]
    assert "audit-anchor-chain" in settings.CELERY_BEAT_SCHEDULE
    assert settings.CELERY_BEAT_SCHEDULE["audit-anchor-chain"]["task"] == "audit.anchor_chain"


def test_a_rewritten_tail_is_found_against_the_anchor(injector, clinic_admin, mailoutbox):
    events = _events(injector, 5)
    anchor_chain()
    _events(injector, 2)
    rewrite_from(events[1].seq, actor_label="someone@else")

    # The chain alone checks out: every hash and link was recomputed.
    assert verify_chain(anchors=[]).ok
    # The anchor does not.
    report = verify_chain()
    assert not report.ok
    (problem,) = report.problems
    assert f"at event {events[-1].seq} says hash {events[-1].hash}" in problem
    assert "the chain has" in problem
    with pytest.raises(CommandError, match="broken"):
        call_command("verify_audit_chain")
    # Nor is a rewritten chain anchored: the admins are told instead.
    mailoutbox.clear()
    with pytest.raises(ChainBroken):
        anchor_chain()
    assert len(anchors.stored_anchors()[0]) == 1
    assert "does not check out" in mailoutbox[0].subject


def test_a_cut_tail_is_found_against_the_anchor(injector, capsys):
    events = _events(injector, 5)
    anchor_chain()
    cut_tail_to(events[2].seq)

    assert verify_chain(anchors=[]).ok  # a shorter chain, whole in itself
    with pytest.raises(CommandError, match="broken"):
        call_command("verify_audit_chain")
    err = capsys.readouterr().err
    assert f"the chain ends at {events[2].seq} < {events[-1].seq}" in err


def test_a_saved_anchor_email_is_checked_when_the_files_are_gone(
    injector, clinic_admin, mailoutbox, tmp_path, capsys
):
    events = _events(injector, 4)
    anchor_chain()
    saved = tmp_path / "anchor-email.txt"
    saved.write_text(mailoutbox[0].body)
    for name in anchors.storage().listdir(anchors.DIRECTORY)[1]:
        anchors.storage().delete(f"{anchors.DIRECTORY}/{name}")
    cut_tail_to(events[0].seq)

    call_command("verify_audit_chain")  # no anchor left in the storage: nothing to see
    assert "No anchor yet" in capsys.readouterr().out
    with pytest.raises(CommandError, match="broken"):
        call_command("verify_audit_chain", "--anchors", str(saved))
    assert f"the chain ends at {events[0].seq} < {events[-1].seq}" in capsys.readouterr().err


def test_an_anchor_signed_with_another_key_is_refused_and_a_rotated_key_still_verifies(
    injector, settings
):
    _events(injector, 2)
    settings.AUDIT_ANCHOR_KEY = "the-first-key"
    anchor_chain()
    assert verify_chain().ok

    # Rotation: the new key signs, the old one still verifies the anchors it signed.
    settings.AUDIT_ANCHOR_KEY = "the-second-key"
    settings.AUDIT_ANCHOR_OLD_KEYS = ["the-first-key"]
    assert verify_chain().ok
    settings.AUDIT_ANCHOR_OLD_KEYS = []
    (problem,) = verify_chain().problems
    assert "not signed by a configured anchor key" in problem

    # A forged anchor (someone without the key moves it to the cut chain) is refused.
    settings.AUDIT_ANCHOR_OLD_KEYS = ["the-first-key"]
    (stored,) = anchors.stored_anchors()[0]
    forged = {**json.loads(stored.text()), "seq": 1, "hash": "f" * 64}
    anchors.storage().save(f"{anchors.DIRECTORY}/forged.json", _file(json.dumps(forged)))
    (problem,) = verify_chain().problems
    assert "forged.json is not signed by a configured anchor key" in problem


def _file(text: str):
    from django.core.files.base import ContentFile

    return ContentFile(text.encode())


def test_an_old_newest_anchor_is_pointed_out(injector, capsys):
    """The nightly anchoring stopped (beat down, or switched off): verify says so."""
    _events(injector, 2)
    anchor_chain(now=timezone.now() - datetime.timedelta(days=3))
    call_command("verify_audit_chain")
    out = capsys.readouterr().out
    assert "is the nightly anchoring (Celery beat) running?" in out
    assert "intact" in out
