"""Anchoring the audit chain: the one way an anchor is made (the daily Celery beat
task ``audit.anchor_chain`` and ``manage.py anchor_audit_chain`` both call
``anchor_chain``).

Before it signs the head it checks the chain since the newest anchor (and the
chain against every anchor), so an anchor never vouches for a chain already
broken; a broken chain is mailed to the clinic admins as an alert instead. The
anchor goes to two places the database role cannot rewrite: a new file in the
private storage (``audit-anchors/``; files are only ever added) and an e-mail to
every active clinic admin (plus ``AUDIT_ANCHOR_EMAILS``). No patient data is in
either: a sequence number, a hash and two times.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import timezone

from clinic.models import User
from clinic.roles import Role

from . import anchors
from .chain import GENESIS, verify_chain
from .models import AuditEvent, ChainHead

log = logging.getLogger(__name__)


class ChainBroken(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Anchored:
    anchor: anchors.Anchor
    written: bool  # False: the head had not moved since the newest anchor
    mailed_to: int


def recipients() -> list[str]:
    admins = (
        User.objects.filter(is_active=True)
        .filter(Q(groups__name=Role.ADMIN) | Q(is_superuser=True))
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    return sorted({*admins, *getattr(settings, "AUDIT_ANCHOR_EMAILS", [])})


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat(timespec="seconds")


def anchor_chain(*, now: datetime.datetime | None = None) -> Anchored:
    """Check the chain since the newest anchor, then sign its head, store and mail it.
    Safe to run twice: an unmoved head is mailed again, not stored again."""
    now = now or timezone.now()
    stored, unreadable = anchors.stored_anchors()
    newest = anchors.newest_trusted(stored)
    report = verify_chain(since_seq=newest.seq if newest else 1, anchors=stored)
    problems = unreadable + report.problems
    if problems:
        _mail_alert(problems)
        raise ChainBroken(problems)
    head = ChainHead.objects.filter(pk=1).first()
    seq, hash_ = (head.seq, head.hash) if head else (0, GENESIS)
    if newest is not None and (newest.seq, newest.hash) == (seq, hash_):
        anchor, written = newest, False
    else:
        event = AuditEvent.objects.filter(seq=seq).only("at").first()
        anchor = anchors.signed(
            seq=seq,
            hash=hash_,
            event_at=_utc(event.at) if event else "",
            anchored_at=_utc(now),
        )
        _store(anchor, now=now)
        written = True
    mailed_to = _mail_anchor(anchor)
    return Anchored(anchor=anchor, written=written, mailed_to=mailed_to)


def _store(anchor: anchors.Anchor, *, now: datetime.datetime) -> str:
    # A new name each time (the storage never overwrites: it picks another name).
    name = f"{anchors.DIRECTORY}/anchor-{now:%Y%m%dT%H%M%SZ}-event-{anchor.seq}.json"
    return anchors.storage().save(name, ContentFile((anchor.text() + "\n").encode()))


def _mail_anchor(anchor: anchors.Anchor) -> int:
    to = recipients()
    if not to:
        log.warning("audit anchor at event %s stored; no clinic admin to mail it to", anchor.seq)
        return 0
    body = (
        f"The audit log of {settings.CLINIC_NAME} was anchored: its event {anchor.seq} "
        f"(written {anchor.event_at or 'never: the log is empty'}) has hash\n"
        f"{anchor.hash}\n\n"
        "Keep this e-mail. It is signed with the clinic's anchor key, which the database "
        "does not hold. To check the audit log against it, save this e-mail as a file "
        "and run\n\n"
        "    python manage.py verify_audit_chain --anchors saved-email.txt\n\n"
        "Anything changed or removed up to this event since now will be reported.\n\n"
        f"{anchor.text()}\n"
    )
    send_mail(
        f"[{settings.CLINIC_NAME}] Audit log anchor: event {anchor.seq}",
        body,
        settings.DEFAULT_FROM_EMAIL,
        to,
    )
    return len(to)


def _mail_alert(problems: list[str]) -> None:
    to = recipients()
    log.error("audit chain check failed: %d problems (not anchored)", len(problems))
    if not to:
        return
    send_mail(
        f"[{settings.CLINIC_NAME}] The audit log does not check out",
        "The daily anchoring of the audit log found this, and did not anchor it:\n\n"
        + "\n".join(f"- {p}" for p in problems)
        + "\n\nRun `python manage.py verify_audit_chain` for the full report.\n",
        settings.DEFAULT_FROM_EMAIL,
        to,
    )
