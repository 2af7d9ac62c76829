"""What to lay out ahead after X (issue 22, "history PDF in 3 seconds"): the one
place that says which patient's kept parts (``charting.reports.history_pages``) a
change makes worth laying out before anyone asks for a PDF.

A first render of a long history or record is 30–60 s; from kept parts it is 3–4 s.
So when something that changes what a signed cycle's part prints is committed, a
low-priority task lays out the patient's missing parts of every document (history,
record, patient's copy) in the worker, and a later click finds them kept. The doors
(each calls one function below, explicitly; ``tests/reports/test_prerender.py``
lists them):

- a treatment signed (``signing.sign_treatment``): its cycle's part is new;
- a review signed, with its touch-up (``reviews.review.sign_review``): printed in
  the treatment's part;
- an addendum added (``signing.add_addendum``): a new key for that treatment;
- a consent withdrawn (``consent.withdraw_consent``): the record prints it;
- the seals renewed (``manage.py reseal_signatures``): every part prints its key;
- the demo data seeded (``manage.py seed_demo``).

The task is queued on commit (a rolled-back signing queues nothing), takes the
patient's id only, and is safe twice (``history_pages.prerender``: parts already
kept are skipped, each part is claimed in the cache before it is laid out). It does
nothing in eager mode (no worker: the click lays the parts out, as before) or with
``HISTORY_PRERENDER`` off. What was never rendered (an upgrade, parts swept after 90
days unread) is laid out by ``manage.py prerender_history_parts`` (nightly).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial

from celery import current_app
from django.conf import settings
from django.db import transaction

from .models import Treatment

log = logging.getLogger(__name__)

TASK = "reports.tasks.prerender_history_parts"
# Redis serves priority 0 first and 9 last (kombu's steps 0, 3, 6, 9): a report
# someone waits for goes before a layout nobody asked for yet.
PRIORITY = 9


# history_pages.DOCUMENTS' names: one task each, so a long first layout (a record of
# 40 cycles: ~35 s of CPU) stays well under the task time limit, and two worker
# processes share a patient's three documents.
DOCUMENTS = ("history", "record", "record-plain")


def send(*, patient_id: int) -> bool:
    """Send the tasks now (the on-commit callback). A broker that does not answer
    fails nothing: the click, or the nightly command, lays the parts out."""
    if current_app.conf.task_always_eager:
        return False
    try:
        for document in DOCUMENTS:
            current_app.send_task(
                TASK,
                kwargs={"patient_id": patient_id, "document": document},
                priority=PRIORITY,
                retry=False,
            )
    except Exception:  # noqa: BLE001 - any broker fault
        log.warning("pre-render of kept parts: the broker did not take the task")
        return False
    return True


def _queue(patient_ids: Iterable[int]) -> None:
    if not settings.HISTORY_PRERENDER:
        return
    for patient_id in sorted(set(patient_ids)):
        transaction.on_commit(partial(send, patient_id=patient_id))


def treatment_signed(*, treatment) -> None:
    _queue([treatment.visit.patient_id])


def review_signed(*, review) -> None:
    _queue([review.visit.patient_id])


def addendum_added(*, addendum) -> None:
    _queue([addendum.treatment.visit.patient_id])


def consent_withdrawn(*, consent) -> None:
    _queue([consent.visit.patient_id])


def seals_renewed(*, treatment_ids: Iterable[int]) -> None:
    """Each part prints its seal's key: every patient re-sealed has new keys."""
    ids = list(treatment_ids)
    if ids:
        _queue(Treatment.objects.filter(pk__in=ids).values_list("visit__patient_id", flat=True))


def demo_seeded() -> None:
    """Every patient with a signed treatment, as the demo made them."""
    _queue(Treatment.objects.signed().values_list("visit__patient_id", flat=True))
