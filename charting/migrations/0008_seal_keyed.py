"""The keyed seal (issue 18): which content format and which key sealed a signed
treatment, and the snapshot of the names it showed (charting.seal).

Rows signed before are format 1 with no key (their plain SHA-256 stays as it was;
``manage.py reseal_signatures`` verifies it and re-seals it under the current key).
The lock trigger of migration 0003 now lets one UPDATE through on a signed
treatment: one that changes nothing but the seal (``content_hash``, ``seal_key``),
which is what re-sealing writes; without the key such a write can only break a seal.
"""

from django.db import migrations, models

LOCK_WITH_RESEAL = """
CREATE OR REPLACE FUNCTION charting_refuse_signed_treatment() RETURNS trigger AS $$
BEGIN
    IF OLD.signed_at IS NOT NULL THEN
        IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) - 'content_hash' - 'seal_key')
                = (to_jsonb(OLD) - 'content_hash' - 'seal_key') THEN
            RETURN NEW;  -- re-sealing under another key (charting.seal.reseal)
        END IF;
        RAISE EXCEPTION 'treatment % is signed and locked', OLD.id;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
"""

LOCK_AS_BEFORE = """
CREATE OR REPLACE FUNCTION charting_refuse_signed_treatment() RETURNS trigger AS $$
BEGIN
    IF OLD.signed_at IS NOT NULL THEN
        RAISE EXCEPTION 'treatment % is signed and locked', OLD.id;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
"""


def lock_with_reseal(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(LOCK_WITH_RESEAL, params=None)  # no placeholders: RAISE uses %


def lock_as_before(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(LOCK_AS_BEFORE, params=None)


class Migration(migrations.Migration):
    dependencies = [("charting", "0007_lock_signed_visits")]

    operations = [
        migrations.AddField(
            model_name="treatment",
            name="seal_format",
            field=models.PositiveSmallIntegerField(db_default=1, default=1),
        ),
        migrations.AddField(
            model_name="treatment",
            name="seal_key",
            field=models.CharField(blank=True, db_default="", default="", max_length=16),
        ),
        migrations.AddField(
            model_name="treatment",
            name="signed_snapshot",
            field=models.JSONField(
                blank=True,
                db_default=models.Value({}, output_field=models.JSONField()),
                default=dict,
            ),
        ),
        migrations.AlterField(
            model_name="treatment",
            name="content_hash",
            field=models.CharField(
                blank=True,
                help_text="The seal: HMAC-SHA256 of the signed content under the key "
                "seal_key (plain SHA-256 when seal_key is empty, the old unkeyed seal); "
                "charting.seal.",
                max_length=64,
            ),
        ),
        migrations.RunPython(lock_with_reseal, lock_as_before),
    ]
