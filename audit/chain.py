"""The hash chain: how a row's hash is made, and how the chain is checked."""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass

GENESIS = "0" * 64


def event_hash(event) -> str:
    return hashlib.sha256(serialise(payload(event)).encode()).hexdigest()


def serialise(payload: dict) -> str:
    """The exact text a hash is taken over (the PostgreSQL append function relies on it)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def payload(event) -> dict:
    return {
        "seq": event.seq,
        "at": event.at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "role": event.role,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "patient": event.patient_id,
        "ip": event.ip,
        "request_id": event.request_id,
        "path": event.path,
        "detail": event.detail,
        "prev_hash": event.prev_hash,
    }


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head_seq: int
    head_hash: str
    problems: list[str]
    anchors_checked: int = 0
    newest_anchor_at: str = ""  # when the newest anchor with a good signature was made

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(
    *,
    limit_problems: int = 20,
    since_seq: int = 1,
    anchors: list | None = None,
    extra_anchors: list | None = None,
) -> ChainReport:
    """Recompute every hash in order (from event ``since_seq``, trusting the hash of
    the one before it); report gaps, broken links and changed rows; then check the
    chain against its anchors (``audit.anchors``): the stored ones unless
    ``anchors`` is given, plus ``extra_anchors`` (e.g. from a saved e-mail)."""
    from . import anchors as anchoring
    from .models import AuditEvent, ChainHead

    problems: list[str] = []
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    events = AuditEvent.objects.order_by("seq")
    if since_seq > 1:
        before = events.filter(seq__lt=since_seq).order_by("-seq").first()
        if before is not None:
            expected_prev, expected_seq = before.hash, before.seq + 1
        events = events.filter(seq__gte=expected_seq)
    for event in events.iterator(chunk_size=2000):
        checked += 1
        if event.seq != expected_seq:
            problems.append(f"events {expected_seq}..{event.seq - 1} are missing")
        if event.prev_hash != expected_prev:
            problems.append(f"event {event.seq} does not link to the event before it")
        if event_hash(event) != event.hash:
            problems.append(f"event {event.seq} was changed after it was written")
        expected_prev, expected_seq = event.hash, event.seq + 1
        if len(problems) >= limit_problems:
            break
    head = ChainHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    last_seq = expected_seq - 1
    if not problems and (head_seq, head_hash) != (last_seq, expected_prev):
        problems.append(
            f"the chain head says event {head_seq} is the last, the table ends at {last_seq}"
        )
    if anchors is None:
        anchors, unreadable = anchoring.stored_anchors()
        problems += unreadable
    anchors = [*anchors, *(extra_anchors or [])]
    problems += anchoring.check(anchors)
    trusted_times = [a.anchored_at for a in anchors if a.signature_ok()]
    return ChainReport(
        checked=checked,
        head_seq=head_seq,
        head_hash=head_hash,
        problems=problems,
        anchors_checked=len(anchors),
        newest_anchor_at=max(trusted_times, default=""),
    )
