"""The chain written in one call (PostgreSQL's ``audit_append``) is the chain the
Python code verifies: same hashes, whatever the event's text holds."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.chain import event_hash, verify_chain
from audit.events import record
from audit.models import Action, AuditEvent, ChainHead
from tests.queries import audit_event

pytestmark = pytest.mark.django_db

HOSTILE = [
    '/patients/1/"@@seq-0@@"',  # looks like the markers the append function cuts on
    '/x/"@@prev-abc@@"/\\"q\\"',
    "/ünïcode/名前/😀",
    "/tab\tand\nnewline",
]


@pytest.mark.parametrize("path", HOSTILE)
def test_stored_hashes_are_what_python_computes(injector, path):
    event = record(
        action=Action.VIEW,
        actor=injector,
        object_type="clinic.patient",
        object_id=path[-20:],
        patient=None,
        detail={"page": path, "nested": {"b": [1, "2", None], "a": "é\"'"}},
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.seq, stored.hash, stored.prev_hash) == (event.seq, event.hash, event.prev_hash)
    assert event_hash(stored) == stored.hash
    head = ChainHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (stored.seq, stored.hash)
    assert verify_chain().ok


def test_one_event_is_one_query_on_postgresql(injector):
    record(action=Action.VIEW, actor=injector, object_type="t", object_id=1)  # warm
    with CaptureQueriesContext(connection) as captured:
        record(action=Action.VIEW, actor=injector, object_type="t", object_id=2)
    assert len(captured) == audit_event()
