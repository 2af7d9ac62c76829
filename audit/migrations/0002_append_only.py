"""Append-only on PostgreSQL: a trigger refuses UPDATE and DELETE of audit events.

Even a bug or a hand-written SQL statement in the app's own database role
cannot rewrite history; only the table's owner can (by dropping the trigger),
and the hash chain then shows what changed. SQLite (development) has no trigger.
The chain head's single row is created here too.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""

TRIGGER = """
CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()
"""

DROP = [
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent",
    "DROP FUNCTION IF EXISTS audit_event_refuse_change()",
]


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, None)
        schema_editor.execute(TRIGGER, None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement, None)


def create_head(apps, schema_editor):
    apps.get_model("audit", "ChainHead").objects.get_or_create(
        pk=1, defaults={"seq": 0, "hash": "0" * 64}
    )


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(create_trigger, drop_trigger),
        migrations.RunPython(create_head, migrations.RunPython.noop),
    ]
