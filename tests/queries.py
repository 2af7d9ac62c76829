"""Query counts shared by the query-count tests."""

from django.db import connection


def audit_event() -> int:
    """Queries one audit event costs: one call of ``audit_append`` on PostgreSQL (audit
    migration 0003), three statements elsewhere (lock the chain head, insert the
    event, move the head)."""
    return 1 if connection.vendor == "postgresql" else 3


def joined_read(rows: int) -> int:
    """Queries one ``clinic.joined_read`` read with ``rows`` lists costs beyond its one
    statement: none on PostgreSQL, one per list elsewhere (the ORM's prefetches and
    the latest-row reads)."""
    return 0 if connection.vendor == "postgresql" else rows
