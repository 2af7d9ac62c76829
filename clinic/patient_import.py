"""Patients from another system's CSV: read, check every row, show, then import all
or nothing.

``read_csv`` turns an upload into rows, each with its problems (missing name, bad
date, duplicate of a patient of the clinic by name and date of birth, a chart number
taken or repeated, a row repeated in the file, a cell too long), or refuses the whole
file with a message (not a CSV, an encoding we cannot read, too many rows).
``stage`` keeps the result server-side for its person (``PatientImport``), so the
preview survives a reload; ``import_patients`` checks the rows again against the
clinic as it is now and stores every patient or none (the caller's transaction,
which also records the audit event: who, how many, the file's hash).

Cells are text: a cell starting with ``=``, ``+``, ``-`` or ``@`` is stored as the
text it is (nothing here evaluates anything; CSVs we write go through
``clinic.csv_cells``), and the quote ``clinic.csv_cells`` puts before such a cell is
taken off again. Patient data is never logged.

Doors: the admin's import page (charting/views/patient_import.py). The rows are
checked by the same rules as the new-patient form (``Patient.full_clean``,
``date_of_birth_problem``, ``possible_duplicates``' name and date of birth match)."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Upper
from django.utils import timezone

from clinic.csv_cells import FORMULA_STARTS, safe_row

from .errors import RuleError
from .models import Patient, PatientImport
from .patients import chart_number_for, date_of_birth_problem, next_chart_number

# Limits: one file is at most this many patients (a clinic's whole list fits in a
# few files); a larger file is refused before it is parsed, and memory stays bounded
# by MAX_BYTES (Django keeps an upload over 2.5 MB on disk; we read MAX_BYTES + 1).
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
# A preview is kept this long unimported (the daily sweep and each upload drop older ones).
KEEP = datetime.timedelta(hours=2)
# A cell longer than this is shown cut in the preview (the problem names its length).
SHOWN_CHARS = 80

COLUMNS = {
    # column: (label, required)
    "first_name": ("First name", True),
    "last_name": ("Last name", True),
    "date_of_birth": ("Date of birth", True),
    "sex": ("Sex", False),
    "phone": ("Phone", False),
    "email": ("Email", False),
    "chart_number": ("Chart number", False),
    "front_desk_notes": ("Front desk notes", False),
}
ALIASES = {
    "first": "first_name",
    "given_name": "first_name",
    "firstname": "first_name",
    "last": "last_name",
    "surname": "last_name",
    "family_name": "last_name",
    "lastname": "last_name",
    "dob": "date_of_birth",
    "birth_date": "date_of_birth",
    "birthdate": "date_of_birth",
    "gender": "sex",
    "phone_number": "phone",
    "e_mail": "email",
    "chart": "chart_number",
    "mrn": "chart_number",
    "notes": "front_desk_notes",
}
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y")
SEXES = {
    "": Patient.Sex.UNKNOWN,
    "u": Patient.Sex.UNKNOWN,
    "unknown": Patient.Sex.UNKNOWN,
    "not stated": Patient.Sex.UNKNOWN,
    "f": Patient.Sex.FEMALE,
    "female": Patient.Sex.FEMALE,
    "m": Patient.Sex.MALE,
    "male": Patient.Sex.MALE,
    "x": Patient.Sex.OTHER,
    "other": Patient.Sex.OTHER,
    "non-binary": Patient.Sex.OTHER,
}
TEMPLATE_ROWS = [
    ["Ann", "Example", "1980-04-03", "F", "(555) 010-0199", "ann@example.com", "", ""],
    ["Ben", "Sample", "07/21/1975", "M", "", "", "OLD-1042", "Prefers mornings"],
]

NOT_CSV = (
    "This file cannot be read as a CSV ({why}). Save it from the spreadsheet as "
    "'CSV UTF-8 (comma delimited)' and upload it again."
)
UTF16 = (
    "This file is saved as UTF-16 ('Unicode text'). Save it from the spreadsheet as "
    "'CSV UTF-8 (comma delimited)' and upload it again."
)
UNKNOWN_ENCODING = (
    "This file is neither UTF-8 nor Windows-1252 text, so its names would come out wrong. "
    "Save it from the spreadsheet as 'CSV UTF-8 (comma delimited)' and upload it again."
)
CP1252 = (
    "This file is not UTF-8: it was read as Windows-1252 (Excel's plain 'CSV' on "
    "Windows). Check that names with accents look right below before importing; to be "
    "sure, save it as 'CSV UTF-8' and upload it again."
)
TOO_BIG = (
    "This file is {size}; the most one import takes is {most} MB ({rows:,} patients). "
    "Split the list into files of up to {rows:,} patients and import them one by one."
)
TOO_MANY = (
    "This file has more than {rows:,} patients; the most one import takes is {rows:,}. "
    "Split the list into files of up to {rows:,} patients and import them one by one."
)
STALE = (
    "Since the preview, the clinic's patients changed: {count} of the rows now have a "
    "problem (shown below). Nothing was imported."
)
EXPIRED = "There is no file waiting to be imported (a preview is kept two hours). Upload it again."
OTHER_FILE = (
    "The preview changed since this page was opened (another file was uploaded in "
    "another tab). Check the preview below and import again. Nothing was imported."
)
NUMBER_TAKEN = (
    "Chart number {number} was taken by another desk during the import. Nothing was "
    "imported; import again."
)


@dataclass
class Parsed:
    """A file read: its rows (each with its problems), or the reason it was refused."""

    rows: list[dict] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    encoding: str = ""
    sha256: str = ""
    refusal: str = ""


def template_csv() -> str:
    """The CSV to fill in: the columns we read, and two invented example rows."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(list(COLUMNS))
    for row in TEMPLATE_ROWS:
        writer.writerow(safe_row(row))
    return out.getvalue()


