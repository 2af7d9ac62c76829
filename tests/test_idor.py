"""Insecure direct object references: every URL pattern that takes an object id
refuses users who may not see that object, and a guessed id is no way in.

Walks the URL patterns like the role matrix (same ``walk()`` and
``url_kwargs``), so a new page with an id is checked the day it is added. For
each such page:

- anonymous: sent to sign in;
- a member of staff with no role: 403;
- each role the page does not admit: 403;
- each role it admits, with every id swapped for one that does not exist: 404;
- each role it admits, with the ids of objects that role may not see
  (``foreign_url_kwargs``): 403 or 404.

When an object kind is scoped (a photo only its clinic sees, a draft only its
author edits), teach ``foreign_url_kwargs`` to make one such object per role.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from clinic.roles import Role
from tests import test_role_matrix as matrix
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# The role matrix's walk and its fixture that builds one object per URL argument.
PUBLIC, all_pages, build_url = matrix.PUBLIC, matrix.all_pages, matrix.build_url
ANY_SIGNED_IN = matrix.ANY_SIGNED_IN
# The patient's pages take a link's token, no object id: a guessed or reused token
# is tests/planning/test_patient_intake.py's.
PATIENT_PAGES = matrix.PATIENT_PAGES
url_kwargs = matrix.url_kwargs
UNKNOWN_ID = 987_654_321


def pages_with_ids():
    return [
        (name, pattern)
        for name, pattern in all_pages()
        if pattern.pattern.converters and name not in PUBLIC | ANY_SIGNED_IN | PATIENT_PAGES
    ]


def test_there_are_pages_with_ids_to_check():
    assert pages_with_ids(), "the walk found no page with an object id"


def test_anonymous_users_are_sent_to_sign_in(client, url_kwargs):
    failures = []
    for name, pattern in pages_with_ids():
        response = client.get(build_url(name, pattern, url_kwargs))
        if response.status_code != 302 or not response["Location"].startswith(reverse("login")):
            failures.append(f"{name}: {response.status_code}")
    assert failures == []


def refusals(client, pages, kwargs, *, expected, who=""):
    """Each GET and POST of ``pages`` (with ``kwargs`` in the URL) answered with a
    status not in ``expected``."""
    failures = []
    for name, pattern in pages:
        url = build_url(name, pattern, kwargs)
        for method in ("get", "post"):
            status = getattr(client, method)(url).status_code
            if status not in expected:
                failures.append(f"{method.upper()} {name}{who}: {status}")
    return failures


def test_staff_without_a_role_see_no_object(client, url_kwargs):
    client.force_login(UserFactory(email="norole@test.clinic"))
    assert refusals(client, pages_with_ids(), url_kwargs, expected=(403, 405)) == []


@pytest.mark.parametrize("role", Role.values)
def test_a_role_the_page_does_not_admit_gets_403(role, client, cast, url_kwargs):
    client.force_login(cast[role])
    pages = [(n, p) for n, p in pages_with_ids() if role not in p.callback.allowed_roles]
    failures = refusals(client, pages, url_kwargs, expected=(403, 405), who=f" as {role}")
    assert failures == []


@pytest.mark.parametrize("role", Role.values)
def test_a_guessed_id_is_not_found(role, client, cast, url_kwargs):
    client.force_login(cast[role])
    unknown = dict.fromkeys(url_kwargs, UNKNOWN_ID)
    pages = [(n, p) for n, p in pages_with_ids() if role in p.callback.allowed_roles]
    failures = refusals(client, pages, unknown, expected=(403, 404, 405), who=f" as {role}")
    assert failures == []


@pytest.fixture
def foreign_url_kwargs(url_kwargs, clinic_admin):
    """Per role: URL arguments naming objects that role may not see although it may open
    their kind of page. Patients are open to every staff role; the one object-level
    rule today: the clinic-wide history export is the admin's (an injector opens the
    report pages of patients, never the export). A role with nothing foreign is not
    listed: its test would assert nothing."""
    from django.utils import timezone

    from charting.reports.models import Kind
    from tests.factories.reports import make_report_job

    today = timezone.localdate()
    export = make_report_job(
        by=clinic_admin, kind=Kind.HISTORY_EXPORT, date_from=today, date_to=today
    )
    return {Role.INJECTOR: {"job_id": export.pk}}


@pytest.mark.parametrize("role", [Role.INJECTOR])
def test_objects_a_role_may_not_see_stay_closed(
    role,
    client,
    cast,
    url_kwargs,
    foreign_url_kwargs,
):
    client.force_login(cast[role])
    foreign = foreign_url_kwargs[role]
    pages = [
        (name, pattern)
        for name, pattern in pages_with_ids()
        if role in pattern.callback.allowed_roles and set(pattern.pattern.converters) & set(foreign)
    ]
    assert pages, "no page of this role names a foreign object: the test would prove nothing"
    kwargs = {**url_kwargs, **foreign}
    failures = refusals(client, pages, kwargs, expected=(403, 404, 405), who=f" as {role}")
    assert failures == []


def test_an_id_that_is_not_a_number_does_not_resolve(injector_client, patient):
    for url in (f"/patients/{patient.pk}x/", "/patients/-1/", "/patients/1e3/"):
        assert injector_client.get(url).status_code == 404
