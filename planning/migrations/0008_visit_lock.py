"""The lock of a signed visit's baseline (planning.models.locking), below the ORM.

``Visit.locked_at`` is set by charting.signing.seal when the visit's treatment is
signed. PostgreSQL triggers then refuse, for raw SQL too: any INSERT, UPDATE or
DELETE of the visit's screenings, movement map and its cells, plans and their
points, and photos; clearing or changing ``locked_at``; deleting the visit. On
SQLite there are no triggers (as for the chart, charting/0003); the model layer
holds the lock there. Existing signed visits are locked by charting/0007.
"""

from django.db import migrations, models

ROWS_OF_A_VISIT = (
    "planning_screening",
    "planning_movementmap",
    "planning_observation",
    "planning_treatmentplan",
    "planning_injectionpoint",
    "planning_photo",
)

CREATE = """
CREATE OR REPLACE FUNCTION planning_visit_is_locked(visit bigint) RETURNS boolean AS $$
    SELECT EXISTS (SELECT 1 FROM planning_visit WHERE id = visit AND locked_at IS NOT NULL)
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION planning_refuse_row_of_locked_visit() RETURNS trigger AS $$
DECLARE
    old_visit bigint;
    new_visit bigint;
BEGIN
    IF TG_TABLE_NAME = 'planning_observation' THEN
        IF TG_OP <> 'INSERT' THEN
            SELECT visit_id INTO old_visit FROM planning_movementmap WHERE id = OLD.movement_map_id;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            SELECT visit_id INTO new_visit FROM planning_movementmap WHERE id = NEW.movement_map_id;
        END IF;
    ELSIF TG_TABLE_NAME = 'planning_injectionpoint' THEN
        IF TG_OP <> 'INSERT' THEN
            SELECT visit_id INTO old_visit FROM planning_treatmentplan WHERE id = OLD.plan_id;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            SELECT visit_id INTO new_visit FROM planning_treatmentplan WHERE id = NEW.plan_id;
        END IF;
    ELSE
        IF TG_OP <> 'INSERT' THEN old_visit := OLD.visit_id; END IF;
        IF TG_OP <> 'DELETE' THEN new_visit := NEW.visit_id; END IF;
    END IF;
    IF planning_visit_is_locked(old_visit) OR planning_visit_is_locked(new_visit) THEN
        RAISE EXCEPTION 'visit % is signed and locked', coalesce(old_visit, new_visit);
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION planning_refuse_unlocking_visit() RETURNS trigger AS $$
BEGIN
    IF OLD.locked_at IS NOT NULL
       AND (TG_OP = 'DELETE' OR NEW.locked_at IS DISTINCT FROM OLD.locked_at) THEN
        RAISE EXCEPTION 'visit % is signed and locked', OLD.id;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER planning_visit_locked BEFORE UPDATE OR DELETE ON planning_visit
    FOR EACH ROW EXECUTE FUNCTION planning_refuse_unlocking_visit();
"""

DROP = """
DROP TRIGGER IF EXISTS planning_visit_locked ON planning_visit;
DROP FUNCTION IF EXISTS planning_refuse_unlocking_visit();
DROP FUNCTION IF EXISTS planning_refuse_row_of_locked_visit();
DROP FUNCTION IF EXISTS planning_visit_is_locked(bigint);
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE, params=None)  # no placeholders: RAISE uses %
    for table in ROWS_OF_A_VISIT:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_locked BEFORE INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION planning_refuse_row_of_locked_visit();"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in ROWS_OF_A_VISIT:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_locked ON {table};")
    schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("planning", "0007_frontalis_midline_site")]

    operations = [
        migrations.AddField(
            model_name="visit",
            name="locked_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(create, drop),
    ]
