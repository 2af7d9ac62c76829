"""Writing audit events: ``record(...)`` is the one way in.

Call it inside the transaction of the change it describes, so both commit or
neither does::

    with transaction.atomic():
        plan = save_plan(...)
        record(request=request, action=Action.CHANGE, obj=plan, patient=visit.patient_id)

On PostgreSQL an event is one call of the ``audit_append`` function (migration
0003): it locks the chain head, hashes, inserts and moves the head in the
server. Elsewhere three queries do the same (lock the head, insert the row, move
the head). Either way the lock serialises writers so the chain has no forks.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from django.db import connection, models, transaction

from .chain import GENESIS, event_hash, payload, serialise
from .context import client_ip, current_request, request_id
from .models import Action, AuditEvent, ChainHead


def record(
    *,
    action: str,
    request=None,
    obj: models.Model | None = None,
    patient: int | models.Model | None = None,
    object_type: str = "",
    object_id: Any = "",
    actor=None,
    detail: dict | None = None,
) -> AuditEvent:
    request = request if request is not None else current_request.get()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    if isinstance(patient, models.Model):
        patient = patient.pk
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    event = AuditEvent(
        action=Action(action),
        actor_id=actor.pk if actor else None,
        actor_label=(actor.email if actor else "")[:254],
        role=(actor.role_label if actor else "")[:100],
        object_type=str(object_type)[:100],
        object_id=str(object_id if object_id is not None else "")[:64],
        patient_id=int(patient) if patient is not None else None,
        ip=client_ip(request) if request is not None else None,
        request_id=request_id(request) if request is not None else "",
        path=(request.path if request is not None else "")[:300],
        detail=detail or {},
    )
    if request is not None:
        request.audit_recorded = True
    if connection.vendor == "postgresql" and _append_in_server(event):
        return event
    with transaction.atomic(savepoint=False):
        head = ChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:  # an emptied table (tests flush it); start a new chain
            head = ChainHead.objects.create(pk=1, seq=0, hash=GENESIS)
        event.seq = head.seq + 1
        event.prev_hash = head.hash
        event.hash = event_hash(event)
        event.save(force_insert=True)
        ChainHead.objects.filter(pk=1).update(seq=event.seq, hash=event.hash)
    return event


APPEND = (
    "SELECT o_id, o_seq, o_prev_hash, o_hash FROM audit_append("
    "%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::inet, %s, %s, %s::jsonb)"
)


def _append_in_server(event: AuditEvent) -> bool:
    """One round trip: the server fills in the previous hash and the sequence number.

    The payload is serialised here with two unguessable markers in their places and
    cut around them; the server joins the three parts with its values (the same JSON
    text ``chain.event_hash`` makes) and hashes that. False (nothing written) in the
    unlikely case that a marker cannot be found exactly once."""
    nonce = secrets.token_hex(12)
    prev_mark, seq_mark = f"@@prev-{nonce}@@", f"@@seq-{nonce}@@"
    event.prev_hash, event.seq = prev_mark, seq_mark
    text = serialise(payload(event))
    quoted_prev, quoted_seq = json.dumps(prev_mark), json.dumps(seq_mark)
    if text.count(quoted_prev) != 1 or text.count(quoted_seq) != 1:
        return False
    before_prev, rest = text.split(quoted_prev)
    before_seq, after_seq = rest.split(quoted_seq)
    with connection.cursor() as cursor:
        cursor.execute(
            APPEND,
            [
                before_prev, before_seq, after_seq,
                event.at, event.actor_id, event.actor_label, event.role, str(event.action),
                event.object_type, event.object_id, event.patient_id, event.ip,
                event.request_id, event.path, json.dumps(event.detail),
            ],
        )  # fmt: skip
        event.pk, event.seq, event.prev_hash, event.hash = cursor.fetchone()
    event._state.adding, event._state.db = False, connection.alias
    return True
