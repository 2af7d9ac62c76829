"""The pages `make bench` measures, each with the role that uses it and a
rotation of paths drawn from the bench data (so caches don't flatter)."""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from clinic.models import Location, Patient, User

from .people import BENCH_DOMAIN, email

ROTATION = 40


@dataclass
class Page:
    name: str
    role: str  # the bench user's email prefix: injector, desk, admin
    paths: list[str] = field(default_factory=list)
    baseline: bool = False


def bench_user(role: str) -> User:
    return User.objects.get(email=email(role, 1))


def session_cookie(user: User, cookie_name: str) -> str:
    """A logged-in session made directly (no login form, so lockouts and CAPTCHAs
    of the sign-in page are not what we measure)."""
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    second_factor(user, store)
    store.create()
    return f"{cookie_name}={store.session_key}"


def second_factor(user: User, store) -> None:
    """With django-otp installed (issue 10; REQUIRE_2FA is on in production), mark
    the session as verified by a confirmed bench TOTP device, as after a code."""
    try:
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice
    except ImportError:
        return
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="bench", defaults={"confirmed": True}
    )
    store[DEVICE_ID_SESSION_KEY] = device.persistent_id


def client_for(user):
    """An in-process test client logged in as ``user``, second factor included."""
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    store = client.session
    second_factor(user, store)
    store.save()
    return client


def search_terms(rng: random.Random) -> list[str]:
    """Name fragments, chart numbers, phone tails and birth dates of bench patients."""
    ids = list(
        Patient.objects.filter(email__endswith=".invalid").values_list("pk", flat=True)[:50000]
    )
    picks = Patient.objects.filter(pk__in=rng.sample(ids, min(len(ids), ROTATION)))
    terms = []
    for n, p in enumerate(picks):
        kind = n % 4
        if kind == 0:
            terms.append(p.last_name[1:5])
        elif kind == 1:
            terms.append(p.chart_number)
        elif kind == 2:
            terms.append(p.phone_digits[-7:])
        else:
            terms.append(p.date_of_birth.isoformat())
    return terms


def build(rng: random.Random) -> list[Page]:
    from planning.models import MovementMap

    locations = list(Location.objects.filter(name__startswith="Bench").values_list("pk", flat=True))
    visits = list(
        MovementMap.objects.filter(visit__injector__email__endswith=BENCH_DOMAIN).values_list(
            "visit_id", flat=True
        )[:20000]
    )
    visits = rng.sample(visits, min(len(visits), ROTATION))
    patients = list(
        Patient.objects.filter(email__endswith=".invalid").values_list("pk", flat=True)[:20000]
    )
    patients = rng.sample(patients, min(len(patients), ROTATION))
    pages = [
        Page("minimal authenticated view (home)", "desk", ["/"], baseline=True),
        Page(
            "patient search",
            "desk",
            [f"/patients/?q={t.replace(' ', '+')}" for t in search_terms(rng)],
        ),
        Page("front desk day view", "desk", [f"/day/?location={pk}" for pk in locations]),
        Page("reviews-due list", "desk", ["/reviews-due/"]),
        Page("patient page (injector)", "injector", [f"/patients/{pk}/" for pk in patients]),
        Page("movement-map page", "injector", [f"/planning/visits/{pk}/map/" for pk in visits]),
    ]
    pages.extend(extra_pages(rng))
    return [p for p in pages if p.paths]


def _warn_unheld_seal_keys(treatments, visit_ids) -> None:
    """Say so when the bench's signed charts are sealed under keys this run does not
    hold (data made with the development settings' key, not ``run.BENCH_SIGNATURE_KEYS``
    as ``make bench`` makes it): every read of them is then the mismatch path (the rows
    read again as models, the part rendered, a mismatch audited), not the everyday read."""
    held = set(settings.SIGNATURE_KEYS)
    unheld = treatments.objects.filter(visit_id__in=visit_ids).exclude(seal_key__in=held).count()
    if unheld:
        print(
            f"warning: {unheld} of the {len(visit_ids)} signed charts are sealed under a key "
            f"this run does not hold ({', '.join(sorted(held))}): the signed chart page is "
            "measured on its mismatch path. Make the data with SIGNATURE_KEYS set as "
            "tools/bench/run.py sets it (make bench does).",
            file=sys.stderr,
        )


def extra_pages(rng: random.Random) -> list[Page]:
    """Pages of apps that may not be installed yet (plans, charts, audit)."""
    found = []
    try:
        from planning.models import TreatmentPlan
    except ImportError:
        TreatmentPlan = None  # noqa: N806 - issue 5 not merged
    if TreatmentPlan is not None:
        from django.db.models import Count

        plans = list(
            TreatmentPlan.objects.annotate(n=Count("points"))
            .filter(n=40, created_by__email__endswith=BENCH_DOMAIN)
            .values_list("pk", flat=True)[:2000]
        )
        plans = rng.sample(plans, min(len(plans), ROTATION))
        found.append(
            Page("plan page, 40 points", "injector", [f"/planning/plans/{pk}/" for pk in plans])
        )
    if apps.is_installed("charting"):  # issue 6: a signed chart, as its injector reads it
        from charting.models import Treatment
        from planning.choices import VisitKind

        charts = list(
            Treatment.objects.signed()
            .filter(visit__kind=VisitKind.TREATMENT, signed_by__email__endswith=BENCH_DOMAIN)
            .values_list("visit_id", flat=True)[:2000]
        )
        charts = rng.sample(charts, min(len(charts), ROTATION))
        _warn_unheld_seal_keys(Treatment, charts)
        found.append(
            Page(
                "signed chart page",
                "injector",
                [reverse("charting:chart", args=[pk]) for pk in charts],
            )
        )
    if apps.is_installed("audit"):  # issue 10: who opened a patient's record, on a day
        from django.utils import timezone

        from audit.models import AuditEvent

        # The latest day before today on which the bench's audit trail has events for the
        # patient (its last visit), not today: the bench's own page loads audit today's
        # reads, hundreds per patient by the end of a run, which no real record collects.
        bench_patients = Patient.objects.filter(email__endswith=".invalid")
        ids = list(bench_patients.values_list("pk", flat=True)[:2000])
        ids = rng.sample(ids, min(len(ids), ROTATION))
        days = {}
        before_today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        trail = AuditEvent.objects.filter(patient_id__in=ids, at__lt=before_today)
        for patient_id, at in trail.order_by("-at").values_list("patient_id", "at"):  # latest
            days.setdefault(patient_id, timezone.localdate(at))
        paths = [
            f"/audit/patients/{pk}/" + (f"?day={days[pk].isoformat()}" if pk in days else "")
            for pk in ids
        ]
        found.append(Page("audit view for a patient", "admin", paths))
    return found
