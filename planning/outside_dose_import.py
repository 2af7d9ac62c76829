"""Past toxin treatments from another system's CSV, imported as patient-reported
history (issue 23): read, check every row, show, then import all or nothing.

The file is read by ``clinic.patient_import.read_table`` (the one reader: limits,
encoding, delimiter, header, cells as text, formula cells kept as the text they are);
each row names an existing patient (by chart number, or by name and date of birth),
a date (a day, or only a month), a product (a brand of the product list, or
unknown), units (or unknown) and where / what for. Its problems are found by
``planning.outside_doses.check_outside_dose`` (the one rule's checks: future date,
units a number in range, units only with a product) and here (unknown patient, a
date we cannot read, unknown product, a cell too long, a row already recorded or
repeated in the file). ``import_doses`` checks the rows again and stores every one
through ``record_outside_dose`` (so each counts in the interval and the cumulative
ceiling, marked patient-reported) or none (the caller's transaction, which also
records the audit events). Patient data is never logged.

Doors: the admin's import page (planning/views/outside_dose_import.py), the daily
sweep of old previews (``forget_old_imports``). The screening page records one dose
by the same rule.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Upper
from django.utils import timezone

from clinic.csv_cells import safe_row
from clinic.errors import RuleError
from clinic.models import Patient
from clinic.patient_import import (
    Parsed,
    forget_files,
    kept_file,
    parse_date,
    read_table,
    shown,
    stage_file,
)

from .models import OutsideDose, OutsideDoseImport, Product
from .outside_doses import check_outside_dose, record_outside_dose
from .units import format_units

COLUMNS = {
    # column: (label, required)
    "chart_number": ("Chart number", False),
    "first_name": ("First name", False),
    "last_name": ("Last name", False),
    "date_of_birth": ("Date of birth", False),
    "date": ("Date", True),
    "product": ("Product", True),
    "units": ("Units", True),
    "where": ("Where / what for", False),
}
ALIASES = {
    "chart": "chart_number",
    "mrn": "chart_number",
    "first": "first_name",
    "given_name": "first_name",
    "last": "last_name",
    "surname": "last_name",
    "family_name": "last_name",
    "dob": "date_of_birth",
    "birth_date": "date_of_birth",
    "given_on": "date",
    "treated_on": "date",
    "brand": "product",
    "where_what_for": "where",
    "what_for": "where",
    "indication": "where",
}
UNKNOWN = {"", "unknown", "?", "n/a", "not known"}
WHERE_CHARS = 120  # OutsideDose.where
MONTH_FORMATS = ("%Y-%m", "%m/%Y")
MONTH_SHAPE = re.compile(r"\s*(\d{4}-\d{1,2}|\d{1,2}/\d{4})\s*$")
TEMPLATE_ROWS = [
    ["OLD-1042", "", "", "", "2025-11-14", "BOTOX Cosmetic", "20", "Another clinic, frown lines"],
    ["", "Ann", "Example", "1980-04-03", "2025-06", "unknown", "unknown", "Migraine, neurology"],
]
STALE = (
    "Since the preview, the records changed: {count} of the rows now have a problem "
    "(shown below). Nothing was imported."
)
EXPIRED = "There is no file waiting to be imported (a preview is kept two hours). Upload it again."
OTHER_FILE = (
    "The preview changed since this page was opened (another file was uploaded in "
    "another tab). Check the preview below and import again. Nothing was imported."
)


def template_csv() -> str:
    """The CSV to fill in: the columns we read, and two invented example rows."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(list(COLUMNS))
    for row in TEMPLATE_ROWS:
        writer.writerow(safe_row(row))
    return out.getvalue()


def read_csv(upload, *, today: datetime.date | None = None) -> Parsed:
    """Read an uploaded file and check every row; nothing is stored."""
    parsed = read_table(upload, columns=COLUMNS, aliases=ALIASES, things="treatments")
    if not parsed.refusal:
        check_rows(parsed.rows, today=today or timezone.localdate())
    return parsed


