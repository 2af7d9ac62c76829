"""Bench audit log: the record views of every visit, hash-chained in time order.

For each visit, the events its pages would have written through
``audit.middleware``: the patient's page, then the visit's own page (the
movement map at a consultation, the plan and the chart at a treatment, the
review at a review visit), with the injector as the actor. The events are made
at the end, day by day over all visits, so ``seq`` follows time like a real
log; each hash is ``audit.chain.event_hash`` (the project's own), linked to the
event before it, and the chain head is moved to the last one, so
``manage.py verify_audit_chain`` passes.
"""

from __future__ import annotations

import datetime
import random

from django.db import connection
from django.urls import resolve, reverse

from audit.chain import event_hash
from audit.models import Action, AuditEvent, ChainHead
from audit.subjects import object_kwarg
from planning.choices import VisitKind

from . import rows

FETCH = 20000
PLACEHOLDER = 987654321
FIELDS = [
    "seq", "at", "actor", "actor_label", "role", "action", "object_type", "object_id",
    "patient", "ip", "request_id", "path", "detail", "prev_hash", "hash",
]  # fmt: skip
VISITS = """
    SELECT v.id, v.date, v.kind, v.patient_id, v.injector_id, plan.id, review.id
    FROM planning_visit AS v
    LEFT JOIN planning_treatmentplan AS plan ON plan.visit_id = v.id
    LEFT JOIN reviews_review AS review ON review.visit_id = v.id
    WHERE v.injector_id IN ({})
    ORDER BY v.date, v.id
"""


class Event:
    """What ``audit.chain.event_hash`` reads, without a model instance per row."""

    __slots__ = ("seq", "at", "actor_id", "actor_label", "role", "action", "object_type",
                 "object_id", "patient_id", "ip", "request_id", "path", "detail",
                 "prev_hash", "hash")  # fmt: skip

    def row(self) -> tuple:
        return (
            self.seq, self.at, self.actor_id, self.actor_label, self.role, self.action,
            self.object_type, self.object_id, self.patient_id, self.ip, self.request_id,
            self.path, rows.json(self.detail), self.prev_hash, self.hash,
        )  # fmt: skip


class Page:
    """An audited page: its path for an id, and what the middleware records for it."""

    def __init__(self, url_name: str):
        path = reverse(url_name, args=[PLACEHOLDER])
        match = resolve(path)
        kind = object_kwarg(match.kwargs)
        self.path = path.replace(str(PLACEHOLDER), "{}")
        self.object_type = kind.object_type
        self.detail = {"page": match.view_name, "status": 200}


def make_events(*, staff: dict, ctx, rng: random.Random, counts) -> None:
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        head = ChainHead.objects.create(pk=1)
    trail = _Trail(staff=staff, ctx=ctx, rng=rng, head=head)
    written = 0
    sql = VISITS.format(", ".join(str(pk) for pk in trail.injectors))  # our own integer ids
    if rows.postgres():
        rows.execute("SET LOCAL work_mem = '256MB'")  # sort the visits in memory
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql)
        day, day_events = None, []
        while True:
            batch = cursor.fetchmany(FETCH) if rows.postgres() else cursor.fetchall()
            done_days: list[Event] = []
            for visit in batch:
                if visit[1] != day:
                    done_days.extend(trail.chained(day_events))
                    day, day_events = visit[1], []
                day_events.extend(trail.events_of(visit))
            if not batch:
                done_days.extend(trail.chained(day_events))
            written += rows.copy_rows(AuditEvent, FIELDS, done_days)
            if not batch or not rows.postgres():
                if batch:
                    written += rows.copy_rows(AuditEvent, FIELDS, trail.chained(day_events))
                break
    ChainHead.objects.filter(pk=1).update(seq=trail.seq, hash=trail.hash)
    counts.add("audit events", written)


class _Trail:
    """The record views of the visits, chained in time order from the chain's head."""

    def __init__(self, *, staff: dict, ctx, rng: random.Random, head: ChainHead):
        self.ctx, self.rng = ctx, rng
        self.pages = {
            "patient": Page("patient_detail"),
            "map": Page("planning:movement_map"),
            "plan": Page("planning:plan"),
            "chart": Page("charting:chart"),
            "review": Page("reviews:review"),
        }
        self.injectors = {
            u.pk: (u.email, u.role_label, f"10.20.{u.default_location_id % 250}.{n + 10}")
            for n, u in enumerate(staff["injectors"])
        }
        self.seq, self.hash = head.seq, head.hash

    def events_of(self, visit) -> list[Event]:
        visit_id, day, kind, patient_id, injector_id, plan_id, review_id = visit
        email, role, ip = self.injectors[injector_id]
        rng = self.rng
        start = self.ctx.at(day, 9) + datetime.timedelta(seconds=rng.randrange(8 * 3600))
        shown = [("patient", patient_id)]
        if kind == VisitKind.CONSULTATION:
            shown.append(("map", visit_id))
        elif kind == VisitKind.TREATMENT:
            shown += [("plan", plan_id), ("chart", visit_id)]
        elif review_id is not None:
            shown.append(("review", review_id))
        events = []
        for n, (what, object_id) in enumerate(shown):
            page, event = self.pages[what], Event()
            event.at = start + datetime.timedelta(seconds=90 * n + rng.randrange(60))
            event.actor_id, event.actor_label, event.role, event.ip = injector_id, email, role, ip
            event.action, event.object_type = Action.VIEW.value, page.object_type
            event.object_id, event.patient_id = str(object_id), patient_id
            event.request_id = f"{rng.getrandbits(128):032x}"
            event.path, event.detail = page.path.format(object_id), page.detail
            events.append(event)
        return events

    def chained(self, day_events: list[Event]):
        day_events.sort(key=lambda e: e.at)
        for event in day_events:
            event.seq, event.prev_hash = self.seq + 1, self.hash
            event.hash = event_hash(event)
            self.seq, self.hash = event.seq, event.hash
            yield event.row()
