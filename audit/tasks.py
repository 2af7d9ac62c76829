"""The audit's background work: the daily anchor of the chain (Celery beat)."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task

from .anchoring import ChainBroken, anchor_chain


# A mail server that does not answer: tried again (the anchor file is written
# first; a retry writes the head as it is then, or mails the same one again).
@shared_task(
    name="audit.anchor_chain",
    autoretry_for=(OSError, SMTPException),
    retry_backoff=60,
    max_retries=5,
)
def anchor_audit_chain() -> dict:
    """Anchor the chain's head (``audit.anchoring.anchor_chain``); safe to run twice.
    A broken chain is not anchored: the admins get the alert, the task says so."""
    try:
        done = anchor_chain()
    except ChainBroken as broken:
        return {"anchored": False, "problems": len(broken.problems)}
    return {"anchored": True, "seq": done.anchor.seq, "written": done.written}
