"""A final plan's points never change, below the ORM (issue 22).

``planning.plans.finalize_plan`` is the one door that makes a plan final, and every
rule that writes points (``save_plan``, ``finalize_plan``) refuses a final plan. These
PostgreSQL triggers hold the same for every other door, raw SQL included: no INSERT,
UPDATE or DELETE of a point of a final plan (nor moving a point to or from one), and
a final plan is never made a draft again nor its ``finalized_at`` changed. A final
plan's points are therefore read once per process and kept
(``planning.final_points``). The visit's lock (migration 0008) fires first: a signed
visit's row is refused with its own message. On SQLite there are no triggers (as for
0008) and nothing is kept: every view reads the points.
"""

from django.db import migrations

CREATE = """
-- FOR SHARE: a plan being made final in another transaction is waited for, then seen
-- final (a point written beside its finalizing would otherwise commit with it).
CREATE OR REPLACE FUNCTION planning_plan_is_final(plan bigint) RETURNS boolean AS $$
    SELECT coalesce(
        (SELECT status = 'final' FROM planning_treatmentplan WHERE id = plan FOR SHARE),
        false
    )
$$ LANGUAGE sql VOLATILE;

CREATE OR REPLACE FUNCTION planning_refuse_point_of_final_plan() RETURNS trigger AS $$
DECLARE
    old_plan bigint;
    new_plan bigint;
BEGIN
    IF TG_OP <> 'INSERT' THEN old_plan := OLD.plan_id; END IF;
    IF TG_OP <> 'DELETE' THEN new_plan := NEW.plan_id; END IF;
    IF planning_plan_is_final(old_plan) OR planning_plan_is_final(new_plan) THEN
        RAISE EXCEPTION 'plan % is final: its points cannot change', coalesce(old_plan, new_plan);
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION planning_refuse_reopening_final_plan() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'final' AND (
        NEW.status IS DISTINCT FROM OLD.status
        OR NEW.finalized_at IS DISTINCT FROM OLD.finalized_at
        OR NEW.id IS DISTINCT FROM OLD.id
    ) THEN
        RAISE EXCEPTION 'plan % is final: it cannot be reopened', OLD.id;
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER planning_injectionpoint_of_final_plan
    BEFORE INSERT OR UPDATE OR DELETE ON planning_injectionpoint
    FOR EACH ROW EXECUTE FUNCTION planning_refuse_point_of_final_plan();

CREATE TRIGGER planning_treatmentplan_stays_final BEFORE UPDATE ON planning_treatmentplan
    FOR EACH ROW EXECUTE FUNCTION planning_refuse_reopening_final_plan();
"""

DROP = """
DROP TRIGGER IF EXISTS planning_treatmentplan_stays_final ON planning_treatmentplan;
DROP TRIGGER IF EXISTS planning_injectionpoint_of_final_plan ON planning_injectionpoint;
DROP FUNCTION IF EXISTS planning_refuse_reopening_final_plan();
DROP FUNCTION IF EXISTS planning_refuse_point_of_final_plan();
DROP FUNCTION IF EXISTS planning_plan_is_final(bigint);
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)  # no placeholders: RAISE uses %


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("planning", "0015_photo_source_note")]

    operations = [migrations.RunPython(create, drop)]
