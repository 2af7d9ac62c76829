"""Treatment rooms, and the end of each appointment's blocked time (its end plus
its kind's turnover, clinic.buffers).

On PostgreSQL only, as 0004: the injector's exclusion constraint now spans
[starts_at, blocked_until), and a room's (new) the same; the patient's stays
[starts_at, ends_at) (the patient is free at the end). Existing rows block until
their end (no turnover was booked with them).
"""

import django.db.models.deletion
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.db import migrations, models

import clinic.models.appointments

HOLDING = models.Q(status__in=["booked", "arrived", "in_treatment", "completed"])


def span(end: str):
    from django.contrib.postgres.fields import DateTimeRangeField

    return models.Func(
        "starts_at", end, RangeBoundary(), function="TSTZRANGE", output_field=DateTimeRangeField()
    )


def no_overlap(who: str, end: str) -> ExclusionConstraint:
    return ExclusionConstraint(
        name=f"appointment_{who}_no_overlap",
        expressions=[(f"{who}_id", RangeOperators.EQUAL), (span(end), RangeOperators.OVERLAPS)],
        condition=HOLDING,
        index_type="gist",
    )


def with_turnover(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    model = apps.get_model("clinic", "Appointment")
    schema_editor.remove_constraint(model, no_overlap("injector", "ends_at"))
    schema_editor.add_constraint(model, no_overlap("injector", "blocked_until"))
    schema_editor.add_constraint(model, no_overlap("room", "blocked_until"))


def without_turnover(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    model = apps.get_model("clinic", "Appointment")
    schema_editor.remove_constraint(model, no_overlap("room", "blocked_until"))
    schema_editor.remove_constraint(model, no_overlap("injector", "blocked_until"))
    schema_editor.add_constraint(model, no_overlap("injector", "ends_at"))


class Migration(migrations.Migration):
    dependencies = [("clinic", "0012_opening_and_working_hours")]

    operations = [
        migrations.CreateModel(
            name="Room",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(help_text="As the desk says it, e.g. Room 2.", max_length=60),
                ),
                (
                    "is_active",
                    models.BooleanField(
                        default=True,
                        help_text="A room out of use takes no new bookings.",
                        verbose_name="in use",
                    ),
                ),
                (
                    "location",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="rooms",
                        to="clinic.location",
                    ),
                ),
            ],
            options={
                "ordering": ["name", "id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("location", "name"), name="room_name_once_per_location"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="appointment",
            name="room",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty: the first free room, for the kinds that need one.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="appointments",
                to="clinic.room",
            ),
        ),
        migrations.AddField(
            model_name="appointment",
            name="blocked_until",
            field=models.DateTimeField(null=True, editable=False),
        ),
        migrations.RunSQL(
            "UPDATE clinic_appointment SET blocked_until = ends_at", migrations.RunSQL.noop
        ),
        migrations.AlterField(
            model_name="appointment",
            name="blocked_until",
            field=clinic.models.appointments.BlockedUntilField(
                editable=False,
                help_text="Stored in UTC: the end and the kind's turnover (clinic.buffers).",
            ),
        ),
        migrations.AddConstraint(
            model_name="appointment",
            constraint=models.CheckConstraint(
                condition=models.Q(blocked_until__gte=models.F("ends_at")),
                name="appointment_blocked_until_its_end_at_least",
            ),
        ),
        migrations.RunPython(with_turnover, without_turnover),
    ]
