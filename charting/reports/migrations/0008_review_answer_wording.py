"""The patient summary's answer to "What if I dislike an effect?" from the cycle's
review (issue 20): its sentences as rows the clinic edits in the Django admin
(``reports.summary_wording.DEFAULTS`` stand in for a missing row)."""

from django.db import migrations

# A copy of the defaults as shipped (the module may change later; this must not).
WORDING = [
    ('answer', 'dislike-moved', 'At your review {your_side} {short} still moved; your next treatment adds units on that side.'),
    ('answer', 'dislike-topped-up', 'At your review {your_side} {short} still moved and had a top-up; your next treatment starts from those units with the top-up on that side.'),
    ('answer', 'dislike-moved-both', 'At your review your {short} still moved on both sides; your next treatment adds units on both sides.'),
    ('answer', 'dislike-moved-middle', 'At your review your {short} still moved; your next treatment adds units to it.'),
    ('answer', 'dislike-settled', 'At your review the treated muscles had relaxed as planned; your next treatment keeps the same units unless you tell us otherwise.'),
    ('answer', 'dislike-reviewed', "If you dislike an effect, call us: we note what and on which side, and change that side's units at your next treatment, from about {next_date}."),
]


def load(apps, schema_editor):
    Wording = apps.get_model("reports", "SummaryWording")
    for kind, key, text in WORDING:
        Wording.objects.get_or_create(kind=kind, key=key, defaults={"text": text})


def unload(apps, schema_editor):
    Wording = apps.get_model("reports", "SummaryWording")
    Wording.objects.filter(kind="answer", key__in=[key for _, key, _ in WORDING]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0007_history_part"),
    ]

    operations = [migrations.RunPython(load, unload)]
