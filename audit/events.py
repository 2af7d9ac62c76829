"""Writing audit events: ``record(...)`` is the one way in.

Call it inside the transaction of the change it describes, so both commit or
neither does::

    with transaction.atomic():
        plan = save_plan(...)
        audit.record(request=request, action=Action.CHANGE, obj=plan, patient=visit.patient_id)

Each event costs three queries: lock the chain head, insert the row, move the
head. The lock serialises writers so the chain has no forks.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from .chain import GENESIS, event_hash
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
