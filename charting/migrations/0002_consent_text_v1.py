"""The first consent text (version 1). Clinic admins add later versions in the admin."""

from django.db import migrations

TITLE = "Consent to botulinum toxin treatment"
BODY = """I ask to be treated with botulinum toxin type A by the injector named on this record, in the areas listed below.

The injector has explained how the treatment works: the effect starts after 2 to 5 days, peaks at about two weeks and usually lasts 3 to 4 months. A review at about two weeks is part of the treatment, when a small touch-up may be given.

I understand the common effects: redness, swelling, bruising or pain where the needle went in, and headache. Less common: a drooping eyelid or brow, an uneven smile or expression, which usually settle within weeks. Rarely, the effect may spread beyond the treated area, causing trouble swallowing, speaking or breathing: I will call the clinic or emergency services at once if this happens.

I have told the injector about pregnancy or breastfeeding, neuromuscular disease, allergies, medicines and previous treatments. I know that results vary and are not guaranteed.

Where the plan includes areas outside the product's approved (label) uses, this is listed as off-label use below, and the injector has explained it to me.

I have had the chance to ask questions and I consent to the treatment. I may withdraw this consent at any time before the treatment."""


def add_v1(apps, schema_editor):
    ConsentText = apps.get_model("charting", "ConsentText")
    ConsentText.objects.get_or_create(version=1, defaults={"title": TITLE, "body": BODY})


def remove_v1(apps, schema_editor):
    ConsentText = apps.get_model("charting", "ConsentText")
    ConsentText.objects.filter(version=1, consents__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("charting", "0001_initial")]

    operations = [migrations.RunPython(add_v1, remove_v1)]
