"""Every clinical file through an S3-compatible bucket (STORAGE_BACKEND=s3): a photo
and its thumbnail uploaded on the page, a consent signature, a report PDF rendered by
a real worker process; each downloaded through its permission-checked view, refused
to the front desk, and never readable from the bucket without a signature.

The bucket is moto's server mode (tests/storage/conftest.py), a protocol peer.
Doors of the rule "files reach a browser only through the views": the photo file
and thumbnail views, the signature view, the report download view; the bucket's
own URLs are the door that must stay shut (an unsigned GET is refused).
"""

from __future__ import annotations

import io
import time

import pytest
from django.urls import reverse
from PIL import Image

from charting.models import Consent
from charting.reports.models import ReportJob, Status
from planning.models import Photo
from tests.celery_worker import Worker
from tests.factories import (
    data_url,
    jpeg_bytes,
    make_history,
    make_visit,
    signature_png,
    treatment_visit,
    upload,
)


def _no_local_files(settings) -> None:
    """Nothing fell back to the disk: PRIVATE_ROOT and MEDIA_ROOT stay empty."""
    for root in (settings.PRIVATE_ROOT, settings.MEDIA_ROOT):
        assert not root.exists() or not any(root.rglob("*")), f"files written under {root}"


@pytest.mark.django_db
def test_settings_select_the_bucket_by_environment(s3_storages):
    from django.core.files.storage import storages
    from storages.backends.s3 import S3Storage

    private = storages["private"]
    assert isinstance(private, S3Storage)
    assert private.bucket_name == s3_storages.bucket and private.location == "private"
    assert private.default_acl is None and private.querystring_expire <= 60


@pytest.mark.django_db
def test_photo_and_thumbnail_go_to_the_bucket_and_come_back_through_the_views(
    s3_storages, settings, client, injector, front_desk, patient
):
    visit = make_visit(patient=patient, injector=injector, screened=True)
    client.force_login(injector)
    response = client.post(
        reverse("planning:photos", args=[visit.pk]), {"files": [upload(jpeg_bytes((800, 600)))]}
    )
    assert response.status_code == 302
    photo = Photo.objects.get(visit=visit)
    keys = set(s3_storages.keys("private/photos/"))
    assert {f"private/{photo.file_name}", f"private/{photo.thumbnail_name}"} <= keys
    _no_local_files(settings)

    full = client.get(reverse("planning:photo_file", args=[photo.pk]))
    thumb = client.get(reverse("planning:photo_thumbnail", args=[photo.pk]))
    assert full.status_code == thumb.status_code == 200
    assert Image.open(io.BytesIO(b"".join(full.streaming_content))).size == (800, 600)
    assert max(Image.open(io.BytesIO(b"".join(thumb.streaming_content))).size) <= 320

    client.force_login(front_desk)
    for name in ("planning:photo_file", "planning:photo_thumbnail"):
        assert client.get(reverse(name, args=[photo.pk])).status_code == 403

    for key in (photo.file_name, photo.thumbnail_name):
        assert s3_storages.anonymous_get(f"private/{key}") == 403, "the bucket served a photo"


