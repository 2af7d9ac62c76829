"""Trigram indexes for patient search on PostgreSQL (SQLite: nothing to do).

They serve ``clinic.search.patient_search_filter``: ``first_name__icontains``,
``last_name__icontains`` and ``chart_number__icontains`` (Django writes
``UPPER(col::text) LIKE UPPER('%word%')``) and ``phone_digits__contains``
(``phone_digits LIKE '%digits%'``), which a b-tree cannot serve. Without them
the patient list scans every patient on each search (47 ms at 20,000 patients
on the bench, growing with the table); see docs/benchmarks.md.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = [
    ("patient_first_name_trgm", "UPPER(first_name)"),
    ("patient_last_name_trgm", "UPPER(last_name)"),
    ("patient_chart_number_trgm", "UPPER(chart_number)"),
    ("patient_phone_digits_trgm", "phone_digits"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, expression in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON clinic_patient "
            f"USING gin ({expression} gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("clinic", "0004_appointment_no_overlap_postgres")]

    operations = [TrigramExtension(), migrations.RunPython(create, drop)]
