"""A number that changes whenever the front desk's reviews-due list may change.

The list counts its rows, and how many are overdue, over every open due review
with none of its cycle's review appointments booked: at 200,000 patients 9,301
open rows, each looked up in the appointments, 15-18 ms of the database on
every view (docs/benchmarks.md). ``charting.due_list_counts`` keeps those
counts per version of the list; these triggers give the version. A due review's
any change, and any change to a review appointment, from whatever door (the
pages, the Django admin, a task, a bulk update, raw SQL), writes the next value
of a sequence into the one row of ``charting_duelistversion`` in the writer's
transaction: a reader sees the new version only with the change committed. The
sequence is never reset, so a version is never given twice (a test database's
flush truncates the two tables: their TRUNCATE triggers write the next one).
On SQLite there are no triggers and the counts are not kept.

A review appointment's update counts only where it sets a column the list reads
(kind, status, patient, start): a reminder sent or a desk note is not a new list.

The trigger takes the audit chain's head before the version row, the order every
audited write takes them in: a booking inserts its review appointment before its
audit event, a cancellation, a dismissal or an admin edit logs its audit event
before its update, and with the version taken first two desks at once deadlocked
(review finding; ``tests/charting/test_due_list_counts.py`` runs the two orders at
once). A write that is audited already holds the head; one that is not (a bulk
update) waits for it as an audited one would.
"""

from django.db import migrations

CREATE = """
CREATE SEQUENCE charting_due_list_changes;
CREATE TABLE charting_duelistversion (
    id smallint PRIMARY KEY CHECK (id = 1),
    changed bigint NOT NULL
);
INSERT INTO charting_duelistversion (id, changed) VALUES (1, nextval('charting_due_list_changes'));

CREATE FUNCTION charting_due_list_changed() RETURNS trigger AS $$
BEGIN
    PERFORM 1 FROM audit_chainhead WHERE id = 1 FOR UPDATE;
    INSERT INTO charting_duelistversion (id, changed)
        VALUES (1, nextval('charting_due_list_changes'))
        ON CONFLICT (id) DO UPDATE SET changed = EXCLUDED.changed;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER charting_duereview_list_changed
    AFTER INSERT OR UPDATE OR DELETE ON charting_duereview
    FOR EACH STATEMENT EXECUTE FUNCTION charting_due_list_changed();
CREATE TRIGGER charting_duereview_list_truncated
    AFTER TRUNCATE ON charting_duereview
    FOR EACH STATEMENT EXECUTE FUNCTION charting_due_list_changed();
CREATE TRIGGER clinic_appointment_review_inserted
    AFTER INSERT ON clinic_appointment
    FOR EACH ROW WHEN (NEW.kind = 'review') EXECUTE FUNCTION charting_due_list_changed();
CREATE TRIGGER clinic_appointment_review_updated
    AFTER UPDATE OF kind, status, patient_id, starts_at ON clinic_appointment
    FOR EACH ROW WHEN (OLD.kind = 'review' OR NEW.kind = 'review')
    EXECUTE FUNCTION charting_due_list_changed();
CREATE TRIGGER clinic_appointment_review_deleted
    AFTER DELETE ON clinic_appointment
    FOR EACH ROW WHEN (OLD.kind = 'review') EXECUTE FUNCTION charting_due_list_changed();
CREATE TRIGGER clinic_appointment_list_truncated
    AFTER TRUNCATE ON clinic_appointment
    FOR EACH STATEMENT EXECUTE FUNCTION charting_due_list_changed();
"""

DROP = """
DROP TRIGGER IF EXISTS charting_duereview_list_changed ON charting_duereview;
DROP TRIGGER IF EXISTS charting_duereview_list_truncated ON charting_duereview;
DROP TRIGGER IF EXISTS clinic_appointment_review_inserted ON clinic_appointment;
DROP TRIGGER IF EXISTS clinic_appointment_review_updated ON clinic_appointment;
DROP TRIGGER IF EXISTS clinic_appointment_review_deleted ON clinic_appointment;
DROP TRIGGER IF EXISTS clinic_appointment_list_truncated ON clinic_appointment;
DROP FUNCTION IF EXISTS charting_due_list_changed();
DROP TABLE IF EXISTS charting_duelistversion;
DROP SEQUENCE IF EXISTS charting_due_list_changes;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("charting", "0012_aftercare_email"),
        ("clinic", "0017_location_hours_defaults_callable"),
        ("audit", "0005_anchor_guards"),
    ]

    operations = [migrations.RunPython(create, drop)]
