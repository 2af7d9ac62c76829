"""PostgreSQL's cursor for every query: bound on the server, prepared, kept.

Django binds parameters on the client by default, so each query reaches
PostgreSQL as new text and is planned again on every request. For the clinical
pages planning cost more than running: at N = 20,000 the plan page's queries
took 4.1 ms of planning against 0.7 ms of execution, its ORM read of the plan
(a seven-table join) alone 2.45 ms of planning (``python -m tools.bench.cpu
--sql``), and that is database CPU taken from every other request.

With ``server_side_binding`` (Django's own option) and psycopg's
``prepare_threshold`` 0 each query is prepared on its first run on a connection
and PostgreSQL keeps its plan (a generic plan once it has found it no worse than
five custom ones). psycopg keeps the last ``DB_PREPARED_MAX`` per connection (300;
its own default of 100 is less than a web process's pages prepare: the nine bench
pages alone prepare 90, and each one evicted is deallocated and planned again).

One exception: a statement without parameters (a migration's ``RunSQL``, a
trigger's body, a ``TRUNCATE``) runs unprepared, on the simple protocol, which
allows several commands in one string; a prepared statement holds one.

A pooler in transaction mode must keep prepared statements per server connection
(PgBouncer 1.22+ ``max_prepared_statements``: psycopg sends ``DEALLOCATE ALL``
after a rollback), or set ``DB_PREPARE_THRESHOLD=``
(empty): then queries bind on the client as Django's default and none is prepared.
"""

from __future__ import annotations

from django.conf import settings
from django.db.backends.postgresql.base import ServerBindingCursor


class PreparingCursor(ServerBindingCursor):
    def execute(self, query, params=None, *, prepare=None, binary=None):
        if not params and prepare is None:
            prepare = False
        return super().execute(query, params, prepare=prepare, binary=binary)


def keep_prepared(sender, connection, **kwargs) -> None:
    """On each new connection (``connection_created``, connected in config.apps)."""
    if connection.vendor == "postgresql" and connection.features.uses_server_side_binding:
        connection.connection.prepared_max = settings.DB_PREPARED_MAX
