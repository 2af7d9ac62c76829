"""One round trip per audit event on PostgreSQL: ``audit_append``.

An event used to cost five statements (BEGIN, lock the chain head, insert,
move the head, COMMIT). This function does the same in the server, in one
call: it locks the head, computes the row's SHA-256 over the payload Python
serialised (``audit.chain``'s exact JSON, split around the two values only the
server knows: the previous hash and the sequence number), inserts the row and
moves the head. ``manage.py verify_audit_chain`` recomputes every hash in
Python, so a difference between the two serialisations would show at once
(tests/audit check it). SQLite keeps the Python path.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_append(
    p_before_prev text, p_before_seq text, p_after_seq text,
    p_at timestamptz, p_actor_id bigint, p_actor_label text, p_role text, p_action text,
    p_object_type text, p_object_id text, p_patient_id bigint, p_ip inet,
    p_request_id text, p_path text, p_detail jsonb,
    OUT o_id bigint, OUT o_seq bigint, OUT o_prev_hash text, OUT o_hash text
) AS $$
BEGIN
    SELECT h.seq + 1, h.hash INTO o_seq, o_prev_hash
        FROM audit_chainhead h WHERE h.id = 1 FOR UPDATE;
    IF NOT FOUND THEN  -- an emptied table (tests flush it): a new chain
        INSERT INTO audit_chainhead (id, seq, hash) VALUES (1, 0, repeat('0', 64))
            ON CONFLICT (id) DO NOTHING;
        SELECT h.seq + 1, h.hash INTO o_seq, o_prev_hash
            FROM audit_chainhead h WHERE h.id = 1 FOR UPDATE;
    END IF;
    o_hash := encode(sha256(convert_to(
        p_before_prev || '"' || o_prev_hash || '"' || p_before_seq || o_seq::text || p_after_seq,
        'UTF8')), 'hex');
    INSERT INTO audit_auditevent (seq, at, actor_id, actor_label, role, action, object_type,
        object_id, patient_id, ip, request_id, path, detail, prev_hash, hash)
    VALUES (o_seq, p_at, p_actor_id, p_actor_label, p_role, p_action, p_object_type,
        p_object_id, p_patient_id, p_ip, p_request_id, p_path, p_detail, o_prev_hash, o_hash)
    RETURNING id INTO o_id;
    UPDATE audit_chainhead SET seq = o_seq, hash = o_hash WHERE id = 1;
END;
$$ LANGUAGE plpgsql
"""

DROP = (
    "DROP FUNCTION IF EXISTS audit_append(text, text, text, timestamptz, bigint, text, text, "
    "text, text, text, bigint, inet, text, text, jsonb)"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]

    operations = [migrations.RunPython(create, drop)]
