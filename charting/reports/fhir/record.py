"""Loading what a FHIR export holds: the patients and their record in the dates, in a
constant number of queries however many patients and visits (``load``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q

from charting.models import Consent, Treatment
from clinic.models import Patient
from planning.models import MeasurementStatus, Observation, OutsideDose, PhotoMeasurement, Visit

from .. import treatments as report_treatments
from ..models import PATIENT_KINDS, ReportJob, Status


@dataclass
class Record:
    """What one Bundle holds, loaded (``load``)."""

    patients: list[Patient]
    visits: list[Visit] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    measurements: list[PhotoMeasurement] = field(default_factory=list)
    treatments: list[Treatment] = field(default_factory=list)
    consents: list[Consent] = field(default_factory=list)
    outside_doses: list[OutsideDose] = field(default_factory=list)
    documents: list[ReportJob] = field(default_factory=list)


def _in_dates(prefix: str, date_from, date_to) -> Q:
    q = Q()
    if date_from:
        q &= Q(**{f"{prefix}__gte": date_from})
    if date_to:
        q &= Q(**{f"{prefix}__lte": date_to})
    return q


def load(
    *, patients, date_from: datetime.date | None = None, date_to: datetime.date | None = None
) -> Record:
    """The patients (a queryset) and their record in the dates. Queries: patients (1),
    visits (location, injector joined) (2), movement-map grades (map, recorder,
    expression, muscle joined) (3), treatments and touch-ups with their rows
    (``reports.treatments.with_rows``: 1 + its 14 prefetches, the plans' kept segments
    among them, which the export does not use) (4-18), consents (text, witness joined)
    (19), outside doses (product joined) (20), stored PDFs (21), photo measurements
    (photo and expression joined) (22)."""
    patients = list(patients)
    record = Record(patients=patients)
    if not patients:
        return record
    ids = [p.pk for p in patients]
    record.visits = list(
        Visit.objects.filter(patient_id__in=ids)
        .not_cancelled()
        .filter(_in_dates("date", date_from, date_to))
        .select_related("location", "injector")
        .order_by("patient_id", "date", "id")
    )
    visit_ids = [v.pk for v in record.visits]
    record.observations = list(
        Observation.objects.filter(movement_map__visit_id__in=visit_ids)
        .select_related("movement_map__recorded_by", "expression", "muscle")
        .order_by("movement_map__visit_id", "expression__order", "muscle__order", "side")
    )
    record.treatments = list(
        report_treatments.with_rows().filter(visit_id__in=visit_ids).order_by("started_at", "id")
    )
    record.consents = list(
        Consent.objects.filter(visit_id__in=visit_ids)
        .select_related("consent_text", "witnessed_by")
        .order_by("signed_at", "id")
    )
    record.outside_doses = list(
        OutsideDose.objects.filter(patient_id__in=ids)
        .filter(_in_dates("given_on", date_from, date_to))
        .select_related("product")
        .order_by("given_on", "id")
    )
    record.documents = list(
        ReportJob.objects.filter(
            patient_id__in=ids, kind__in=PATIENT_KINDS, status=Status.DONE
        ).filter(Q(visit__isnull=True) | Q(visit_id__in=visit_ids))
    )
    record.measurements = list(
        PhotoMeasurement.objects.filter(
            photo__visit_id__in=visit_ids, status=MeasurementStatus.MEASURED
        )
        .select_related("photo__expression")
        .order_by("photo__visit_id", "photo__uploaded_at", "photo_id")
    )
    return record
