"""Nobody edits or deletes the audit log: not the app, not the admin, not raw
SQL on PostgreSQL; and a row changed behind the app's back is detected."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from audit.chain import verify_chain
from audit.events import record
from audit.models import Action, AppendOnly, AuditEvent
from tests.conftest import need

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_events(patient, injector):
    return [
        record(action=Action.VIEW, obj=patient, patient=patient, actor=injector),
        record(action=Action.EXPORT, object_type="charting.report", object_id=7, actor=injector),
        record(action=Action.LOGIN, obj=injector, actor=injector),
    ]


def test_the_model_refuses_to_change_or_delete(three_events):
    event = three_events[0]
    event.action = Action.EXPORT
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    with pytest.raises(AppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(action=Action.EXPORT)
    with pytest.raises(AppendOnly):
        AuditEvent.objects.all().delete()


def test_the_admin_cannot_add_edit_or_delete_an_event(admin_client, three_events):
    event = three_events[0]
    base = f"/admin/audit/auditevent/{event.pk}"
    page = admin_client.get(f"{base}/change/")
    assert page.status_code == 200  # read-only view
    assert b'name="_save"' not in page.content
    assert admin_client.post(f"{base}/change/", {"action": "export"}).status_code == 403
    assert admin_client.get(f"{base}/delete/").status_code == 403
    assert admin_client.post(f"{base}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.get("/admin/audit/auditevent/add/").status_code == 403
    changelist = admin_client.post(
        "/admin/audit/auditevent/",
        {"action": "delete_selected", "_selected_action": [event.pk]},
    )
    assert changelist.status_code in (200, 302)
    assert AuditEvent.objects.filter(pk=event.pk, action=Action.VIEW).exists()


def test_postgresql_trigger_refuses_raw_update_and_delete(three_events):
    need(settings.DATABASE_IS_POSTGRES, "the append-only trigger exists on PostgreSQL only")
    event = three_events[0]
    for sql in (
        "UPDATE audit_auditevent SET action = 'export' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, action=Action.VIEW).exists()


def _behind_the_apps_back(sql: str, params: list) -> None:
    """What an attacker with the table owner's rights could do."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")


def test_the_chain_verifier_passes_an_intact_log(three_events, capsys):
    call_command("verify_audit_chain")
    assert "intact" in capsys.readouterr().out


def test_the_chain_verifier_detects_a_tampered_row(three_events):
    first = three_events[0]
    _behind_the_apps_back(
        "UPDATE audit_auditevent SET actor_label = %s WHERE id = %s", ["someone@else", first.pk]
    )
    report = verify_chain()
    assert f"event {first.seq} was changed after it was written" in report.problems
    with pytest.raises(CommandError, match="broken"):
        call_command("verify_audit_chain")


def test_the_chain_verifier_detects_a_removed_row(three_events):
    middle = three_events[1]
    _behind_the_apps_back("DELETE FROM audit_auditevent WHERE id = %s", [middle.pk])
    report = verify_chain()
    assert f"events {middle.seq}..{middle.seq} are missing" in report.problems


def test_the_chain_verifier_detects_a_removed_last_row(three_events):
    last = three_events[-1]
    _behind_the_apps_back("DELETE FROM audit_auditevent WHERE id = %s", [last.pk])
    assert not verify_chain().ok


def test_a_rewritten_row_with_a_recomputed_hash_breaks_the_link(three_events):
    from audit.chain import event_hash

    first = AuditEvent.objects.get(pk=three_events[0].pk)
    first.actor_label = "someone@else"
    forged = event_hash(first)
    _behind_the_apps_back(
        "UPDATE audit_auditevent SET actor_label = %s, hash = %s WHERE id = %s",
        ["someone@else", forged, first.pk],
    )
    problems = verify_chain().problems
    assert f"event {first.seq + 1} does not link to the event before it" in problems
