"""Query counts shared by the query-count tests."""

from django.db import connection


def audit_event() -> int:
    """Queries one audit event costs: one call of ``audit_append`` on PostgreSQL (audit
    migration 0003), three statements elsewhere (lock the chain head, insert the
    event, move the head)."""
    return 1 if connection.vendor == "postgresql" else 3
