"""The fixed cast of every test: a location, an injector, a front desk user, an
admin and a patient; plus the rules that make CI strict about services."""

from __future__ import annotations

import os
import threading
import warnings

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.backends.base.creation import BaseDatabaseCreation

from clinic.roles import Role

from .factories import LocationFactory, PatientFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() == "true"
# `make test-sqlite`: the tests of the hand-written SQL on SQLite, make run's database,
# with tasks run eagerly (no Redis); allowed under CI, where it runs after `make test`.
SQLITE_RUN = os.environ.get("TEST_SQLITE") == "1"

# One real Celery worker for the whole session (tests ask for ``real_worker``).
pytest_plugins = ["tests.celery_worker"]


def pytest_configure(config):
    if SQLITE_RUN and (settings.DATABASE_IS_POSTGRES or not settings.CELERY_TASK_ALWAYS_EAGER):
        raise pytest.UsageError("TEST_SQLITE=1: unset DATABASE_URL and REDIS_URL (SQLite, eager).")
    if IN_CI and not settings.DATABASE_IS_POSTGRES and not SQLITE_RUN:
        raise pytest.UsageError("CI=true: the tests must run on PostgreSQL (set DATABASE_URL).")
    # Transactional tests put the migrations' reference data back by raw saves after
    # each flush, before the content types are back: django-auditlog, which records
    # edits of reference data (muscles, products, consent texts), must not log those.
    # Outside the tests a raw save (loaddata) is recorded.
    settings.AUDITLOG_DISABLE_ON_RAW_SAVE = True


def _skip_fails_in_ci_sqlite_run(report) -> None:
    """CI's SQLite run skips nothing: a skipped test (or file) there is a failure, so a
    test of the hand-written SQL cannot pass CI by not running on SQLite."""
    if SQLITE_RUN and IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"CI=true: skipped in the SQLite run (make test-sqlite): {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    _skip_fails_in_ci_sqlite_run((yield).get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    _skip_fails_in_ci_sqlite_run((yield).get_result())


def need(condition: bool, reason: str) -> None:
    """Skip when a service is missing on a developer's machine; fail under CI."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true and {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _fast_and_private(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Sessions outlive any clock a test travels to; tests/security sets the real limits.
    settings.SESSION_IDLE_TIMEOUT = settings.SESSION_ABSOLUTE_LIFETIME = 366 * 86400
    settings.SESSION_COOKIE_AGE = 366 * 86400
    settings.PRIVATE_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
    # No pre-render queued by the worker tests' signings (it would lay parts out beside
    # the test's own render); tests/reports/test_prerender.py turns it on.
    settings.HISTORY_PRERENDER = False
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }


@pytest.fixture
def location(db):
    return LocationFactory(name="Riverside Test Clinic")


@pytest.fixture
def other_location(db):
    return LocationFactory(name="Hillcrest Test Studio")


@pytest.fixture
def injector(location):
    return UserFactory(
        email="injector@test.clinic",
        first_name="Ina",
        role=Role.INJECTOR,
        default_location=location,
    )


@pytest.fixture
def front_desk(location):
    return UserFactory(
        email="desk@test.clinic", first_name="Dora", role=Role.FRONT_DESK, default_location=location
    )


@pytest.fixture
def clinic_admin(location):
    return UserFactory(
        email="admin@test.clinic", first_name="Ada", role=Role.ADMIN, default_location=location
    )


@pytest.fixture
def patient(location):
    return PatientFactory(first_name="Maya", last_name="Lockwood", home_location=location)


@pytest.fixture
def cast(injector, front_desk, clinic_admin):
    return {"injector": injector, "front desk": front_desk, "clinic admin": clinic_admin}


def _client_for(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def injector_client(client, injector):
    return _client_for(client, injector)


@pytest.fixture
def desk_client(client, front_desk):
    return _client_for(client, front_desk)


@pytest.fixture
def admin_client(client, clinic_admin):
    return _client_for(client, clinic_admin)


@pytest.fixture(autouse=True)
def _celery_tasks_eager():
    """Celery tasks run in-process (eagerly) in every test, whatever REDIS_URL says;
    the worker tests (tests/reports/conftest.py) switch this off for themselves."""
    from config.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


def pytest_collection_modifyitems(items):
    """Transactional tests (browser, real worker) flush the database after each test.
    With serialized rollback Django puts back what the migrations loaded (roles,
    muscles, products, consent text) before the next one, so each of them starts
    from the same reference data, whatever ran before it."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        transactional = (marker and marker.kwargs.get("transaction")) or "live_server" in getattr(
            item, "fixturenames", ()
        )
        if transactional:
            # With two test processes (pytest-xdist, `make test`), every transactional
            # test runs in one group. A transactional test leaves the database empty
            # (the reference data comes back at the next one's start), so pytest-django
            # orders them after every other database test; xdist sends scopes in that
            # order, so the one group runs after the ordinary tests' files. Spread by
            # file (--dist loadfile), a process went on from a file's transactional
            # tests to the next file's ordinary ones on an empty database.
            item.add_marker(pytest.mark.xdist_group("transactional"))
        if (
            marker
            and marker.kwargs.get("transaction")
            and "serialized_rollback" not in marker.kwargs
        ):
            kwargs = {**marker.kwargs, "serialized_rollback": True}
            item.add_marker(pytest.mark.django_db(*marker.args, **kwargs), append=False)


