"""Lot recall: every patient and treatment that received a lot, and the CSV of it."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.db.models import Count, Min, Q, Sum

from clinic.csv_cells import safe_row

from .models import Lot, Treatment


@dataclass(frozen=True)
class Recall:
    number: str
    lots: list[Lot]
    treatments: list[Treatment]  # annotated: lot_units, lot_points, lot_numbers

    @property
    def patient_count(self) -> int:
        return len({t.visit.patient_id for t in self.treatments})


def recall_search(*, number: str) -> Recall:
    """Treatments that used any lot numbered ``number`` (any product, any case). Two queries."""
    number = (number or "").strip()
    if not number:
        return Recall(number="", lots=[], treatments=[])
    lots = list(
        Lot.objects.select_related("product").filter(number__iexact=number)
    )  # query: the lots with that number
    used = Q(injections__vial__lot__in=lots)
    treatments = list(
        Treatment.objects.for_pages()
        .filter(used)
        .annotate(
            lot_units=Sum("injections__units", filter=used),
            lot_points=Count("injections", filter=used),
            first_lot_id=Min("injections__vial__lot", filter=used),
        )
        .order_by("-visit__date", "visit__patient__last_name", "pk")
    )  # query: treatments with the lot's units per treatment, patient, location, injector
    return Recall(number=number, lots=lots, treatments=treatments)


CSV_HEADER = [
    "lot",
    "product",
    "chart_number",
    "patient",
    "date_of_birth",
    "phone",
    "email",
    "treatment_date",
    "location",
    "injector",
    "units_from_lot",
    "points",
    "signed",
]


def recall_csv(recall: Recall) -> str:
    lots = {lot.pk: lot for lot in recall.lots}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for t in recall.treatments:
        patient, lot = t.visit.patient, lots.get(t.first_lot_id)
        writer.writerow(
            safe_row(
                (
                    lot.number if lot else recall.number,
                    t.product.brand,
                    patient.chart_number,
                    patient.full_name,
                    patient.date_of_birth.isoformat(),
                    patient.phone,
                    patient.email,
                    t.visit.date.isoformat(),
                    t.visit.location.name,
                    t.visit.injector.get_full_name(),
                    f"{t.lot_units.normalize():f}",
                    t.lot_points,
                    "yes" if t.is_signed else "no",
                )
            )
        )
    return out.getvalue()
