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

Timestamps are parsed by psycopg's C loader (``fast_timestamps``). Django registers
its own loader for ``timestamptz`` on every connection (to put its time zone on each
value), and because psycopg's C class cannot be subclassed, Django's derives from the
pure-Python one: about 5 µs a value, more than a millisecond of a busy day view's 250
(Django ticket #36960, psycopg issue #1273). Ours has the same ``timezone`` and does
the same ``replace(tzinfo=...)`` on what the C loader parsed in the connection's time
zone; tests/clinic/test_timestamps.py compares the two on every kind of value.
"""

from __future__ import annotations

from django.conf import settings
from django.db.backends.postgresql.base import ServerBindingCursor
from psycopg import adapters as psycopg_adapters
from psycopg.adapt import Loader
from psycopg.postgres import types as pg_types
from psycopg.pq import Format

_TIMESTAMPTZ = pg_types["timestamptz"].oid
# psycopg's own loader of timestamptz text: its C class with psycopg[binary] (this
# project's) or psycopg_c, else the pure-Python one that Django's derives from.
_PSYCOPG_LOADER = psycopg_adapters.get_loader(_TIMESTAMPTZ, Format.TEXT)


class PreparingCursor(ServerBindingCursor):
    def execute(self, query, params=None, *, prepare=None, binary=None):
        if not params and prepare is None:
            prepare = False
        return super().execute(query, params, prepare=prepare, binary=binary)


def keep_prepared(sender, connection, **kwargs) -> None:
    """On each new connection (``connection_created``, connected in config.apps)."""
    if connection.vendor == "postgresql" and connection.features.uses_server_side_binding:
        connection.connection.prepared_max = settings.DB_PREPARED_MAX


def timestamp_loader(timezone, c_loader=_PSYCOPG_LOADER):
    """A timestamptz loader that does what Django's does
    (``django.db.backends.postgresql.psycopg_any.BaseTzLoader``: the value as psycopg
    parses it in the connection's time zone, then ``replace(tzinfo=timezone)``) on
    psycopg's C parsing (``c_loader``); None when psycopg has no C loader."""
    if c_loader is None or c_loader.__module__.startswith("psycopg."):
        return None

    class TimestampLoader(Loader):
        def __init__(self, oid, context=None):
            super().__init__(oid, context)
            self._parse = c_loader(oid, context).load

        def load(self, data):
            return self._parse(data).replace(tzinfo=self.timezone)

    TimestampLoader.timezone = timezone  # what Django's create_cursor compares
    return TimestampLoader


def fast_timestamps(sender, connection, **kwargs) -> None:
    """On each new connection (``connection_created``, connected in config.apps): our
    timestamptz loader in place of Django's, for the connection's time zone."""
    if connection.vendor != "postgresql":
        return
    # psycopg's C loader reads ISO dates (PostgreSQL's default DateStyle); elsewhere
    # Django's own loader stays.
    datestyle = connection.connection.info.parameter_status("DateStyle") or ""
    if not datestyle.startswith("ISO"):
        return
    loader = timestamp_loader(connection.timezone)
    if loader is not None:
        connection.connection.adapters.register_loader(_TIMESTAMPTZ, loader)
