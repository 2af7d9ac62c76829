"""PostgreSQL refuses what would cut the audit chain without a trace in the app's
own role (issue 18, finding 8): TRUNCATE of the log or its head, and a head that
moves anywhere but to the last event appended. The append path (``record``, one
call of ``audit_append``) still moves it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from audit.chain import verify_chain
from audit.events import record
from audit.models import Action, AuditEvent, ChainHead
from tests.conftest import need

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(injector):
    need(settings.DATABASE_IS_POSTGRES, "the audit triggers exist on PostgreSQL only")
    return [
        record(action=Action.VIEW, object_type="test.page", object_id=i, actor=injector)
        for i in range(3)
    ]


def _refused(sql: str, params=(), match: str = "") -> None:
    with (
        pytest.raises(DatabaseError, match=match),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        # This is a Django test database, which may be flushed between tests; say
        # that this transaction wants the production behaviour.
        cursor.execute("SET LOCAL audit.test_flush = 'off'")
        cursor.execute(sql, params)


@pytest.mark.parametrize("table", ["audit_auditevent", "audit_chainhead"])
def test_truncate_is_refused(chain, table):
    written = AuditEvent.objects.count()
    _refused(f"TRUNCATE {table} CASCADE", match="cannot be truncated")
    assert AuditEvent.objects.count() == written
    assert ChainHead.objects.get(pk=1).seq == chain[-1].seq


def test_the_head_moves_only_to_the_last_event_appended(chain):
    last, before = chain[-1], chain[-2]
    for sql, params in [
        ("UPDATE audit_chainhead SET seq = %s, hash = %s WHERE id = 1", [before.seq, before.hash]),
        ("UPDATE audit_chainhead SET hash = %s WHERE id = 1", ["f" * 64]),
        ("UPDATE audit_chainhead SET seq = seq + 1 WHERE id = 1", []),
        ("DELETE FROM audit_chainhead", []),
    ]:
        _refused(sql, params, match="chain head")
    head = ChainHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (last.seq, last.hash)
    # The append path is the one way it moves.
    event = record(action=Action.VIEW, object_type="test.page", object_id=9)
    head.refresh_from_db()
    assert (head.seq, head.hash) == (event.seq, event.hash)
    assert verify_chain().ok


def test_production_refuses_a_database_named_like_a_test_database():
    """The TRUNCATE trigger lets Django's test databases (test_…) be flushed; a
    production database of such a name would lose that guard, so it is refused.
    Seen to fail with the settings' check taken out."""
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "DEBUG": "0",
        "SECRET_KEY": "k" * 20 + "-production-like-secret-for-the-check-only-0123456789",
        "ALLOWED_HOSTS": "clinic.example.org",
        "TRUSTED_PROXY_COUNT": "1",
        "SIGNATURE_KEYS": "k1:" + "s" * 40,
        "AUDIT_ANCHOR_KEY": "a" * 40,
        "DATABASE_URL": "postgres://clinic@127.0.0.1:5432/test_clinic",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    run = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode != 0
    assert "A production database may not be named test_" in run.stderr
