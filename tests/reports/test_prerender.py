"""Kept parts laid out ahead of the click (charting.prerender, issue 22): what
changes a signed cycle's pages queues, on commit, a low-priority task that lays out
the patient's parts of the history, the record and the patient's copy.

The doors (every caller of ``charting.prerender``), listed here so a new one is
seen: a treatment signed, a review signed (with its touch-up), an addendum added,
a consent withdrawn, the seals renewed, the demo data seeded. The Django admin
signs nothing (charting.admin: read-only), and no task signs.
"""

from __future__ import annotations

import ast
import io
import time
from functools import partial
from pathlib import Path

import pytest
from django.core.management import call_command

from charting import prerender
from charting.consent import withdraw_consent
from charting.models import Consent
from charting.reports import history_pages, requests
from charting.reports.models import HistoryPart, Status
from charting.reviews.review import sign_review
from charting.signing import add_addendum
from tests.factories import PatientFactory, signed_treatment
from tests.factories.clinic import PASSWORD
from tests.factories.reviews import graded_review
from tests.reports.test_kept_pages import tamper
from tests.reports.test_worker import watch

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = {"history", "record", "record-plain"}

# (module, function) -> the charting.prerender function it calls
DOORS = {
    ("charting/signing.py", "sign_treatment"): "treatment_signed",
    ("charting/signing.py", "add_addendum"): "addendum_added",
    ("charting/reviews/review.py", "sign_review"): "review_signed",
    ("charting/consent.py", "withdraw_consent"): "consent_withdrawn",
    ("charting/management/commands/reseal_signatures.py", "handle"): "seals_renewed",
    ("config/management/commands/seed_demo.py", "handle"): "demo_seeded",
}


def callers_of_prerender() -> dict:
    """Every ``prerender.<name>(...)`` call in the shipped code, by its function."""
    found = {}
    for folder in ("charting", "config", "planning", "clinic"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text())
            for function in ast.walk(tree):
                if not isinstance(function, ast.FunctionDef):
                    continue
                for node in ast.walk(function):
                    if (
                        isinstance(node, ast.Call)
                        and isinstance(node.func, ast.Attribute)
                        and isinstance(node.func.value, ast.Attribute | ast.Name)
                        and (getattr(node.func.value, "id", None) or node.func.value.attr)
                        == "prerender"
                    ):
                        found[(str(path.relative_to(ROOT)), function.name)] = node.func.attr
    return found


def queued(callbacks) -> list[int]:
    return [
        c.keywords["patient_id"]
        for c in callbacks
        if isinstance(c, partial) and c.func is prerender.send
    ]


@pytest.mark.django_db
def test_every_door_that_changes_a_part_queues_its_patient_on_commit(
    patient, injector, settings, django_capture_on_commit_callbacks
):
    assert callers_of_prerender() == DOORS
    assert set(prerender.DOCUMENTS) == set(history_pages.DOCUMENTS) == DOCUMENTS
    settings.HISTORY_PRERENDER = True
    with django_capture_on_commit_callbacks() as signing:
        treatment = signed_treatment(patient=patient, injector=injector)
    with django_capture_on_commit_callbacks() as addendum:
        add_addendum(treatment=treatment, reason="Late note", text="Bruise", by=injector)
    with django_capture_on_commit_callbacks() as withdrawal:
        consent = Consent.objects.get(visit=treatment.visit)
        withdraw_consent(consent=consent, reason="Changed her mind", by=injector)
    review = graded_review(treatment=treatment, injector=injector)
    with django_capture_on_commit_callbacks() as review_signing:
        sign_review(review=review, by=injector, password=PASSWORD)
    for callbacks in (signing, addendum, withdrawal, review_signing):
        assert queued(callbacks) == [patient.pk]
    # Eager (no worker, this suite): the callback sends nothing; the click lays out.
    assert prerender.send(patient_id=patient.pk) is False


@pytest.mark.django_db
def test_a_cycle_whose_seal_fails_is_never_laid_out_ahead(patient, injector, settings):
    """Guard (tampering): the pre-render reads the rows and checks every seal as a
    read does; a cycle that does not match its signature is never kept. Seen to fail
    with the seal's condition removed from ``history_pages.keepable``."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    sound, tampered = (signed_treatment(patient=patient, injector=injector) for _ in range(2))
    injection = tampered.injections.first()
    tamper("UPDATE charting_injection SET units = 40 WHERE id = %s", [injection.pk])
    assert history_pages.patients_without_parts(limit=10) == [patient.pk]
    out = io.StringIO()
    call_command("prerender_history_parts", "--limit", "10", stdout=out)  # the nightly run
    assert out.getvalue().strip() == "3 kept part(s) laid out for 1 patient(s)."
    kept = HistoryPart.objects.all()
    assert {p.treatment_id for p in kept} == {sound.pk}
    assert {p.document for p in kept} == DOCUMENTS
    # Safe twice: nothing more is laid out.
    assert history_pages.prerender(patient_id=patient.pk) == 0
    assert HistoryPart.objects.count() == 3
    # A part swept since is laid out again (the first pre-render let its claims go).
    HistoryPart.objects.filter(document="history").delete()
    assert history_pages.prerender(patient_id=patient.pk, documents=(history_pages.HISTORY,)) == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_signing_leaves_its_parts_kept_and_the_click_lays_out_nothing(
    real_worker, injector, settings
):
    settings.HISTORY_PRERENDER = True
    patient = PatientFactory()
    treatment = signed_treatment(patient=patient, injector=injector)  # on commit: queued
    deadline = time.monotonic() + 120
    while HistoryPart.objects.filter(treatment=treatment).count() < 3:
        assert time.monotonic() < deadline, "the worker did not lay the parts out"
        time.sleep(0.1)
    before = {p.pk: (p.key, p.renders, p.rendered_by) for p in HistoryPart.objects.all()}
    assert {p.document for p in HistoryPart.objects.all()} == DOCUMENTS
    assert history_pages.patients_without_parts(limit=10) == []

    job = requests.request_history(patient=patient, by=injector)
    assert watch(job)[-1] == Status.DONE
    parts = HistoryPart.objects.filter(treatment__isnull=False)
    after = {p.pk: (p.key, p.renders, p.rendered_by) for p in parts}
    assert after == before  # no part laid out again (the front matter is: not pre-rendered)
    assert HistoryPart.objects.get(document="history").uses == 1  # read from storage