@pytest.mark.django_db
def test_a_signature_is_served_by_its_view_only(
    s3_storages, settings, client, injector, front_desk, patient
):
    """The signature lives in PostgreSQL with the consent it seals (no file): with
    STORAGE_BACKEND=s3 it is still recorded and served by the same view."""
    visit, _plan = treatment_visit(patient=patient, injector=injector)
    client.force_login(injector)
    response = client.post(
        reverse("charting:consent", args=[visit.pk]),
        {"signed_name": "Maya Lockwood", "signature": data_url(signature_png())},
    )
    assert response.status_code == 302
    consent = Consent.objects.get(visit=visit)
    url = reverse("charting:consent_signature", args=[consent.pk])
    image = client.get(url)
    assert image.status_code == 200 and image.content == bytes(consent.signature_png)
    assert image.content.startswith(b"\x89PNG")
    _no_local_files(settings)
    client.force_login(front_desk)
    assert client.get(url).status_code == 403


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_report_rendered_by_a_worker_on_s3_is_downloaded_through_the_view(
    s3_storages, settings, worker_setup, worker_queue, client, injector, front_desk, patient
):
    """The worker process has its own PRIVATE_ROOT and the bucket's settings from its
    environment, as on another machine; the web side finds the PDF in the bucket."""
    queue = f"{worker_setup['queue']}-s3"
    worker_queue(queue)  # away from the session's filesystem worker
    # worker_queue points this process at the worker's folder: back to the bucket.
    from config.settings import s3_storage

    settings.STORAGES = {**settings.STORAGES, "private": s3_storage("private")}
    worker = Worker(
        env=worker_setup["env"],
        queue=queue,
        log_dir=worker_setup["logs"],
        extra_env={**s3_storages.env(), "PRIVATE_ROOT": str(worker_setup["logs"] / "s3-worker")},
    )
    try:
        make_history(patient=patient, injector=injector, cycles=3)
        client.force_login(injector)
        response = client.post(
            reverse("reports:patient_history", args=[patient.pk]), {"date_from": "", "date_to": ""}
        )
        assert response.status_code == 302
        job = ReportJob.objects.get(patient=patient)
        deadline = time.monotonic() + 90
        while job.status not in (Status.DONE, Status.FAILED) and time.monotonic() < deadline:
            time.sleep(0.1)
            job.refresh_from_db()
        assert job.status == Status.DONE, f"the job ended {job.status}: {job.error}"
    finally:
        worker.stop()
    assert f"private/{job.file_name}" in s3_storages.keys("private/reports/")
    assert not (worker_setup["logs"] / "s3-worker").exists(), "the worker wrote to its disk"

    download = reverse("reports:download", args=[job.pk])
    pdf = client.get(download)
    assert pdf.status_code == 200 and pdf["Cache-Control"] == "private, no-store"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")
    client.force_login(front_desk)
    assert client.get(download).status_code == 403
    assert s3_storages.anonymous_get(f"private/{job.file_name}") == 403


@pytest.mark.django_db
def test_audit_anchors_are_written_to_and_read_from_the_bucket(s3_storages, settings, injector):
    """The anchors' folder is a prefix in the bucket: none yet reads as none, one
    written by the nightly anchoring is read back and checks the chain."""
    from audit import anchors
    from audit.anchoring import anchor_chain
    from audit.chain import verify_chain
    from audit.events import record
    from audit.models import Action

    assert anchors.stored_anchors() == ([], [])
    for n in range(3):
        record(action=Action.VIEW, object_type="test.page", object_id=n, actor=injector)
    anchor_chain()
    stored, problems = anchors.stored_anchors()
    assert problems == [] and len(stored) == 1 and stored[0].signature_ok()
    assert any(k.startswith("private/audit-anchors/") for k in s3_storages.keys("private/"))
    assert verify_chain().ok
    _no_local_files(settings)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"STORAGE_BACKEND": "s3"}, "STORAGE_BACKEND=s3 needs S3_BUCKET"),
        ({"STORAGE_BACKEND": "gcs"}, "STORAGE_BACKEND is 'filesystem' (the default) or 's3'"),
    ],
)
def test_a_half_set_storage_refuses_to_start(env, message):
    """Not a silent fallback to the disk of one machine."""
    from tests.test_deploy import REAL, _start

    started = _start({**REAL, **env})
    assert started.returncode != 0 and message in started.stderr


def test_the_selected_storage_is_the_bucket_in_a_fresh_process(s3):
    code = (
        "import django; django.setup(); from django.core.files.storage import storages; "
        "print(type(storages['private']).__name__, storages['private'].bucket_name)"
    )
    from tests.test_deploy import REAL, _start

    started = _start({**REAL, **s3.env()}, code)
    assert started.stdout.split() == ["S3Storage", s3.bucket], started.stderr
