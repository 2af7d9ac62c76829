"""Anchors of the audit chain: the head (seq and hash) signed outside the database.

The hash chain proves that nothing changed *before* a hash you still trust. A
superuser who rewrites the tail and recomputes every later hash, or cuts the last
events and moves the head back, leaves a chain that checks out on its own. An
anchor is what we still trust: the head at a moment, with an HMAC made with a key
the database never holds (``AUDIT_ANCHOR_KEY``), written as a new file to the
private storage and mailed to the clinic admins (``audit.anchoring``). Checking
the chain against every anchor finds a changed or cut tail up to the newest one.

This module reads and checks anchors; it knows nothing of how the chain hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import storages

KIND = "clinic-audit-anchor"
DIRECTORY = "audit-anchors"
SIGNED_FIELDS = ("kind", "seq", "hash", "event_at", "anchored_at", "key_id")


def _derived_key() -> bytes:
    # Development default (documented): a key derived from SECRET_KEY, so a fresh
    # clone anchors without set-up. Production sets AUDIT_ANCHOR_KEY of its own.
    return hmac.new(settings.SECRET_KEY.encode(), b"clinic audit anchor key", "sha256").digest()


def signing_key() -> bytes:
    configured = getattr(settings, "AUDIT_ANCHOR_KEY", "")
    return configured.encode() if configured else _derived_key()


def verifying_keys() -> dict[str, bytes]:
    """Key id → key: the current key and the retired ones (``AUDIT_ANCHOR_OLD_KEYS``)."""
    keys = [signing_key(), *(k.encode() for k in getattr(settings, "AUDIT_ANCHOR_OLD_KEYS", []))]
    return {key_id(k): k for k in keys}


def key_id(key: bytes) -> str:
    """A short name of a key that reveals nothing of it (which key signed an anchor)."""
    return hashlib.sha256(b"audit-anchor-key-id:" + key).hexdigest()[:12]


def _signed_text(fields: dict) -> bytes:
    return json.dumps(
        {name: fields[name] for name in SIGNED_FIELDS}, sort_keys=True, separators=(",", ":")
    ).encode()


def mac_of(fields: dict, key: bytes) -> str:
    return hmac.new(key, _signed_text(fields), "sha256").hexdigest()


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    event_at: str
    anchored_at: str
    key_id: str
    mac: str
    source: str = ""

    def fields(self) -> dict:
        return {
            "kind": KIND,
            "seq": self.seq,
            "hash": self.hash,
            "event_at": self.event_at,
            "anchored_at": self.anchored_at,
            "key_id": self.key_id,
        }

    def text(self) -> str:
        """One line of JSON: the file's content and the line in the admins' e-mail."""
        return json.dumps({**self.fields(), "mac": self.mac}, sort_keys=True)

    def signature_ok(self) -> bool:
        key = verifying_keys().get(self.key_id)
        return key is not None and hmac.compare_digest(mac_of(self.fields(), key), self.mac)


def signed(*, seq: int, hash: str, event_at: str, anchored_at: str) -> Anchor:
    key = signing_key()
    fields = {
        "kind": KIND,
        "seq": seq,
        "hash": hash,
        "event_at": event_at,
        "anchored_at": anchored_at,
        "key_id": key_id(key),
    }
    return Anchor(
        seq=seq,
        hash=hash,
        event_at=event_at,
        anchored_at=anchored_at,
        key_id=fields["key_id"],
        mac=mac_of(fields, key),
    )


def parse(text: str, *, source: str) -> tuple[list[Anchor], list[str]]:
    """The anchors in a text (a file, or a saved e-mail): every line that is one.
    Returns the anchors and a problem for each line that claims to be one but is
    not well formed."""
    found: list[Anchor] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if KIND not in line:
            continue
        where = f"{source}, line {number}" if number > 1 else source
        try:
            data = json.loads(line)
            found.append(
                Anchor(
                    seq=int(data["seq"]),
                    hash=str(data["hash"]),
                    event_at=str(data["event_at"]),
                    anchored_at=str(data["anchored_at"]),
                    key_id=str(data["key_id"]),
                    mac=str(data["mac"]),
                    source=where,
                )
            )
        except (ValueError, KeyError, TypeError):
            problems.append(f"anchor {where} is not a well-formed anchor")
    return found, problems


def storage():
    return storages["private"]


def stored_anchors() -> tuple[list[Anchor], list[str]]:
    """Every anchor written to the private storage, oldest event first."""
    store = storage()
    try:
        _, names = store.listdir(DIRECTORY)
    except FileNotFoundError:
        return [], []
    anchors: list[Anchor] = []
    problems: list[str] = []
    for name in sorted(names):
        with store.open(f"{DIRECTORY}/{name}") as handle:
            content = handle.read()
        text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
        found, bad = parse(text, source=f"{DIRECTORY}/{name}")
        anchors += found
        problems += bad
    return sorted(anchors, key=lambda a: (a.seq, a.anchored_at)), problems


def check(anchors: list[Anchor]) -> list[str]:
    """What the chain in the table says against each anchor: one problem per anchor
    whose signature fails, whose event is gone, or whose hash the chain no longer has."""
    from .models import AuditEvent

    problems: list[str] = []
    trusted = []
    for anchor in anchors:
        if anchor.signature_ok():
            trusted.append(anchor)
        else:
            problems.append(
                f"anchor {anchor.source or anchor.anchored_at} is not signed by a configured "
                f"anchor key (key id {anchor.key_id}): it was altered, forged, or its key "
                "is missing from AUDIT_ANCHOR_OLD_KEYS"
            )
    wanted = {a.seq for a in trusted if a.seq > 0}
    hashes = dict(AuditEvent.objects.filter(seq__in=wanted).values_list("seq", "hash"))
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    for anchor in trusted:
        said = f"anchor of {anchor.anchored_at} at event {anchor.seq} says hash {anchor.hash}"
        if anchor.seq == 0:
            continue
        if anchor.seq not in hashes:
            if anchor.seq > last:
                problems.append(f"{said}; the chain ends at {last} < {anchor.seq} (a cut tail)")
            else:
                problems.append(f"{said}; the chain has no event {anchor.seq}")
        elif hashes[anchor.seq] != anchor.hash:
            problems.append(
                f"{said}; the chain has {hashes[anchor.seq]} (rewritten at or before it)"
            )
    return problems


def newest_trusted(anchors: list[Anchor]) -> Anchor | None:
    good = [a for a in anchors if a.signature_ok()]
    return max(good, key=lambda a: (a.seq, a.anchored_at)) if good else None
