"""B-trees for the digits half of patient search on PostgreSQL (SQLite: nothing
to do). They serve ``clinic.search.patient_search_filter``:

- ``patient_chart_upper_idx``: ``chart_number__iexact`` (Django writes
  ``UPPER(chart_number::text) = UPPER('c-000777')``), also the duplicate check
  of the patient form and the audit log's chart-number filter;
- ``patient_chart_tail_idx``: the end of a chart number, ``REVERSE(UPPER(
  chart_number))::text LIKE '777000-C%'``;
- ``patient_phone_tail_idx``: the end of a phone, ``REVERSE(phone_digits)::text
  LIKE '6789%'``.

``text_pattern_ops`` because the database's collation is not C: only then can
a b-tree answer ``LIKE 'prefix%'``. The trigram indexes on the chart number and
the phone digits (0005) served ``icontains`` on digit strings, which search no
longer asks: with an alphabet of ten their lists were long, and PostgreSQL
scanned every patient instead (100-155 ms a query at 200,000 patients; these
b-trees answer in well under a millisecond, docs/benchmarks.md). They are
dropped; the name trigram indexes stay.
"""

from django.db import migrations

INDEXES = [
    ("patient_chart_upper_idx", "UPPER(chart_number)"),
    ("patient_chart_tail_idx", "REVERSE(UPPER(chart_number)) text_pattern_ops"),
    ("patient_phone_tail_idx", "REVERSE(phone_digits) text_pattern_ops"),
]
DROPPED = [
    ("patient_chart_number_trgm", "UPPER(chart_number)"),
    ("patient_phone_digits_trgm", "phone_digits"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, expression in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON clinic_patient ({expression})")
    for name, _ in DROPPED:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    for name, expression in DROPPED:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON clinic_patient "
            f"USING gin ({expression} gin_trgm_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [("clinic", "0005_patient_search_trigram")]

    operations = [migrations.RunPython(create, drop)]