def _date(text: str) -> tuple[datetime.date | None, bool, str]:
    """(day, month only, problem) of a date cell: a day or a month."""
    text = text.strip()
    if not text:
        return None, False, "No date: write the day (YYYY-MM-DD) or the month (YYYY-MM)."
    day = parse_date(text)
    if day is not None:
        return day, False, ""
    for fmt in MONTH_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date(), True, ""
        except ValueError:
            continue
    return (
        None,
        False,
        f"Date: not a date we read ({shown(text)}); write the day as YYYY-MM-DD or "
        "MM/DD/YYYY, or only the month as YYYY-MM.",
    )


def _is_unknown(text: str) -> bool:
    return text.strip().lower() in UNKNOWN


def _patients(rows: list[dict]) -> tuple[dict, dict]:
    """The clinic's patients the file names: by chart number (ignoring case; one
    query) and by name and date of birth (one query)."""
    numbers = {r["values"]["chart_number"].strip().upper() for r in rows} - {""}
    by_number = {
        p.number: p
        for p in Patient.objects.annotate(number=Upper("chart_number")).filter(number__in=numbers)
    }
    dobs = {parse_date(r["values"]["date_of_birth"].strip()) for r in rows} - {None}
    by_person: dict[tuple, list[Patient]] = {}
    for p in Patient.objects.filter(date_of_birth__in=dobs):
        key = (p.first_name.strip().lower(), p.last_name.strip().lower(), p.date_of_birth)
        by_person.setdefault(key, []).append(p)
    return by_number, by_person


def _patient_of(values: dict, by_number: dict, by_person: dict) -> tuple[Patient | None, str]:
    number = values["chart_number"].strip().upper()
    if number:
        patient = by_number.get(number)
        if patient is None:
            return None, f"No patient of the clinic has chart number {shown(number)}."
        return patient, ""
    first = " ".join(values["first_name"].split()).lower()
    last = " ".join(values["last_name"].split()).lower()
    dob_text = values["date_of_birth"].strip()
    if not (first and last and dob_text):
        return None, (
            "No patient: give the chart number, or the first name, last name and date of birth."
        )
    dob = parse_date(dob_text)
    if dob is None:
        return None, (
            f"Date of birth: not a date we read ({shown(dob_text)}); write it as YYYY-MM-DD "
            "or MM/DD/YYYY."
        )
    found = by_person.get((first, last, dob), [])
    if not found:
        return None, "No patient of the clinic has this name and date of birth."
    if len(found) > 1:
        return (
            None,
            "Two patients of the clinic have this name and date of birth: give the chart number.",
        )
    return found[0], ""


def _dose_key(patient_id, day, month_only, product_id, units) -> tuple:
    return (patient_id, day, month_only, product_id, None if units is None else Decimal(units))


