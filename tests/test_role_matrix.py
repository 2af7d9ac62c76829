"""Walks every URL pattern of the project for every role.

A page must declare its roles with ``clinic.access.role_required`` (or be one of
the few public/any-signed-in pages listed here), so a new page cannot escape
this test. To add a page with a new URL argument, teach ``url_kwargs`` to make
an object for it.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from clinic.roles import Role
from tests.factories import (
    charted_treatment,
    make_appointment,
    make_due_review,
    make_feed,
    make_lot,
    make_next_step,
    make_photo,
    make_plan,
    make_report_job,
    make_review,
    make_visit,
    make_waitlist_entry,
)

PUBLIC = {
    "login",
    "healthz",
    "calendar_feed",
    # Forgot password and the invitation's link (security.onboarding)
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}
ANY_SIGNED_IN = {"logout", "password_change", "password_change_done"}
# The patient's pages (/p/, pre-visit intake): no account, the link is the key;
# they answer every visitor alike (a page or a redirect to the date-of-birth page).
PATIENT_PAGES = {"patient:open", "patient:start", "patient:intake", "patient:done"}
# Clinical namespaces: the front desk may open none of their pages, except these
# (scheduling screens that show names and times only).
CLINICAL_NAMESPACES = {"planning", "charting", "reviews", "reports"}
FRONT_DESK_ALLOWED_IN_CLINICAL: set[str] = set()


def walk(resolvers=None, prefix="", namespace=None):
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            ns = entry.namespace or namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, entry


def all_pages():
    return sorted(walk(), key=lambda item: item[0])


@pytest.fixture
def url_kwargs(patient, injector, location):
    """One object per URL argument name."""
    visit = make_visit(patient=patient, injector=injector, screened=True)  # takes photos
    photo = make_photo(visit=visit)
    plan = make_plan(visit=visit, by=injector, points=[("CORR", "L", 4)])
    job = make_report_job(patient=patient, by=injector)
    treatment = charted_treatment(patient=patient, injector=injector)
    return {
        "patient_id": patient.pk,
        "visit_id": visit.pk,
        "photo_id": photo.pk,
        "appointment_id": make_appointment(patient=patient, injector=injector).pk,
        "due_review_id": make_due_review(patient=patient, injector=injector).pk,
        "token": make_feed(injector=injector).token,
        "uidb64": "MQ",  # a set-password link's user id (its token above is no reset token)
        "plan_id": plan.pk,
        # charting: a chart with consent (its visit is a treatment visit of the same patient)
        "consent_id": treatment.visit.consents.get().pk,
        "lot_id": make_lot(number="RM-1").pk,
        # reviews: the review of that signed chart, and a referral recorded at it
        "review_id": (review := make_review(patient=patient, injector=injector)).pk,
        "step_id": make_next_step(review=review, by=injector).pk,
        "job_id": job.pk,
        "treatment_id": treatment.pk,
        # clinic: a waitlist entry (front desk and admin)
        "waitlist_entry_id": make_waitlist_entry(patient=patient, location=location, by=None).pk,
    }


def build_url(name: str, pattern: URLPattern, kwargs_for: dict) -> str:
    names = list(pattern.pattern.converters)
    missing = [n for n in names if n not in kwargs_for]
    assert not missing, f"{name}: teach url_kwargs how to make {missing}"
    return reverse(name, kwargs={n: kwargs_for[n] for n in names})


def test_every_page_declares_its_roles():
    undeclared = [
        name
        for name, pattern in all_pages()
        if name not in PUBLIC | ANY_SIGNED_IN | PATIENT_PAGES
        and not hasattr(pattern.callback, "allowed_roles")
    ]
    assert undeclared == [], "these views have no @role_required"


def test_front_desk_sees_no_clinical_page():
    leaks = [
        name
        for name, pattern in all_pages()
        if name.split(":")[0] in CLINICAL_NAMESPACES
        and name not in FRONT_DESK_ALLOWED_IN_CLINICAL
        and Role.FRONT_DESK in getattr(pattern.callback, "allowed_roles", ())
    ]
    assert leaks == []


@pytest.mark.django_db
@pytest.mark.parametrize("role", [None, *Role.values])
def test_role_matrix(role, client, cast, url_kwargs):
    if role:
        client.force_login(cast[role])
    failures = []
    for name, pattern in all_pages():
        url = build_url(name, pattern, url_kwargs)
        response = client.get(url)
        status = response.status_code
        allowed = getattr(pattern.callback, "allowed_roles", None)
        if name in PATIENT_PAGES:  # a staff session never holds a patient's link: 403
            expected = {200, 302} if role is None else {200, 302, 403}
        elif name in PUBLIC:
            expected = {200, 302} if name == "login" else {200}
        elif role is None:
            expected = {302}
            if status == 302 and not response["Location"].startswith(reverse("login")):
                failures.append(f"{name}: anonymous redirected elsewhere than login")
        elif name in ANY_SIGNED_IN or role in allowed:
            expected = {200, 302, 405}
        else:
            expected = {403}
        if status not in expected:
            failures.append(f"{name} as {role or 'anonymous'}: {status}, expected {expected}")
    assert failures == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"),
    [(None, 302), (Role.INJECTOR, 302), (Role.FRONT_DESK, 302), (Role.ADMIN, 200)],
)
def test_django_admin_is_for_clinic_admins_only(role, status, client, cast):
    if role:
        client.force_login(cast[role])
    response = client.get("/admin/")
    assert response.status_code == status
    if status == 302:
        assert "login" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "labels"),
    [
        (Role.INJECTOR, ["Home", "Patients", "Day", "My day", "Reviews", "Lots"]),
        (Role.FRONT_DESK, ["Home", "Patients", "Day", "Reviews", "Waitlist"]),
        (
            Role.ADMIN,
            [
                "Home",
                "Patients",
                "Day",
                "Reviews",
                "Waitlist",
                "Lots",
                "Reports",
                "Lot recall",
                "Outcomes",
            ],
        ),
    ],
)
def test_navigation_shows_what_the_role_may_use(role, labels, client, cast):
    client.force_login(cast[role])
    menu = client.get("/").context["menu"]
    assert [item["label"] for item in menu][: len(labels)] == labels
    if role != Role.ADMIN:
        assert "Admin site" not in [item["label"] for item in menu]
