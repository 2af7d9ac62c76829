"""The FHIR R4 export (charting.reports.fhir): a patient's record and the clinic's
month as one Bundle, read back with fhir.resources' R4B models.

Doors of the export, each tested here: the patient's FHIR page (clinic admin, the
treating injector), the clinic-wide form on the reports page (clinic admin), the
Celery task (eager here; a real worker in test_worker.py) and the download, which
``reports.access.get_job_for`` guards like the pages.
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db.models import Max, Min
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from audit.models import Action, AuditEvent
from charting.models import Injection
from charting.reports import requests
from charting.reports.fhir import codes
from charting.reports.fhir.bundle import bundle_of
from charting.reports.fhir.record import load
from charting.reports.models import Kind, ReportJob, Status
from charting.reports.storage import private_storage
from charting.signing import add_addendum
from clinic.models import Patient
from clinic.roles import Role
from planning.choices import VisitStatus
from planning.dosing import volume_ml
from planning.models import Expression, MeasurementStatus, PhotoMeasurement, Visit
from planning.outside_doses import record_outside_dose
from tests import hostile
from tests.factories import (
    PatientFactory,
    UserFactory,
    botox,
    make_photo,
    make_report_job,
    make_vial,
    make_visit,
    signed_treatment,
    today,
    touched_up_review,
)
from tests.reports.pdfs import stored_report

pytestmark = pytest.mark.django_db

# What FHIR R4 requires of each resource we send (min cardinality 1), besides what
# the R4B models check themselves; a choice type is named by its prefix.
REQUIRED = {
    "Encounter": ["status", "class"],
    "Observation": ["status", "code"],
    "Procedure": ["status", "subject"],
    "MedicationAdministration": ["status", "medication", "subject", "effective"],
    "MedicationStatement": ["status", "medication", "subject"],
    "Medication": [],
    "Consent": ["status", "scope", "category"],
    "Provenance": ["target", "recorded", "agent"],
    "DocumentReference": ["status", "content"],
    "Patient": [],
    "Practitioner": [],
    "Location": [],
    "CodeSystem": ["status", "content"],
}


def three_cycles(patient, injector):
    """Three signed treatments, each reviewed at two weeks with a 2 U touch-up on the
    left corrugator; an addendum, a patient-reported dose and a stored history PDF."""
    touch_up_vial = make_vial(by=injector)
    grades = {"CORR:L": "1", "CORR:R": "0", "PROC:C": "0"}
    treatments = []
    for _ in range(3):
        treatment = signed_treatment(patient=patient, injector=injector)
        touched_up_review(treatment=treatment, injector=injector, vial=touch_up_vial, grades=grades)
        treatments.append(treatment)
    add_addendum(treatment=treatments[0], reason="Late note", text="Ice given.", by=injector)
    record_outside_dose(
        patient=patient,
        given_on=today() - datetime.timedelta(days=200),
        month_only=True,
        product=botox(),
        units="20",
        where="Another clinic, glabella",
        by=injector,
        today=today(),
    )
    make_report_job(
        by=injector,
        patient=patient,
        status=Status.DONE,
        file_name="reports/history.pdf",
        file_size=2048,
        pages=3,
        finished_at=timezone.now(),
    )
    return treatments


def exported(client, patient, **dates) -> dict:
    """Ask for the patient's FHIR export on its page (the task runs eagerly) and
    download the file, as a person at the screen would."""
    with committed():
        response = client.post(reverse("reports:patient_fhir", args=[patient.pk]), dates)
    assert response.status_code == 302, response.content.decode()[:500]
    job = ReportJob.objects.get(kind=Kind.FHIR, patient=patient)
    assert job.status == Status.DONE, job.error
    download = client.get(reverse("reports:download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/fhir+json"
    return json.loads(b"".join(download.streaming_content))


def committed():
    """The request's transaction as committed: its on-commit task runs (eagerly)."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_a_three_cycle_record_parses_as_r4_with_every_required_field(
    admin_client, patient, injector
):
    three_cycles(patient, injector)
    bundle = exported(admin_client, patient)
    Bundle.model_validate(bundle)  # the Bundle and every resource in it, as R4B
    assert bundle["type"] == "collection"
    kinds = defaultdict(int)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        kind = resource["resourceType"]
        kinds[kind] += 1
        get_fhir_model_class(kind).model_validate(resource)
        for name in REQUIRED[kind]:
            assert any(key.startswith(name) for key in resource), f"{kind} lacks {name}"
        assert entry["fullUrl"] == f"{codes.base_url()}/fhir/{kind}/{resource['id']}"
    # 3 treatment visits and 3 review visits; a Procedure per treatment and touch-up
    assert kinds["Patient"] == 1 and kinds["Encounter"] == 6 and kinds["Procedure"] == 6
    assert kinds["Consent"] == 3 and kinds["DocumentReference"] == 1
    assert kinds["MedicationStatement"] == 1 and kinds["CodeSystem"] == 1
    # a signature per treatment, touch-up, review and consent
    assert kinds["Provenance"] == 3 + 3 + 3 + 3
    assert (
        kinds["MedicationAdministration"]
        == Injection.objects.filter(treatment__visit__patient=patient).count()
    )


