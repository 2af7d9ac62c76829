"""PostgreSQL triggers that hold the lock of a signed chart below the ORM.

The model layer refuses changes to signed treatments (charting.models.locking);
these triggers refuse them for raw SQL too: UPDATE or DELETE of a signed
treatment, any write to the injections and adverse events of a signed
treatment, and any UPDATE or DELETE of an addendum. Signing itself (the UPDATE
that sets signed_at on an unsigned row) passes. On SQLite there are no triggers;
the content hash (charting.signing.verify) shows a change made behind the ORM.
"""

from django.db import migrations

TABLES_OF_A_CHART = ("charting_injection", "charting_adverseevent")

CREATE = """
CREATE OR REPLACE FUNCTION charting_refuse_signed_treatment() RETURNS trigger AS $$
BEGIN
    IF OLD.signed_at IS NOT NULL THEN
        RAISE EXCEPTION 'treatment % is signed and locked', OLD.id;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER charting_treatment_locked BEFORE UPDATE OR DELETE ON charting_treatment
    FOR EACH ROW EXECUTE FUNCTION charting_refuse_signed_treatment();

CREATE OR REPLACE FUNCTION charting_refuse_row_of_signed_treatment() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND EXISTS (
        SELECT 1 FROM charting_treatment WHERE id = OLD.treatment_id AND signed_at IS NOT NULL
    ) THEN
        RAISE EXCEPTION 'treatment % is signed and locked', OLD.treatment_id;
    END IF;
    IF TG_OP <> 'DELETE' AND EXISTS (
        SELECT 1 FROM charting_treatment WHERE id = NEW.treatment_id AND signed_at IS NOT NULL
    ) THEN
        RAISE EXCEPTION 'treatment % is signed and locked', NEW.treatment_id;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION charting_refuse_addendum_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'addendum % cannot change', OLD.id;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER charting_addendum_locked BEFORE UPDATE OR DELETE ON charting_addendum
    FOR EACH ROW EXECUTE FUNCTION charting_refuse_addendum_change();
"""

DROP = """
DROP TRIGGER IF EXISTS charting_treatment_locked ON charting_treatment;
DROP TRIGGER IF EXISTS charting_addendum_locked ON charting_addendum;
DROP FUNCTION IF EXISTS charting_refuse_signed_treatment();
DROP FUNCTION IF EXISTS charting_refuse_addendum_change();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE, params=None)  # no placeholders: RAISE uses %
    for table in TABLES_OF_A_CHART:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_locked BEFORE INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION charting_refuse_row_of_signed_treatment();"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES_OF_A_CHART:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_locked ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS charting_refuse_row_of_signed_treatment();")
    schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("charting", "0002_consent_text_v1")]

    operations = [migrations.RunPython(create, drop)]
