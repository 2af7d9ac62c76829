"""The record as a FHIR R4 Bundle (type "collection"), in JSON.

One Bundle for one patient (the whole record, or the visits in dates) or for the
clinic (every patient with a visit in the dates). ``record.load`` fetches what
the Bundle holds in a constant number of queries, however many patients and
visits; ``bundle_of`` writes the resources (plain dicts, ``json.dumps`` makes the file).

Why "collection" and not "document": a FHIR document is one attested composition
(a Composition first, its sections, one author), which our export is not; it is a
set of resources moved to another system, each signed record carrying its own
Provenance. docs/fhir.md maps every model to its resource.
"""

from __future__ import annotations

import base64
import datetime
import uuid
from collections import defaultdict

from django.urls import reverse
from django.utils import timezone

from charting.models import Consent, Treatment
from charting.seal import SealState, as_signed, checked
from clinic.models import Patient
from planning.choices import PAIRED_SIDES, VisitKind, VisitStatus
from planning.dosing import volume_ml
from planning.measurements import IRIS_MM, MEASURES, REPEATABILITY_MM
from planning.models import Observation, OutsideDose, PhotoMeasurement, Visit

from ..models import ReportJob
from ..review_section import related
from . import codes
from .record import Record

SEAL_WHERE = "fhir export"
NOTHING_FOR_PATIENT = (
    "This patient has no visits in the chosen dates: there is nothing to export. "
    "Leave the dates empty to export the whole record."
)
NOTHING_IN_DATES = "No visits in the chosen dates: there is nothing to export."


def _ref(kind: str, pk) -> dict:
    return {"reference": f"{kind}/{pk}"}


def _moment(value: datetime.datetime) -> str:
    return timezone.localtime(value).isoformat()


def _units(value) -> dict:
    return {"value": float(value), "unit": "U", "system": codes.UCUM, "code": codes.TOXIN_UNIT}


GENDER = {"F": "female", "M": "male", "X": "other", "U": "unknown"}
ENCOUNTER_STATUS = {VisitStatus.OPEN: "in-progress", VisitStatus.COMPLETED: "finished"}