def test_the_injected_units_round_trip_per_muscle_and_side(admin_client, patient, injector):
    three_cycles(patient, injector)
    bundle = exported(admin_client, patient)
    exported_units: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for given in resources(bundle, "MedicationAdministration"):
        site = given["dosage"]["site"]
        muscle = site["coding"][0]["code"]
        exported_units[muscle, codes.side_of(site)] += Decimal(
            str(given["dosage"]["dose"]["value"])
        )
        assert given["dosage"]["dose"]["unit"] == "U"
    charted: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for i in Injection.objects.filter(treatment__visit__patient=patient).select_related("muscle"):
        charted[i.muscle.code, i.side] += i.units
    assert dict(exported_units) == dict(charted)
    assert charted["CORR", "L"] > charted["CORR", "R"]  # the touch-ups went left


def test_lots_signatures_and_codes_are_as_charted_and_cited(admin_client, patient, injector):
    treatments = three_cycles(patient, injector)
    bundle = exported(admin_client, patient)
    lots = {m["id"]: m for m in resources(bundle, "Medication")}
    for given in resources(bundle, "MedicationAdministration"):
        lot = lots[given["medicationReference"]["reference"].split("/")[1]]
        injection = Injection.objects.select_related("vial__lot").get(pk=given["id"])
        assert lot["batch"] == {
            "lotNumber": injection.vial.lot.number,
            "expirationDate": injection.vial.lot.expiry_date.isoformat(),
        }
        vial = injection.vial
        volume = volume_ml(injection.units, vial.vial_units, vial.diluent_ml)
        given_text = f"{injection.units.normalize():f} U in {volume} mL"
        assert given["dosage"]["text"].startswith(given_text)
        # no RxNorm code is cited: the product is text only, never an invented code
        assert lot["code"] == {"text": "BOTOX Cosmetic (onabotulinumtoxinA)"}
        laterality = given["dosage"]["site"]["extension"][0]["valueCodeableConcept"]["coding"][0]
        assert laterality["system"] == codes.SNOMED
        assert laterality["code"] in {"24028007", "7771000", "399488007"}
    seals = {p["id"]: p for p in resources(bundle, "Provenance")}
    first = seals[f"treatment-{treatments[0].pk}"]
    seal = {
        e["url"]: next(v for k, v in e.items() if k.startswith("value"))
        for e in first["extension"][0]["extension"]
    }
    assert seal["hash"] == treatments[0].content_hash and seal["state"] == "verified"
    procedure = next(p for p in resources(bundle, "Procedure") if p["id"] == str(treatments[0].pk))
    assert "Addendum (Late note): Ice given." in [n["text"] for n in procedure["note"]]
    grades = resources(bundle, "Observation")
    assert {g["valueCodeableConcept"]["coding"][0]["system"] for g in grades} == {
        codes.grade_system()
    }


