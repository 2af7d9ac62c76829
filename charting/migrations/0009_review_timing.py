"""Review timing (issue 17, finding 4): a touch-up's timing finding and reason, signed
with it; a due review's ``review_from`` (day 10 in its location's zone), from which a
review appointment counts as the cycle's review (required in 0009, a
transaction of its own after the rows are filled)."""

import datetime
from zoneinfo import ZoneInfo

from django.db import migrations, models


def fill_review_from(apps, schema_editor):
    DueReview = apps.get_model("charting", "DueReview")
    for due in DueReview.objects.select_related("location").iterator():
        zone = ZoneInfo(due.location.time_zone)
        day = due.treated_at.astimezone(zone).date() + datetime.timedelta(days=10)
        due.review_from = datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)
        due.save(update_fields=["review_from"])


class Migration(migrations.Migration):
    dependencies = [
        ("charting", "0008_seal_keyed"),
    ]

    operations = [
        migrations.AddField(
            model_name="treatment",
            name="timing_finding",
            field=models.JSONField(
                blank=True,
                db_default=models.Value({}, output_field=models.JSONField()),
                default=dict,
            ),
        ),
        migrations.AddField(
            model_name="treatment",
            name="timing_reason",
            field=models.TextField(blank=True, db_default="", default=""),
        ),
        migrations.AddField(
            model_name="duereview",
            name="review_from",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(fill_review_from, migrations.RunPython.noop),
    ]