class Writer:
    """Collects the resources of one Bundle, each once (by type and id)."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], dict] = {}

    def add(self, resource: dict) -> dict:
        key = (resource["resourceType"], str(resource["id"]))
        self.entries.setdefault(key, resource)
        return _ref(*key)

    def practitioner(self, user) -> dict:
        resource = {
            "resourceType": "Practitioner",
            "id": str(user.pk),
            "active": user.is_active,
            "name": [{"family": user.last_name, "given": [user.first_name], "text": str(user)}],
        }
        if user.title:
            resource["qualification"] = [{"code": {"text": user.title}}]
        return self.add(resource)

    def location(self, location) -> dict:
        resource = {
            "resourceType": "Location",
            "id": str(location.pk),
            "status": "active" if location.is_active else "inactive",
            "name": location.name,
        }
        if location.address:
            resource["address"] = {"text": location.address}
        if location.phone:
            resource["telecom"] = [{"system": "phone", "value": location.phone}]
        return self.add(resource)


def patient_resource(patient: Patient) -> dict:
    resource = {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "identifier": [
            {
                "use": "usual",
                "type": {"text": "Chart number"},
                "system": codes.chart_number_system(),
                "value": patient.chart_number,
            }
        ],
        "active": patient.is_active,
        "name": [{"use": "official", "family": patient.last_name, "given": [patient.first_name]}],
        "gender": GENDER.get(patient.sex, "unknown"),
        "birthDate": patient.date_of_birth.isoformat(),
    }
    telecom = []
    if patient.phone:
        telecom.append({"system": "phone", "value": patient.phone})
    if patient.email:
        telecom.append({"system": "email", "value": patient.email})
    if telecom:
        resource["telecom"] = telecom
    return resource


def _encounter(w: Writer, visit: Visit) -> None:
    w.add(
        {
            "resourceType": "Encounter",
            "id": str(visit.pk),
            "status": ENCOUNTER_STATUS.get(visit.status, "unknown"),
            "class": {
                "system": codes.ENCOUNTER_CLASS,
                "code": codes.AMBULATORY[0],
                "display": codes.AMBULATORY[1],
            },
            "type": [{"text": visit.get_kind_display()}],
            "subject": _ref("Patient", visit.patient_id),
            "participant": [{"individual": w.practitioner(visit.injector)}],
            "period": {"start": visit.date.isoformat(), "end": visit.date.isoformat()},
            "location": [{"location": w.location(visit.location)}],
        }
    )


def _observation(w: Writer, o: Observation) -> None:
    movement_map = o.movement_map
    resource = {
        "resourceType": "Observation",
        "id": f"map-{o.pk}",
        "status": "final",
        "category": [{"coding": [{"system": codes.OBSERVATION_CATEGORY, "code": codes.EXAM[0]}]}],
        "code": {
            "coding": [{"system": codes.observation_system(), "code": "movement-grade"}],
            "text": "Movement grade",
        },
        "subject": _ref("Patient", movement_map.visit.patient_id),
        "encounter": _ref("Encounter", movement_map.visit_id),
        "effectiveDateTime": movement_map.visit.date.isoformat(),
        "performer": [w.practitioner(movement_map.recorded_by)],
        "valueCodeableConcept": _grade(o.grade),
        "bodySite": codes.body_site(o.muscle, o.side),
        "method": {
            "coding": [
                {
                    "system": codes.expression_system(),
                    "code": o.expression.code,
                    "display": o.expression.name,
                }
            ],
            "text": o.expression.name,
        },
    }
    if o.note:
        resource["note"] = [{"text": o.note}]
    w.add(resource)


def _photo_measurement(w: Writer, m: PhotoMeasurement, visit: Visit) -> None:
    """A measured photo: one Observation per measure and side, in millimetres, with the
    expression and moment as the method and the model, scale and repeatability as a
    note (our photo-measure code system; docs/fhir.md)."""
    photo = m.photo
    shot = photo.expression.name if photo.expression else "General"
    if photo.moment:
        shot = f"{shot}, {photo.get_moment_display().lower()}"
    note = (
        f"Measured by {m.model_name} {m.model_version} (method {m.method_version}) on "
        f"photo {photo.pk}; scale from the iris diameter taken as {IRIS_MM} mm, a "
        "population average."
    )
    for measure in MEASURES:
        for side in PAIRED_SIDES:
            value = (m.values.get(measure.key) or {}).get(side)
            if value is None:
                continue
            spread = REPEATABILITY_MM.get(measure.key)
            w.add(
                {
                    "resourceType": "Observation",
                    "id": f"photo-{m.pk}-{measure.key.replace('_', '-')}-{side}",
                    "status": "final",
                    "category": [
                        {"coding": [{"system": codes.OBSERVATION_CATEGORY, "code": codes.EXAM[0]}]}
                    ],
                    "code": {
                        "coding": [
                            {
                                "system": codes.measure_system(),
                                "code": measure.key,
                                "display": measure.label,
                            }
                        ],
                        "text": measure.label,
                    },
                    "subject": _ref("Patient", visit.patient_id),
                    "encounter": _ref("Encounter", visit.pk),
                    "effectiveDateTime": visit.date.isoformat(),
                    "valueQuantity": {
                        "value": round(float(value), 1),
                        "unit": "mm",
                        "system": codes.UCUM,
                        "code": codes.MILLIMETRE,
                    },
                    "bodySite": {
                        "extension": [codes.laterality(side)],
                        "text": f"{measure.short}, {codes.side_text(side)}",
                    },
                    "method": {"text": shot},
                    "note": [
                        {
                            "text": note
                            + (f" Repeatability ± {spread} mm." if spread is not None else "")
                        }
                    ],
                }
            )


def _grade(grade: int) -> dict:
    concept = next(c for c in codes.grade_code_system()["concept"] if c["code"] == str(grade))
    return {
        "coding": [{"system": codes.grade_system(), **concept}],
        "text": f"{grade} · {concept['display']}",
    }


def _medication(w: Writer, treatment: Treatment, lot) -> dict:
    return w.add(
        {
            "resourceType": "Medication",
            "id": str(lot.pk),
            "code": codes.product_concept(treatment.product),
            "batch": {"lotNumber": lot.number, "expirationDate": lot.expiry_date.isoformat()},
        }
    )


def _treatment(w: Writer, treatment: Treatment) -> None:
    visit = treatment.visit  # joined, with its consents prefetched (with_rows)
    injections = list(treatment.injections.all())
    seal_state = None
    if treatment.is_signed:  # checked over the stored rows, shown as signed
        seal_state = checked(
            treatment=treatment,
            injections=injections,
            adverse_events=list(treatment.adverse_events.all()),
            consents=list(treatment.visit.consents.all()),
            where=SEAL_WHERE,
        )
        as_signed(treatment=treatment, injections=injections)
    touched_up = related(treatment, "touch_up_of")
    performer = w.practitioner(visit.injector)
    sites: dict[tuple[str, str], dict] = {}
    for i in injections:
        sites.setdefault((i.muscle.code, i.side), codes.body_site(i.muscle, i.side))
    procedure = {
        "resourceType": "Procedure",
        "id": str(treatment.pk),
        "status": "completed" if treatment.is_signed else "in-progress",
        "code": {
            "text": ("Botulinum toxin touch-up: " if touched_up else "Botulinum toxin treatment: ")
            + f"{treatment.product.brand} ({treatment.product.generic_name})"
        },
        "subject": _ref("Patient", visit.patient_id),
        "encounter": _ref("Encounter", visit.pk),
        "performedDateTime": _moment(treatment.started_at),
        "performer": [{"actor": performer}],
        "location": w.location(visit.location),
        "bodySite": list(sites.values()),
    }
    if touched_up is not None:
        procedure["partOf"] = [_ref("Procedure", touched_up.treatment_id)]
    notes = []
    if treatment.notes:
        notes.append({"text": treatment.notes})
    for addendum in treatment.addenda.all():
        notes.append(
            {
                "authorReference": w.practitioner(addendum.created_by),
                "time": _moment(addendum.created_at),
                "text": f"Addendum ({addendum.reason}): {addendum.text}",
            }
        )
    if notes:
        procedure["note"] = notes
    complications = [
        {"text": f"{e.get_kind_display()} ({e.get_severity_display()}) {e.note}".strip()}
        for e in treatment.adverse_events.all()
    ]
    if complications:
        procedure["complication"] = complications
    w.add(procedure)
    for i in injections:
        _administration(w, treatment=treatment, injection=i, performer=performer)
    if treatment.is_signed:
        _treatment_provenance(w, treatment=treatment, seal_state=seal_state)
    review = related(treatment, "review")
    if review is not None and review.is_signed:
        _review(w, review=review, patient_id=visit.patient_id)


def _administration(w: Writer, *, treatment: Treatment, injection, performer: dict) -> None:
    resource = {
        "resourceType": "MedicationAdministration",
        "id": str(injection.pk),
        "status": "completed" if treatment.is_signed else "in-progress",
        "subject": _ref("Patient", treatment.visit.patient_id),
        "context": _ref("Encounter", treatment.visit_id),
        "effectiveDateTime": _moment(treatment.started_at),
        "performer": [{"actor": performer}],
        "partOf": [_ref("Procedure", treatment.pk)],
        "dosage": {
            "site": codes.body_site(injection.muscle, injection.side),
            "dose": _units(injection.units),
        },
    }
    if injection.vial is not None:
        resource["medicationReference"] = _medication(w, treatment, injection.vial.lot)
        vial = injection.vial
        volume = volume_ml(injection.units, vial.vial_units, vial.diluent_ml)
        resource["dosage"]["text"] = (
            f"{injection.units.normalize():f} U in {volume} mL "
            f"({injection.vial.vial_units} U vial + {injection.vial.diluent_ml.normalize():f} mL "
            f"{injection.vial.diluent})"
        )
    else:
        resource["medicationCodeableConcept"] = codes.product_concept(treatment.product)
    notes = [n for n in (injection.depth and f"Depth: {injection.depth}", injection.note) if n]
    if notes:
        resource["note"] = [{"text": n} for n in notes]
    w.add(resource)


def _signature(*, when: datetime.datetime, who: dict, data: bytes | None = None, fmt: str = ""):
    signature = {
        "type": [
            {
                "system": codes.SIGNATURE_TYPE,
                "code": codes.AUTHOR_SIGNATURE[0],
                "display": codes.AUTHOR_SIGNATURE[1],
            }
        ],
        "when": _moment(when),
        "who": who,
    }
    if data is not None:
        signature["data"] = base64.b64encode(data).decode()
        if fmt:
            signature["sigFormat"] = fmt
    return signature


def _author(who: dict) -> dict:
    return {
        "type": {
            "coding": [{"system": codes.PROVENANCE_PARTICIPANT, "code": "author"}],
            "text": "Signed by",
        },
        "who": who,
    }


def _treatment_provenance(w: Writer, *, treatment: Treatment, seal_state) -> None:
    signer = w.practitioner(treatment.signed_by)
    seal = bytes.fromhex(treatment.content_hash)
    verified = {
        SealState.VERIFIED: "verified",
        SealState.UNKEYED: "verified (old unkeyed seal)",
        SealState.MISMATCH: "does not match its signature",
    }[seal_state]
    w.add(
        {
            "resourceType": "Provenance",
            "id": f"treatment-{treatment.pk}",
            "extension": [
                {
                    "url": codes.seal_extension(),
                    "extension": [
                        {
                            "url": "algorithm",
                            "valueString": "HMAC-SHA256" if treatment.seal_key else "SHA-256",
                        },
                        {"url": "hash", "valueString": treatment.content_hash},
                        {"url": "key", "valueString": treatment.seal_key or "unkeyed"},
                        {"url": "format", "valueInteger": treatment.seal_format},
                        {"url": "state", "valueString": verified},
                    ],
                }
            ],
            "target": [
                _ref("Procedure", treatment.pk),
                *[_ref("MedicationAdministration", i.pk) for i in treatment.injections.all()],
            ],
            "recorded": _moment(treatment.signed_at),
            "activity": {"text": "Chart signed"},
            "agent": [_author(signer)],
            "signature": [_signature(when=treatment.signed_at, who=signer, data=seal)],
        }
    )


def _review(w: Writer, *, review, patient_id: int) -> None:
    for f in review.findings.all():
        resource = {
            "resourceType": "Observation",
            "id": f"finding-{f.pk}",
            "status": "final",
            "category": [
                {"coding": [{"system": codes.OBSERVATION_CATEGORY, "code": codes.EXAM[0]}]}
            ],
            "code": {
                "coding": [{"system": codes.observation_system(), "code": "residual-movement"}],
                "text": "Residual movement at the two-week review",
            },
            "subject": _ref("Patient", patient_id),
            "encounter": _ref("Encounter", review.visit_id),
            "effectiveDateTime": review.visit.date.isoformat(),
            "valueCodeableConcept": _grade(f.grade),
            "bodySite": codes.body_site(f.muscle, f.side),
        }
        if f.note:
            resource["note"] = [{"text": f.note}]
        w.add(resource)
    signer = w.practitioner(review.signed_by)
    w.add(
        {
            "resourceType": "Provenance",
            "id": f"review-{review.pk}",
            "target": [
                _ref("Encounter", review.visit_id),
                *[_ref("Observation", f"finding-{f.pk}") for f in review.findings.all()],
            ],
            "recorded": _moment(review.signed_at),
            "activity": {"text": "Two-week review signed"},
            "agent": [_author(signer)],
            "signature": [_signature(when=review.signed_at, who=signer)],
        }
    )


def _consent(w: Writer, consent: Consent, visits: dict[int, Visit]) -> None:
    visit = visits[consent.visit_id]
    patient = _ref("Patient", visit.patient_id)
    text = consent.consent_text
    resource = {
        "resourceType": "Consent",
        "id": str(consent.pk),
        "status": "active" if consent.in_force else "inactive",
        "scope": {"coding": [{"system": codes.CONSENT_SCOPE, "code": "treatment"}]},
        "category": [
            {
                "coding": [
                    {
                        "system": codes.CONSENT_CATEGORY_LOINC,
                        "code": codes.CONSENT_DOCUMENT[0],
                        "display": codes.CONSENT_DOCUMENT[1],
                    }
                ]
            }
        ],
        "patient": patient,
        "dateTime": _moment(consent.signed_at),
        "performer": [patient],
        "policyRule": {"text": f"{text.title} (version {text.version})"},
        "sourceAttachment": {
            "contentType": "text/plain; charset=utf-8",
            "data": base64.b64encode(consent.text_shown.encode()).decode(),
            "title": f"{text.title} (version {text.version}), as shown and signed",
            "creation": _moment(consent.signed_at),
        },
        "provision": {
            "type": "permit",
            "code": [{"text": area} for area in consent.area_list]
            + [{"text": f"Off-label: {area}"} for area in consent.off_label_list],
        },
    }
    if consent.product_name:
        resource["provision"]["code"].insert(0, {"text": f"Product: {consent.product_name}"})
    if not consent.in_force:
        resource["extension"] = [
            {
                "url": codes.local("StructureDefinition/consent-withdrawn"),
                "extension": [
                    {"url": "at", "valueDateTime": _moment(consent.withdrawn_at)},
                    {"url": "reason", "valueString": consent.withdrawal_reason},
                ],
            }
        ]
    w.add(resource)
    witness = w.practitioner(consent.witnessed_by)
    w.add(
        {
            "resourceType": "Provenance",
            "id": f"consent-{consent.pk}",
            "target": [_ref("Consent", consent.pk)],
            "recorded": _moment(consent.signed_at),
            "activity": {"text": "Consent signed by the patient"},
            "agent": [
                _author(patient),
                {"type": {"text": "Witness"}, "who": witness},
            ],
            "signature": [
                _signature(
                    when=consent.signed_at,
                    who=patient,
                    data=bytes(consent.signature_png),
                    fmt="image/png",
                )
            ],
        }
    )


def _outside_dose(w: Writer, dose: OutsideDose) -> None:
    if dose.month_only:
        first = dose.given_on.replace(day=1)
        effective = {
            "effectivePeriod": {"start": first.isoformat(), "end": dose.latest_day.isoformat()}
        }
    else:
        effective = {"effectiveDateTime": dose.given_on.isoformat()}
    resource = {
        "resourceType": "MedicationStatement",
        "id": str(dose.pk),
        "status": "completed",
        "medicationCodeableConcept": codes.product_concept(dose.product)
        if dose.product
        else {"text": "Botulinum toxin (product not known)"},
        "subject": _ref("Patient", dose.patient_id),
        **effective,
        "dateAsserted": _moment(dose.recorded_at),
        "informationSource": _ref("Patient", dose.patient_id),
        "note": [{"text": "Patient-reported: given elsewhere"}],
    }
    if dose.where:
        resource["note"].append({"text": f"Where / what for: {dose.where}"})
    if dose.units is not None:
        resource["dosage"] = [{"doseAndRate": [{"doseQuantity": _units(dose.units)}]}]
    w.add(resource)


def _document(w: Writer, job: ReportJob) -> None:
    resource = {
        "resourceType": "DocumentReference",
        "id": str(job.pk),
        "status": "current",
        "type": {"text": job.get_kind_display()},
        "subject": _ref("Patient", job.patient_id),
        "date": _moment(job.finished_at or job.requested_at),
        "content": [
            {
                "attachment": {
                    "contentType": job.content_type,
                    "url": codes.base_url() + reverse("reports:download", args=[job.pk]),
                    "title": f"{job.get_kind_display()} (report {job.pk})",
                    "creation": _moment(job.finished_at or job.requested_at),
                    **({"size": job.file_size} if job.file_size else {}),
                }
            }
        ],
    }
    if job.visit_id:
        resource["context"] = {"encounter": [_ref("Encounter", job.visit_id)]}
    w.add(resource)


def bundle_of(record: Record) -> dict:
    """The Bundle of a loaded record: per patient its Patient, then every visit's
    Encounter, grades, consents, treatments, signatures and documents."""
    w = Writer()
    visits = {v.pk: v for v in record.visits}
    for patient in record.patients:
        w.add(patient_resource(patient))
    if record.observations:
        w.add(codes.grade_code_system())
    for visit in record.visits:
        _encounter(w, visit)
    for o in record.observations:
        o.movement_map.visit = visits[o.movement_map.visit_id]
        _observation(w, o)
    if record.measurements:
        w.add(codes.measure_code_system())
    for m in record.measurements:
        _photo_measurement(w, m, visits[m.photo.visit_id])
    for consent in record.consents:
        _consent(w, consent, visits)
    # touch-ups after their treatments (a touch-up's Procedure is partOf its treatment's)
    for treatment in sorted(record.treatments, key=lambda t: t.visit.kind == VisitKind.REVIEW):
        _treatment(w, treatment)
    for dose in record.outside_doses:
        _outside_dose(w, dose)
    for job in record.documents:
        _document(w, job)
    now = timezone.now()
    base = codes.base_url()
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": _moment(now)},
        "type": "collection",
        "timestamp": _moment(now),
        "entry": [
            {"fullUrl": f"{base}/fhir/{kind}/{pk}", "resource": resource}
            for (kind, pk), resource in w.entries.items()
        ],
    }


def export_counts(bundle: dict) -> dict[str, int]:
    """How many resources of each type a Bundle holds (the job page says it)."""
    counts: dict[str, int] = defaultdict(int)
    for entry in bundle["entry"]:
        counts[entry["resource"]["resourceType"]] += 1
    return dict(counts)