def test_a_patient_with_no_visits_exports_a_bundle_of_the_patient_alone(admin_client):
    newcomer = PatientFactory()
    bundle = exported(admin_client, newcomer)
    Bundle.model_validate(bundle)
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Patient"]
    assert bundle["entry"][0]["resource"]["identifier"][0]["value"] == newcomer.chart_number


def test_dates_with_nothing_in_them_are_a_message_not_a_job(admin_client, patient, injector):
    signed_treatment(patient=patient, injector=injector)
    long_ago = {"date_from": "2001-01-01", "date_to": "2001-12-31"}
    response = admin_client.post(reverse("reports:patient_fhir", args=[patient.pk]), long_ago)
    assert response.status_code == 422
    assert "no visits in the chosen dates" in response.content.decode()
    response = admin_client.post(
        reverse("reports:export_fhir"), {f"fhir-{k}": v for k, v in long_ago.items()}
    )
    assert response.status_code == 422
    assert "No visits in the chosen dates" in response.content.decode()
    assert not ReportJob.objects.filter(kind__in=[Kind.FHIR, Kind.FHIR_EXPORT]).exists()


def test_the_clinic_month_is_one_bundle_and_audited_as_an_export(
    admin_client, clinic_admin, patient, injector
):
    signed_treatment(patient=patient, injector=injector)
    signed_treatment(patient=PatientFactory(), injector=injector)
    PatientFactory()  # not seen in the dates: not exported
    month = {"fhir-date_from": today() - datetime.timedelta(days=30), "fhir-date_to": today()}
    with committed():
        response = admin_client.post(reverse("reports:export_fhir"), month)
    job = ReportJob.objects.get(kind=Kind.FHIR_EXPORT)
    assert response.status_code == 302 and job.status == Status.DONE, job.error
    bundle = json.loads(stored_report(job.file_name))
    Bundle.model_validate(bundle)
    assert len(resources(bundle, "Patient")) == 2 and job.items_total == 2
    event = AuditEvent.objects.get(action=Action.EXPORT, object_id=str(job.pk))
    assert event.actor_id == clinic_admin.pk and event.detail["kind"] == Kind.FHIR_EXPORT
    admin_client.post(reverse("reports:patient_fhir", args=[patient.pk]), {})
    per_patient = ReportJob.objects.get(kind=Kind.FHIR)
    assert AuditEvent.objects.get(
        action=Action.EXPORT, object_id=str(per_patient.pk)
    ).patient_id == (patient.pk)


def test_the_demo_clinic_exports_as_r4_and_its_units_round_trip(clinic_admin):
    """The demo clinic's every visit, through the clinic-wide request and its task."""
    call_command("seed_demo", verbosity=0)
    dates = Visit.objects.not_cancelled().aggregate(first=Min("date"), last=Max("date"))
    with committed():
        job = requests.request_fhir_export(
            by=clinic_admin, date_from=dates["first"], date_to=dates["last"]
        )
    job.refresh_from_db()
    assert job.status == Status.DONE, job.error
    bundle = json.loads(stored_report(job.file_name))
    Bundle.model_validate(bundle)
    exported_units: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for given in resources(bundle, "MedicationAdministration"):
        site = given["dosage"]["site"]
        exported_units[site["coding"][0]["code"], codes.side_of(site)] += Decimal(
            str(given["dosage"]["dose"]["value"])
        )
    charted: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for i in Injection.objects.exclude(
        treatment__visit__status=VisitStatus.CANCELLED
    ).select_related("muscle"):
        charted[i.muscle.code, i.side] += i.units
    assert charted and dict(exported_units) == dict(charted)
    assert len(resources(bundle, "Patient")) == (
        Visit.objects.not_cancelled().values("patient_id").distinct().count()
    )


