"""Issue 18, finding 4: three desks create new patients at the same moment. Each
reads the same highest chart number; the unique index lets one insert win and the
others try the next number: three patients saved, no 500, nothing typed lost."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from clinic.models import Patient
from clinic.patients import create_patient
from clinic.roles import Role
from tests.conftest import need
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _form(first_name: str, **overrides) -> dict:
    return {
        "first_name": first_name,
        "last_name": "Racer",
        "date_of_birth": "1990-03-14",
        "sex": "F",
        "phone": "",
        "email": "",
        "chart_number": "",
        "home_location": "",
        "front_desk_notes": "",
        **overrides,
    }


def test_three_new_patients_at_once_all_saved(location):
    need(settings.DATABASE_IS_POSTGRES, "the race needs PostgreSQL's row locks")
    desks = [Client(), Client()]
    for desk in desks:
        desk.force_login(UserFactory(role=Role.FRONT_DESK))
    first_inserted = threading.Barrier(3, timeout=10)
    results: dict[str, object] = {}

    def first_desk():
        # Saves C-000001 and keeps its transaction open until the others have read
        # the highest number (which cannot see this uncommitted row) and tried it.
        try:
            with transaction.atomic():
                results["Ava"] = create_patient(
                    data={"first_name": "Ava", "last_name": "Racer", "date_of_birth": "1990-03-14"}
                )
                first_inserted.wait()
                threading.Event().wait(1.0)  # the others now wait on our chart number
        except Exception as exc:  # reported below
            results["Ava"] = exc
        finally:
            connection.close()

    def other_desk(desk: Client, name: str):
        try:
            first_inserted.wait()
            results[name] = desk.post(reverse("patient_create"), _form(name))
        except Exception as exc:
            results[name] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=first_desk)] + [
        threading.Thread(target=other_desk, args=(desk, name))
        for desk, name in zip(desks, ("Ben", "Cy"), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert isinstance(results["Ava"], Patient), results["Ava"]
    for name in ("Ben", "Cy"):
        assert getattr(results[name], "status_code", results[name]) == 302, name
    numbers = dict(Patient.objects.values_list("first_name", "chart_number"))
    assert numbers["Ava"] == "C-000001"
    assert sorted(numbers.values()) == ["C-000001", "C-000002", "C-000003"]