class _InFlight:
    """Requests the live server's threads have started and not yet finished (Django's
    ``request_started`` / ``request_finished``: the latter once the response is closed,
    that is sent). The test's own thread is left out: its test client sends the same
    signals, and a streamed response it never reads is never closed."""

    def __init__(self) -> None:
        self.count = 0
        self.changed = threading.Condition()
        self.test_thread = threading.get_ident()

    def started(self, **kwargs) -> None:
        if threading.get_ident() != self.test_thread:
            with self.changed:
                self.count += 1

    def finished(self, **kwargs) -> None:
        if threading.get_ident() != self.test_thread:
            with self.changed:
                self.count -= 1
                self.changed.notify_all()

    def wait_idle(self, seconds: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.count <= 0, timeout=seconds)


@pytest.fixture(autouse=True)
def _live_server_idle_before_the_flush(request):
    """A live-server test ends (its browser closed) before the database is flushed; a
    request still being served then (an image the last page asked for, a form the test
    did not wait on) would write after the flush: an audit event moves the chain head
    off 0, the next test's restore of the reference data is refused by the head's
    guard, and every transactional test after it errors (CI, 2026-12-03 22:45 UTC:
    31 errors). Wait for the server to finish what it started before the flush (the
    database fixture's teardown comes after this one's: autouse, set up after it)."""
    if "live_server" not in request.fixturenames:
        yield
        return
    from django.core.signals import request_finished, request_started

    flight = _InFlight()
    request_started.connect(flight.started, dispatch_uid="tests-in-flight-started")
    request_finished.connect(flight.finished, dispatch_uid="tests-in-flight-finished")
    try:
        yield
        idle = flight.wait_idle(30)
    finally:
        request_started.disconnect(dispatch_uid="tests-in-flight-started")
        request_finished.disconnect(dispatch_uid="tests-in-flight-finished")
    if not idle:  # the flush goes ahead; the next restore flushes again if need be
        warnings.warn(
            f"the live server still serves {flight.count} request(s) 30 s after the test",
            stacklevel=1,
        )


@pytest.fixture(scope="session", autouse=True)
def _serialized_contents_for_every_connection(django_db_setup):
    """Django keeps the serialized reference data on the connection object of the
    thread that made the test database. Playwright's event loop in the test thread
    gives later tests a different connection object, which would restore nothing;
    keep the contents on the class so every connection object finds them."""
    from django.db import connections
    from django.db.backends.base.base import BaseDatabaseWrapper

    contents = getattr(connections["default"], "_test_serialized_contents", None)
    if contents is not None:
        BaseDatabaseWrapper._test_serialized_contents = contents
    BaseDatabaseCreation.deserialize_db_from_string = _restore_on_an_empty_database
    yield
    BaseDatabaseCreation.deserialize_db_from_string = _DESERIALIZE
    if contents is not None:
        del BaseDatabaseWrapper._test_serialized_contents


_DESERIALIZE = BaseDatabaseCreation.deserialize_db_from_string


def _restore_on_an_empty_database(creation, data):
    """The reference data goes back on the database the last test's flush emptied.
    Something that wrote after that flush (a request or a task still running when its
    test ended) would leave rows, and the audit chain head's guard then refuses the
    restore of its row at 0, for this test and every transactional one after it (CI,
    2026-12-03: 31 errors from one such write). Flush again, and say what was written,
    as a warning in the run's summary (the action and path of each event: test data)."""
    with creation.connection.cursor() as cursor:
        cursor.execute("SELECT action, object_type, path FROM audit_auditevent ORDER BY seq")
        leaked = cursor.fetchall()
    if leaked:
        warnings.warn(
            f"{len(leaked)} audit event(s) written after the last transactional test's "
            f"flush, flushed again: {leaked[:5]}",
            stacklevel=1,
        )
        call_command(
            "flush",
            verbosity=0,
            interactive=False,
            database=creation.connection.alias,
            inhibit_post_migrate=True,
        )
    _DESERIALIZE(creation, data)