@pytest.mark.parametrize("field", ["date_from", "date_to"])
def test_hostile_dates_are_a_message_never_a_500(field, admin_client, patient, injector):
    signed_treatment(patient=patient, injector=injector)
    for value in hostile.FOR_DATE:
        for url, prefix in (
            (reverse("reports:patient_fhir", args=[patient.pk]), ""),
            (reverse("reports:export_fhir"), "fhir-"),
        ):
            with committed():
                response = admin_client.post(url, {f"{prefix}{field}": value})
            assert response.status_code in (302, 422), f"{url} {field}={value!r}"
            if response.status_code == 422:
                page = response.content.decode()
                assert "invalid-feedback" in page or "alert" in page
                assert hostile.SCRIPT not in page


@pytest.mark.parametrize("patients", [1, 3])
def test_the_export_loads_in_a_constant_number_of_queries(
    patients, injector, django_assert_num_queries
):
    people = [PatientFactory() for _ in range(patients)]
    for person in people:
        three_cycles(person, injector)
    chosen = Patient.objects.filter(pk__in=[p.pk for p in people])
    # 1 patients, 2 visits (location, injector joined), 3 movement-map grades, the
    # treatments with their rows (reports.treatments.with_rows): 4 treatments and
    # touch-ups (visit, product, plan, signer, review, touch-up joined), 5 injections,
    # 6 adverse events, 7 addenda, 8 review findings, 9 side effects, 10 touch-up
    # injections, 11 touch-ups' adverse events, 12 touch-up visits' consents, 13 plan
    # points, 14 visits' consents, 15 plans' kept segments (not exported); then 16
    # consents (text, witness joined), 17 outside doses, 18 stored PDFs, 19 photo
    # measurements (photo, expression joined).
    with django_assert_num_queries(19):
        bundle = bundle_of(load(patients=chosen))
    assert len(resources(bundle, "Patient")) == patients
    assert len(resources(bundle, "Procedure")) == 6 * patients


def test_photo_measurements_export_per_measure_and_side_in_mm(admin_client, patient, injector):
    """Each measured photo: an Observation per measure and side (mm, UCUM), the sides
    as SNOMED CT laterality, the expression and moment as the method, the model and
    scale in a note; the photo-measure CodeSystem once. An unusable photo is not sent."""
    three_cycles(patient, injector)
    consultation = make_visit(patient=patient, injector=injector, screened=True)
    raise_brows = Expression.objects.filter(muscles__code="FRONT").first()
    measured = make_photo(visit=consultation, expression=raise_brows, moment="rest")
    PhotoMeasurement.objects.update_or_create(
        photo=measured,
        defaults={
            "status": MeasurementStatus.MEASURED,
            "model_name": "MediaPipe Face Mesh",
            "model_version": "0.10.14",
            "method_version": "1",
            "values": {"brow_tail": {"R": 14.2, "L": 11.8}, "aperture": {"R": 9.0, "L": 9.4}},
        },
    )
    unusable = make_photo(visit=consultation)
    PhotoMeasurement.objects.update_or_create(
        photo=unusable,
        defaults={"status": MeasurementStatus.UNUSABLE, "reason": "The face is turned."},
    )
    bundle = exported(admin_client, patient)
    Bundle.model_validate(bundle)
    sent = [
        o
        for o in resources(bundle, "Observation")
        if o["code"]["coding"][0]["system"] == codes.measure_system()
    ]
    values = {
        (o["code"]["coding"][0]["code"], codes.side_of(o["bodySite"])): o["valueQuantity"]["value"]
        for o in sent
    }
    assert values == {
        ("brow_tail", "R"): 14.2,
        ("brow_tail", "L"): 11.8,
        ("aperture", "R"): 9.0,
        ("aperture", "L"): 9.4,
    }
    assert all(o["valueQuantity"]["code"] == "mm" for o in sent)
    assert all(o["encounter"] == {"reference": f"Encounter/{consultation.pk}"} for o in sent)
    assert all(
        "0.10.14" in o["note"][0]["text"] and "11.7 mm" in o["note"][0]["text"] for o in sent
    )
    assert all(o["method"]["text"].endswith("at rest") for o in sent)
    systems = [c for c in resources(bundle, "CodeSystem") if c["id"] == "photo-measure"]
    assert len(systems) == 1