def check_rows(rows: list[dict], *, today: datetime.date) -> None:
    """Set each row's ``problems`` (and, when it has none, what it will store).

    Queries: the patients by chart number (1), by date of birth (1), the products
    (1), the doses already recorded for those patients (1), whatever the rows."""
    by_number, by_person = _patients(rows)
    products = {p.brand.strip().lower(): p for p in Product.objects.all()}
    matched = [_patient_of(r["values"], by_number, by_person) for r in rows]
    recorded = {
        _dose_key(d.patient_id, d.given_on, d.month_only, d.product_id, d.units)
        for d in OutsideDose.objects.filter(
            patient_id__in={p.pk for p, _ in matched if p is not None}
        )
    }
    seen: dict[tuple, int] = {}
    for row, (patient, patient_problem) in zip(rows, matched, strict=True):
        values = row["values"]
        problems = [row["shape"]] if row.get("shape") else []
        if patient_problem:
            problems.append(patient_problem)
        day, month_only, date_problem = _date(values["date"])
        if date_problem:
            problems.append(date_problem)
        product = None
        brand = values["product"]
        if not _is_unknown(brand):
            product = products.get(" ".join(brand.split()).lower())
            if product is None:
                problems.append(
                    f"Product {shown(brand)} is not in the product list: write the brand as "
                    "the list has it, or unknown."
                )
        units = "" if _is_unknown(values["units"]) else values["units"]
        if len(values["where"]) > WHERE_CHARS:
            problems.append(
                f"Where / what for: {len(values['where']):,} characters; at most {WHERE_CHARS}."
            )
        amount = None
        try:  # the one rule's checks (planning.outside_doses)
            day, amount = check_outside_dose(
                given_on=day or today,
                month_only=month_only,
                product=product,
                units=units,
                today=today,
            )
        except ValidationError as exc:
            errors = exc.message_dict
            if date_problem:  # said above
                errors.pop("given_on", None)
            if product is None and not _is_unknown(brand):  # the brand is said above
                errors.pop("units", None)
            labels = {"given_on": "Date", "units": "Units"}
            problems.extend(
                f"{labels.get(name, name)}: {m}"
                for name, messages in errors.items()
                for m in messages
            )
        if not problems and patient is not None:
            key = _dose_key(patient.pk, day, month_only, product and product.pk, amount)
            if key in recorded:
                problems.append(
                    "Already recorded for this patient (the same date, product and units)."
                )
            elif key in seen:
                problems.append(f"The same treatment as line {seen[key]} of this file.")
            seen.setdefault(key, row["line"])
        row["problems"] = problems
        row["store"] = (
            None
            if problems
            else {
                "patient_id": patient.pk,
                "patient": f"{patient.full_name} ({patient.chart_number})",
                "given_on": day.isoformat(),
                "month_only": month_only,
                "product_id": product.pk if product else None,
                "units": units,
                "where": values["where"],
                "shown_units": format_units(amount) if amount is not None else "unknown",
            }
        )


def stage(*, parsed: Parsed, user, file_name: str) -> OutsideDoseImport:
    """Keep a read file for its person's preview (replacing any earlier one)."""
    return stage_file(OutsideDoseImport, parsed=parsed, user=user, file_name=file_name)


def waiting_for(user) -> OutsideDoseImport | None:
    return kept_file(OutsideDoseImport, user)


def forget_old_imports(*, now: datetime.datetime | None = None) -> int:
    return forget_files(OutsideDoseImport, now=now)


@transaction.atomic
def import_doses(
    *, upload: OutsideDoseImport, sha256: str, by, today: datetime.date | None = None
) -> list[OutsideDose]:
    """Store every row of the waiting file through ``record_outside_dose``, or none
    (``RuleError``). The rows are checked again first (a dose may have been recorded
    at a screening since the preview)."""
    upload = OutsideDoseImport.objects.select_for_update().filter(pk=upload.pk).first()
    if upload is None:
        raise RuleError(EXPIRED)
    if upload.file_sha256 != sha256:
        raise RuleError(OTHER_FILE)
    today = today or timezone.localdate()
    rows = upload.rows
    check_rows(rows, today=today)
    bad = [row for row in rows if row["problems"]]
    if bad:
        raise RuleError(STALE.format(count=len(bad)))
    patients = Patient.objects.in_bulk({row["store"]["patient_id"] for row in rows})
    products = Product.objects.in_bulk({row["store"]["product_id"] for row in rows} - {None})
    doses = []
    for row in rows:
        store = row["store"]
        try:
            doses.append(
                record_outside_dose(
                    patient=patients[store["patient_id"]],
                    given_on=datetime.date.fromisoformat(store["given_on"]),
                    month_only=store["month_only"],
                    product=products.get(store["product_id"]),
                    units=store["units"],
                    where=store["where"],
                    by=by,
                    today=today,
                )
            )
        except ValidationError as error:  # checked above: the transaction is rolled back
            raise RuleError(STALE.format(count=1)) from error
    upload.delete()
    return doses


def recheck(*, user, today: datetime.date | None = None) -> None:
    """Check the waiting file's rows again and keep their problems (after a refusal)."""
    upload = waiting_for(user)
    if upload is not None:
        check_rows(upload.rows, today=today or timezone.localdate())
        upload.save(update_fields=["rows"])