def _decode(data: bytes) -> tuple[str, str, str]:
    """(text, encoding's name, refusal)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "", "", UTF16
    if data.startswith(b"\xef\xbb\xbf"):
        encoding, data = "UTF-8 (with BOM)", data[3:]
    else:
        encoding = "UTF-8"
    try:
        return data.decode("utf-8"), encoding, ""
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252", ""
    except UnicodeDecodeError:
        return "", "", UNKNOWN_ENCODING


def _column(header: str, aliases: dict) -> str:
    name = "_".join(
        header.strip().strip("\ufeff").lower().replace("-", " ").replace("/", " ").split()
    )
    return aliases.get(name, name)


def _cell(value: str) -> str:
    """A cell's text: trimmed, and the quote our CSVs put before a formula-like cell
    taken off (the cell is stored as text either way)."""
    value = value.strip()
    if value.startswith("'") and value[1:2] and value[1] in FORMULA_STARTS:
        value = value[1:]
    return value


# A date written the right way round whose day does not exist (1980-02-30, 13/01/1980).
DATE_SHAPE = re.compile(r"\s*(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{4})\s*$")


def parse_date(text: str) -> datetime.date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def read_csv(upload, *, today: datetime.date | None = None) -> Parsed:
    """Read an uploaded file and check every row; nothing is stored."""
    parsed = read_table(upload, columns=COLUMNS, aliases=ALIASES)
    if not parsed.refusal:
        check_rows(parsed.rows, today=today or timezone.localdate())
    return parsed


def read_table(upload, *, columns: dict, aliases: dict, things: str = "patients") -> Parsed:
    """The one reader of an uploaded CSV (the patients' and the past toxin
    treatments' imports): size and row limits, encoding (BOM, Windows-1252, UTF-16
    refused), delimiter, the header's columns (``columns``: name → (label, required);
    ``aliases``: other names for them), each row's values as text with its line
    number; the rows' problems are the caller's. Nothing is stored."""
    known, aliases_of = columns, aliases
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        return Parsed(refusal=_too_big(size, things))
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return Parsed(refusal=_too_big(len(data), things))
    sha256 = hashlib.sha256(data).hexdigest()
    text, encoding, refusal = _decode(data)
    del data
    if refusal:
        return Parsed(refusal=refusal, sha256=sha256)
    if not text.strip():
        return Parsed(refusal="This file is empty.", sha256=sha256)
    parsed = Parsed(encoding=encoding, sha256=sha256)
    if encoding == "Windows-1252":
        parsed.notices.append(CP1252)
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    try:
        records = list(_records(text, delimiter))
    except csv.Error as exc:
        return Parsed(refusal=NOT_CSV.format(why=str(exc)), sha256=sha256)
    except _TooMany:
        return Parsed(
            refusal=TOO_MANY.format(rows=MAX_ROWS).replace("patients", things), sha256=sha256
        )
    header, *body = records
    names = [_column(h, aliases_of) for h in header[1]]
    missing = [known[c][0] for c, (_, required) in known.items() if required and c not in names]
    if missing:
        return Parsed(
            refusal=(
                "The first line must name the columns; it lacks "
                + ", ".join(missing)
                + ". Download the template to see the columns we read."
            ),
            sha256=sha256,
        )
    ignored = sorted(
        {h.strip() for h, c in zip(header[1], names, strict=True) if c not in known and h.strip()}
    )
    if ignored:
        parsed.notices.append(
            "These columns are not read and will not be imported: " + ", ".join(ignored) + "."
        )
    repeated = sorted({c for c in names if c in known and names.count(c) > 1})
    if repeated:
        return Parsed(
            refusal="The column "
            + ", ".join(known[c][0] for c in repeated)
            + " appears twice in the first line; keep one.",
            sha256=sha256,
        )
    for line, cells in body:
        row = {"line": line, "values": {}, "problems": [], "shape": ""}
        if len(cells) > len(names):
            row["shape"] = (
                f"This line has {len(cells)} cells; the first line names {len(names)} columns."
            )
        for name, value in zip(names, cells, strict=False):
            if name in known:
                row["values"][name] = _cell(value)
        for name in known:
            row["values"].setdefault(name, "")
        parsed.rows.append(row)
    if not parsed.rows:
        return Parsed(refusal=f"This file has a header line and no {things}.", sha256=sha256)
    return parsed


class _TooMany(Exception):
    pass


def _records(text: str, delimiter: str):
    """(line number, cells) of each non-empty record; stops past MAX_ROWS."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    count = 0
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        count += 1
        if count > MAX_ROWS + 1:  # the header and MAX_ROWS patients
            raise _TooMany
        yield reader.line_num, cells


