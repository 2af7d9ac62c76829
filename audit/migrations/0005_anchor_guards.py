"""On PostgreSQL: no TRUNCATE of the audit log, and a chain head that only the
append path moves (issue 18, finding 8).

- ``TRUNCATE audit_auditevent`` / ``audit_chainhead`` is refused (the row
  triggers of migration 0002 do not fire for TRUNCATE). Django's test databases
  (named ``test_…``) are flushed between tests and are let through (unless the
  transaction says ``SET LOCAL audit.test_flush = 'off'``, as the test of this
  refusal does); production settings refuse a database of that name.
- The head's one row may only be written to say what the table says: its seq and
  hash are those of the last event in the table (or 0 and the genesis hash for an
  empty table), and it never moves back; it cannot be deleted. ``audit_append``
  (migration 0003) inserts the event first and then moves the head, so it passes;
  an ``UPDATE audit_chainhead SET seq = ...`` that cuts the chain does not.

A superuser session in replica mode (``session_replication_role = replica``)
skips every trigger: that is what the anchors (``audit.anchors``) are for.
SQLite (development) has no trigger.
"""

from django.db import migrations

REFUSE_TRUNCATE = r"""
CREATE OR REPLACE FUNCTION audit_refuse_truncate() RETURNS trigger AS $$
BEGIN
    -- Django's test databases are flushed between tests; a test that checks this
    -- refusal turns the exception off with SET LOCAL audit.test_flush = 'off'.
    IF current_database() LIKE 'test\_%'
            AND coalesce(current_setting('audit.test_flush', true), '') <> 'off' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the audit log cannot be truncated (% refused)', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""

GUARD_HEAD = """
CREATE OR REPLACE FUNCTION audit_chainhead_guard() RETURNS trigger AS $$
DECLARE
    ok boolean;
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the audit chain head cannot be deleted'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- Events are never deleted and the chain starts at 1, so the last event is the
    -- one with no successor: two lookups of the seq index, whatever the table's size.
    IF NEW.seq = 0 THEN
        ok := NEW.hash = repeat('0', 64)
            AND NOT EXISTS (SELECT 1 FROM audit_auditevent e WHERE e.seq = 1);
    ELSE
        ok := EXISTS (SELECT 1 FROM audit_auditevent e WHERE e.seq = NEW.seq AND e.hash = NEW.hash)
            AND NOT EXISTS (SELECT 1 FROM audit_auditevent e WHERE e.seq = NEW.seq + 1);
    END IF;
    IF NEW.id <> 1 OR NOT ok OR (TG_OP = 'UPDATE' AND NEW.seq < OLD.seq) THEN
        RAISE EXCEPTION 'the audit chain head moves only to the last event appended '
            '(not to event %)', NEW.seq
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql
"""

TRIGGERS = [
    """CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_auditevent
        FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate()""",
    """CREATE TRIGGER audit_chainhead_no_truncate BEFORE TRUNCATE ON audit_chainhead
        FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate()""",
    """CREATE TRIGGER audit_chainhead_append_only
        BEFORE INSERT OR UPDATE OR DELETE ON audit_chainhead
        FOR EACH ROW EXECUTE FUNCTION audit_chainhead_guard()""",
]

DROP = [
    "DROP TRIGGER IF EXISTS audit_chainhead_append_only ON audit_chainhead",
    "DROP TRIGGER IF EXISTS audit_chainhead_no_truncate ON audit_chainhead",
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent",
    "DROP FUNCTION IF EXISTS audit_chainhead_guard()",
    "DROP FUNCTION IF EXISTS audit_refuse_truncate()",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in (REFUSE_TRUNCATE, GUARD_HEAD, *TRIGGERS):
            schema_editor.execute(statement, None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement, None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_action_mismatch")]

    operations = [migrations.RunPython(create, drop)]