# --- Who may export ---------------------------------------------------------------------


@pytest.fixture
def other_injector(location):
    return UserFactory(email="other@test.clinic", role=Role.INJECTOR, default_location=location)


def test_the_clinic_admin_and_the_treating_injector_may_export(
    client, clinic_admin, injector, patient
):
    signed_treatment(patient=patient, injector=injector)
    for user in (clinic_admin, injector):
        client.force_login(user)
        assert client.get(reverse("reports:patient_fhir", args=[patient.pk])).status_code == 200


def test_the_front_desk_and_other_injectors_are_refused_at_every_door(
    client, front_desk, other_injector, clinic_admin, injector, patient
):
    """Guard: the front desk never sees clinical detail, an injector who does not treat
    the patient does not export their record, the clinic-wide export is the admin's.
    Seen to fail: with ``may_export_patient`` answering True for any role, the other
    injector got 200 on the page; with the front desk let through the view's roles and
    the helper, the desk got 200; without the FHIR check in ``get_job_for``, the other
    injector downloaded the stored file (200)."""
    signed_treatment(patient=patient, injector=injector)
    storage = private_storage()
    stored = storage.save("reports/fhir.json", ContentFile(b'{"resourceType": "Bundle"}'))
    job = make_report_job(
        by=clinic_admin,
        patient=patient,
        kind=Kind.FHIR,
        status=Status.DONE,
        file_name=stored,
        file_size=10,
        pages=1,
    )
    export = make_report_job(
        by=clinic_admin,
        kind=Kind.FHIR_EXPORT,
        date_from=today(),
        date_to=today(),
        status=Status.DONE,
        file_name=stored,
        file_size=10,
        pages=1,
    )
    doors = [
        ("get", reverse("reports:patient_fhir", args=[patient.pk])),
        ("post", reverse("reports:patient_fhir", args=[patient.pk])),
        ("get", reverse("reports:download", args=[job.pk])),
        ("get", reverse("reports:job_detail", args=[job.pk])),
        ("get", reverse("reports:download", args=[export.pk])),
        ("post", reverse("reports:export_fhir")),
    ]
    for user in (front_desk, other_injector):
        client.force_login(user)
        for method, url in doors:
            status = getattr(client, method)(url).status_code
            assert status == 403, f"{user.email} {method} {url}: {status}"
    assert not ReportJob.objects.filter(requested_by__in=[front_desk, other_injector]).exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_clinic_export_is_made_by_the_real_worker(real_worker, clinic_admin, injector):
    from tests.reports.test_worker import watch

    for _ in range(2):
        signed_treatment(patient=PatientFactory(), injector=injector)
    job = requests.request_fhir_export(
        by=clinic_admin, date_from=today() - datetime.timedelta(days=31), date_to=today()
    )
    # Two patients' export can go from running to done between two polls (50 ms apart):
    # that it ran on the worker is its start, its one attempt and its file.
    assert watch(job) in (
        [Status.QUEUED, Status.RUNNING, Status.DONE],
        [Status.QUEUED, Status.DONE],
    )
    assert job.attempts == 1 and job.started_at is not None and job.finished_at >= job.started_at
    bundle = json.loads(stored_report(job.file_name))
    Bundle.model_validate(bundle)
    assert len(resources(bundle, "Patient")) == 2 and job.pages == len(bundle["entry"])
    assert job.download_name.endswith(f"-{job.pk}.json")
