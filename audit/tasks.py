"""The audit's background work: the daily anchor of the chain (Celery beat)."""

from __future__ import annotations

from celery import shared_task

from .anchoring import ChainBroken, anchor_chain


@shared_task(name="audit.anchor_chain")
def anchor_audit_chain() -> dict:
    """Anchor the chain's head (``audit.anchoring.anchor_chain``); safe to run twice.
    A broken chain is not anchored: the admins get the alert, the task says so."""
    try:
        done = anchor_chain()
    except ChainBroken as broken:
        return {"anchored": False, "problems": len(broken.problems)}
    return {"anchored": True, "seq": done.anchor.seq, "written": done.written}
