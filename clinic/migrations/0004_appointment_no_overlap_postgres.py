"""PostgreSQL only: one injector, and one patient, never in two overlapping
appointments that hold time (not cancelled, not no-show).

The constraints are not declared on the model so that SQLite keeps working;
there the booking form's check (clinic.scheduling.find_clashes) is the guard.
Booking code turns a violation (SQLSTATE 23P01) into the same clash message.
"""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations
from django.db.models import Func, Q

HOLDING = Q(status__in=["booked", "arrived", "in_treatment", "completed"])


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = None

    def __init__(self, *expressions):
        from django.contrib.postgres.fields import DateTimeRangeField

        super().__init__(*expressions, output_field=DateTimeRangeField())


def constraints():
    span = TsTzRange("starts_at", "ends_at", RangeBoundary())
    return [
        ExclusionConstraint(
            name=f"appointment_{who}_no_overlap",
            expressions=[(f"{who}_id", RangeOperators.EQUAL), (span, RangeOperators.OVERLAPS)],
            condition=HOLDING,
            index_type="gist",
        )
        for who in ("injector", "patient")
    ]


def add(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    model = apps.get_model("clinic", "Appointment")
    for constraint in constraints():
        schema_editor.add_constraint(model, constraint)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    model = apps.get_model("clinic", "Appointment")
    for constraint in constraints():
        schema_editor.remove_constraint(model, constraint)


class Migration(migrations.Migration):
    dependencies = [("clinic", "0003_appointments")]

    operations = [
        BtreeGistExtension(),  # does nothing on other databases
        migrations.RunPython(add, remove),
    ]
