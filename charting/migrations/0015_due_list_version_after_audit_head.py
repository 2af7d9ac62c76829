"""The list's version is taken after the audit chain's head, as every audited write
takes them (review finding, seventh session).

A booking inserts its review appointment (this trigger: the version row) before
its audit event (the head); a cancellation, a dismissal or an admin edit logs its
audit event (the head) before its update (the version row). Two desks at once
deadlocked. The trigger now locks the head first: a write that is audited already
holds it (no new waiting), one that is not (a bulk update) waits for it as an
audited one would. ``tests/charting/test_due_list_counts.py`` runs the two orders at
once.
"""

from django.db import migrations

AFTER_HEAD = """
CREATE OR REPLACE FUNCTION charting_due_list_changed() RETURNS trigger AS $$
BEGIN
    PERFORM 1 FROM audit_chainhead WHERE id = 1 FOR UPDATE;
    INSERT INTO charting_duelistversion (id, changed)
        VALUES (1, nextval('charting_due_list_changes'))
        ON CONFLICT (id) DO UPDATE SET changed = EXCLUDED.changed;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""

BEFORE = """
CREATE OR REPLACE FUNCTION charting_due_list_changed() RETURNS trigger AS $$
BEGIN
    INSERT INTO charting_duelistversion (id, changed)
        VALUES (1, nextval('charting_due_list_changes'))
        ON CONFLICT (id) DO UPDATE SET changed = EXCLUDED.changed;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(AFTER_HEAD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BEFORE, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("charting", "0014_due_review_listed_index"),
        ("audit", "0005_anchor_guards"),
    ]

    operations = [migrations.RunPython(forward, backward)]
