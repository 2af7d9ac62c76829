"""Writers from many threads (each with its own database connection) take turns
on the chain head, so the chain stays one unbroken line."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connection

from audit.chain import verify_chain
from audit.events import record
from audit.models import Action, AuditEvent
from tests.conftest import need


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain():
    need(settings.DATABASE_IS_POSTGRES, "real concurrent writers need PostgreSQL")
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(15):
                record(action=Action.VIEW, object_type="test.thing", object_id=f"{n}-{i}")
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    seqs = sorted(AuditEvent.objects.values_list("seq", flat=True))
    assert seqs == list(range(seqs[0], seqs[0] + 90))  # no gap, no duplicate
    report = verify_chain()
    assert report.ok, report.problems