def _too_big(size: int, things: str = "patients") -> str:
    return TOO_BIG.format(
        size=f"{size / 1024 / 1024:.1f} MB", most=MAX_BYTES // 1024 // 1024, rows=MAX_ROWS
    ).replace("patients", things)


def _patient(values: dict) -> Patient:
    return Patient(
        first_name=" ".join(values["first_name"].split()),
        last_name=" ".join(values["last_name"].split()),
        date_of_birth=parse_date(values["date_of_birth"]),
        sex=SEXES.get(values["sex"].lower(), values["sex"]),
        phone=values["phone"],
        email=values["email"],
        chart_number=values["chart_number"].upper(),
        front_desk_notes=values["front_desk_notes"],
    )


def _label(name: str) -> str:
    return COLUMNS[name][0] if name in COLUMNS else name.replace("_", " ").capitalize()


def check_rows(rows: list[dict], *, today: datetime.date) -> None:
    """Set each row's ``problems`` from its values and the clinic's patients now.

    Queries: the chart numbers of the file already taken (one), the patients born on
    the file's dates of birth (one), whatever the number of rows."""
    patients = [_patient(row["values"]) for row in rows]
    numbers = {p.chart_number for p in patients if p.chart_number}
    # Ignoring case, as the new-patient form does ("old-7" is OLD-7's number).
    taken = set(
        Patient.objects.annotate(number=Upper("chart_number"))
        .filter(number__in=numbers)
        .values_list("number", flat=True)
    )
    # The same name and date of birth as a patient of the clinic (possible_duplicates'
    # match: names ignoring case).
    dobs = {p.date_of_birth for p in patients if p.date_of_birth}
    existing: dict[tuple, str] = {}
    for first, last, dob, number in Patient.objects.filter(date_of_birth__in=dobs).values_list(
        "first_name", "last_name", "date_of_birth", "chart_number"
    ):
        existing.setdefault((first.strip().lower(), last.strip().lower(), dob), number)
    seen_people: dict[tuple, int] = {}
    seen_numbers: dict[str, int] = {}
    for row, patient in zip(rows, patients, strict=True):
        problems = [row["shape"]] if row.get("shape") else []
        values = row["values"]
        if not patient.first_name:
            problems.append("No first name.")
        if not patient.last_name:
            problems.append("No last name.")
        if not values["date_of_birth"]:
            problems.append("No date of birth.")
        elif patient.date_of_birth is None and DATE_SHAPE.match(values["date_of_birth"]):
            problems.append(
                f"Date of birth: there is no such day ({values['date_of_birth'].strip()})."
            )
        elif patient.date_of_birth is None:
            problems.append(
                "Date of birth: not a date we read; write it as YYYY-MM-DD (1980-04-03) "
                "or MM/DD/YYYY (04/03/1980)."
            )
        elif problem := date_of_birth_problem(patient.date_of_birth, today=today):
            problems.append(f"Date of birth: {problem}")
        if patient.sex not in Patient.Sex.values:
            problems.append("Sex: write F, M, X (other) or leave it empty.")
            patient.sex = Patient.Sex.UNKNOWN
        try:
            patient.full_clean(
                exclude=[
                    "date_of_birth",
                    "sex",
                    *([] if patient.chart_number else ["chart_number"]),
                ],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                if name in ("first_name", "last_name") and not getattr(patient, name):
                    continue  # said above
                problems.extend(f"{_label(name)}: {m}" for m in messages)
        number = patient.chart_number
        if number:
            if number in taken:
                problems.append(
                    f"Chart number {number} belongs to a patient of the clinic already."
                )
            elif number in seen_numbers:
                problems.append(f"Chart number {number} is also on line {seen_numbers[number]}.")
            seen_numbers.setdefault(number, row["line"])
        if patient.first_name and patient.last_name and patient.date_of_birth:
            person = (patient.first_name.lower(), patient.last_name.lower(), patient.date_of_birth)
            if person in existing:
                problems.append(
                    "Same name and date of birth as the clinic's patient "
                    f"{existing[person]}: already in the clinic."
                )
            elif person in seen_people:
                problems.append(
                    f"Same name and date of birth as line {seen_people[person]} of this file."
                )
            seen_people.setdefault(person, row["line"])
        row["problems"] = problems


def shown(value: str) -> str:
    """A cell as the preview shows it (a 10,000-character cell is cut)."""
    return value if len(value) <= SHOWN_CHARS else value[:SHOWN_CHARS] + "…"


def stage_file(model, *, parsed: Parsed, user, file_name: str):
    """Keep a read file of ``model`` (this import's or another's, e.g. the past toxin
    import) for its person's preview, replacing any earlier one of theirs."""
    forget_files(model)
    upload, _ = model.objects.update_or_create(
        user=user,
        defaults={
            "file_name": file_name[:200],
            "file_sha256": parsed.sha256,
            "encoding": parsed.encoding,
            "rows": parsed.rows,
            "notices": parsed.notices,
            "created_at": timezone.now(),
        },
    )
    return upload


def kept_file(model, user):
    """The person's file of ``model`` waiting to be imported, if it is still kept."""
    return model.objects.filter(user=user, created_at__gte=timezone.now() - KEEP).first()


def stage(*, parsed: Parsed, user, file_name: str) -> PatientImport:
    """Keep a read file for its person's preview (replacing any earlier one)."""
    return stage_file(PatientImport, parsed=parsed, user=user, file_name=file_name)


def waiting_for(user) -> PatientImport | None:
    """The person's file waiting to be imported, if it is still kept."""
    return kept_file(PatientImport, user)


def forget_files(model, *, now: datetime.datetime | None = None) -> int:
    """Delete the files of ``model`` kept past ``KEEP`` (never imported); how many."""
    deleted, _ = model.objects.filter(created_at__lt=(now or timezone.now()) - KEEP).delete()
    return deleted


def forget_old_imports(*, now: datetime.datetime | None = None) -> int:
    return forget_files(PatientImport, now=now)


@transaction.atomic
def import_patients(
    *, upload: PatientImport, sha256: str, today: datetime.date | None = None
) -> list[Patient]:
    """Store every row of the waiting file as a patient, or none (``RuleError``).

    The rows are checked again against the clinic now (a desk may have added one of
    them since the preview); any problem refuses the whole file and the preview is
    updated to show it (saved after the refusal, by ``recheck``). Rows without a chart
    number get the clinic's next free ones (``chart_number_for``), in file order."""
    upload = PatientImport.objects.select_for_update().filter(pk=upload.pk).first()
    if upload is None:
        raise RuleError(EXPIRED)
    if upload.file_sha256 != sha256:
        raise RuleError(OTHER_FILE)
    rows = upload.rows
    check_rows(rows, today=today or timezone.localdate())
    bad = [row for row in rows if row["problems"]]
    if bad:
        raise RuleError(STALE.format(count=len(bad)))
    given = {row["values"]["chart_number"].upper() for row in rows}
    number = int(next_chart_number().rsplit("-", 1)[1])
    patients = []
    for row in rows:
        patient = _patient(row["values"])
        if not patient.chart_number:
            while chart_number_for(number) in given:
                number += 1
            patient.chart_number = chart_number_for(number)
            number += 1
        patient.full_clean(validate_unique=False, validate_constraints=False)
        try:
            patient.save()
        except IntegrityError as error:  # the transaction is rolled back as this leaves
            raise RuleError(NUMBER_TAKEN.format(number=patient.chart_number)) from error
        patients.append(patient)
    upload.delete()
    return patients


def recheck(*, user, today: datetime.date | None = None) -> None:
    """Check the waiting file's rows again and keep their problems (after a refusal)."""
    upload = waiting_for(user)
    if upload is not None:
        check_rows(upload.rows, today=today or timezone.localdate())
        upload.save(update_fields=["rows"])
