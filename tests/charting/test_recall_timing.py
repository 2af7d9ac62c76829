"""Recall timing per area (issue 20): glabella, crow's feet, Daxxify, the patient's own
interval after three cycles, and never before the 90-day interval.

Doors of the rule (``charting.recall_timing.recall_window``): the front desk's recall
list (``next_cycle_recall`` page, ``patients_due_back``), the injector's history and
next cycle page (``reviews:cycles``), the durations in the Django admin
(``EffectDuration``, edited here as an admin would), planning's migration 0009 (the
shipped figures read below)."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from charting.next_cycle_recall import patients_due_back
from charting.recall_timing import DurationTable, recall_window
from charting.signing import seal
from planning.models import EffectDuration, Muscle, Product
from tests.factories import PatientFactory, charted_treatment
from tests.factories.charting import days_ago as local_days_ago

pytestmark = pytest.mark.django_db

GLABELLA = [("CORR", "L", 4), ("CORR", "R", 4), ("PROC", "C", 4)]
CROWS_FEET = [("OOC", "L", 4), ("OOC", "R", 4)]
LIPS = [("OOR", "L", 1), ("OOR", "R", 1)]


def treated(injector, days_ago: int, *, points=GLABELLA, product=None, patient=None):
    """A patient with a signed treatment of ``points`` ``days_ago`` days ago."""
    patient = patient or PatientFactory()
    treatment = charted_treatment(
        patient=patient,
        injector=injector,
        points=points,
        product=product,
        started_at=local_days_ago(days_ago),
    )
    seal(treatment=treatment, by=injector, at=treatment.started_at)
    return patient


def daxxify() -> Product:
    return Product.objects.get(code="daxxify")


def window_of(codes, *, product=None, cycle_days=()):
    day = datetime.date(2026, 1, 10)
    window = recall_window(
        treated_on=day,
        product_id=product.pk if product else None,
        muscle_ids=set(Muscle.objects.filter(code__in=codes).values_list("pk", flat=True)),
        cycle_days=[*cycle_days, day] if cycle_days else (),
        table=DurationTable.load(),
    )
    return (window.opens - day).days, (window.closes - day).days


def test_the_shipped_durations_per_area_and_product():
    """The migration's figures (REFERENCE.md Timing): glabella 3–4 months, crow's feet
    2.5–3.5 held at 90 days, Daxxify about 6 months, lips 2–3 held at 90."""
    assert window_of(["CORR", "PROC"]) == (90, 120)
    assert window_of(["OOC"]) == (90, 105)
    assert window_of(["CORR", "PROC"], product=daxxify()) == (165, 195)
    assert window_of(["OOR"]) == (90, 90)
    # Glabella and crow's feet together: due when the first area wears off.
    assert window_of(["CORR", "OOC"]) == (90, 105)
    assert window_of([]) == (90, 120)  # no charted areas: the general 3–4 months


def test_the_patients_own_interval_from_three_cycles():
    two = [datetime.date(2025, 6, 1)]
    assert window_of(["CORR"], cycle_days=two) == (90, 120)  # two cycles: the areas
    last = datetime.date(2026, 1, 10)  # window_of's treatment day
    three = [last - datetime.timedelta(days=d) for d in (320, 160)]  # every 160 days
    assert window_of(["CORR"], cycle_days=three) == (146, 174)


def test_never_before_90_days_whatever_the_areas_or_the_interval():
    """Guard (seen red with the floor's ``max(low, floor)`` taken out of
    ``recall_timing.recall_window``): an admin's 30–60 day row and a 40-day habit still
    open at day 90."""
    row = EffectDuration.objects.get(area_code="lips", product=None)
    row.min_days, row.max_days = 30, 60
    row.full_clean()
    row.save()
    assert window_of(["OOR"]) == (90, 90)
    habit = [datetime.date(2025, 11, 20), datetime.date(2025, 12, 1)]
    assert window_of(["CORR"], cycle_days=habit)[0] == 90


def test_the_recall_list_by_area(injector):
    glabella_100 = treated(injector, 100)
    crows_feet_100 = treated(injector, 100, points=CROWS_FEET)
    crows_feet_110 = treated(injector, 110, points=CROWS_FEET)  # past 105 days
    glabella_115 = treated(injector, 115)
    daxxify_100 = treated(injector, 100, product=daxxify())
    daxxify_170 = treated(injector, 170, product=daxxify())
    glabella_170 = treated(injector, 170)
    found = {p: p.recall for p in patients_due_back(today=timezone.localdate())}
    assert {glabella_100, crows_feet_100, glabella_115, daxxify_170} <= set(found)
    assert not set(found) & {crows_feet_110, daxxify_100, glabella_170}
    assert "Daxxify" in found[daxxify_170].basis


def test_the_recall_list_never_before_90_days(injector):
    """Guard (seen red with ``MIN_INTERVAL_DAYS`` planted at 60): lips last 2–3 months,
    yet a lip treatment 70 days ago is not recalled; at 90 days it is."""
    lips_70 = treated(injector, 70, points=LIPS)
    lips_90 = treated(injector, 90, points=LIPS)
    found = set(patients_due_back(today=timezone.localdate()))
    assert lips_90 in found
    assert lips_70 not in found


def test_the_recall_list_follows_the_patients_own_interval(injector):
    """Three cycles 150 days apart: due at 150 days although glabella says 90–120."""
    regular = treated(injector, 450)
    treated(injector, 300, patient=regular)
    treated(injector, 150, patient=regular)
    found = {p: p.recall for p in patients_due_back(today=timezone.localdate())}
    assert regular in found
    assert found[regular].basis.startswith("Own interval: about 150 days over 3 cycles")


def test_the_recall_page_shows_the_window_not_the_areas(desk_client, injector, location):
    patient = treated(injector, 100, points=CROWS_FEET)
    patient.home_location = location
    patient.save()
    page = desk_client.get(reverse("next_cycle_recall"))
    assert page.status_code == 200
    assert f'data-testid="recall-window-{patient.pk}"' in page.text
    assert "Crow" not in page.text  # the areas treated are clinical detail


def test_the_next_cycle_page_gives_the_date_and_its_basis(injector_client, injector):
    patient = treated(injector, 30, product=daxxify())
    page = injector_client.get(reverse("reviews:cycles", args=[patient.pk]))
    assert page.status_code == 200
    opens = timezone.localdate() - datetime.timedelta(days=30) + datetime.timedelta(days=165)
    assert 'data-testid="next-cycle-due"' in page.text
    assert f"{opens:%b} {opens.day}, {opens.year}" in page.text
    assert "Any area (Daxxify) 165–195 days" in page.text


@pytest.mark.parametrize("patients", [3, 12])
def test_the_recall_list_in_constant_queries(
    patients, injector, desk_client, location, django_assert_num_queries
):
    for n in range(patients):
        patient = treated(injector, 95 + n % 5, points=CROWS_FEET if n % 2 else GLABELLA)
        patient.home_location = location
        patient.save()
    # 1 session, 2 user, 3 roles, 4 the active location, 5 the candidates, 6 their signed
    # treatments, 7 those treatments' injections, 8 the effect durations, 9 their
    # muscles, 10 the navigation bar's locations
    with django_assert_num_queries(10):
        page = desk_client.get(reverse("next_cycle_recall"))
    assert page.text.count('data-testid="recall-window-') == patients


def test_the_clinic_admin_edits_a_duration_in_the_admin(admin_client):
    """The admin door: a changed row moves the window (and a longest below the shortest
    is refused with a message)."""
    row = EffectDuration.objects.get(area_code="lateral-canthal", product=None)
    url = reverse("admin:planning_effectduration_change", args=[row.pk])
    assert admin_client.get(url).status_code == 200
    data = {
        "area_code": row.area_code,
        "area": row.area,
        "product": "",
        "muscles": [m.pk for m in row.muscles.all()],
        "min_days": "95",
        "max_days": "110",
        "source_note": "clinic's own",
    }
    assert admin_client.post(url, data).status_code == 302
    assert window_of(["OOC"]) == (95, 110)
    refused = admin_client.post(url, {**data, "min_days": "120"})
    assert refused.status_code == 200
    assert "The longest is below the shortest." in refused.text


def shown_window(page) -> str:
    """The next cycle's window as a page shows it (``data-testid="next-cycle-window"``)."""
    match = re.search(r'data-testid="next-cycle-window">([^<]*)<', page.text)
    assert match, "no next-cycle window on the page"
    return match.group(1)


@pytest.mark.parametrize(
    ("points", "code", "days"),
    [(GLABELLA, None, (90, 120)), (CROWS_FEET, None, (90, 105)), (GLABELLA, "daxxify", (165, 195))],
    ids=["glabella", "crow's feet", "Daxxify"],
)
def test_the_plan_page_and_the_history_page_show_the_same_window(
    injector_client, injector, points, code, days
):
    """The next cycle's window on the plan page (planning.treatment_history.next_cycle)
    and on the history page (reviews.cycles.next_cycle_recall) come from the one rule,
    ``recall_timing.recall_window``; per area and product, held at 90 days."""
    from tests.factories import make_plan, make_visit

    product = Product.objects.get(code=code) if code else None
    patient = treated(injector, 30, points=points, product=product)
    visit = make_visit(patient=patient, injector=injector, kind="treatment", screened=True)
    plan = make_plan(visit=visit, by=injector, points=GLABELLA)
    plan_page = injector_client.get(plan.get_absolute_url())
    history = injector_client.get(reverse("reviews:cycles", args=[patient.pk]))
    treated_on = timezone.localdate() - datetime.timedelta(days=30)
    opens, closes = (treated_on + datetime.timedelta(days=d) for d in days)
    expected = f"{opens:%b} {opens.day}, {opens.year} – {closes:%b} {closes.day}, {closes.year}"
    assert shown_window(plan_page) == shown_window(history) == expected


def test_no_signed_treatment_no_window_on_the_plan_page(injector_client, injector, patient):
    from tests.factories import make_plan, make_visit

    visit = make_visit(patient=patient, injector=injector, kind="treatment", screened=True)
    plan = make_plan(visit=visit, by=injector, points=GLABELLA)
    page = injector_client.get(plan.get_absolute_url())
    assert page.status_code == 200 and 'data-testid="next-cycle-due"' not in page.text


def test_the_patient_summary_gives_the_own_interval_window_too(injector):
    """A door of the rule: the patient summary's "next treatment from" (and the aftercare
    email built from it) is the recall window's opening, the patient's own interval after
    three cycles, as the recall list and the plan page say (150 days, not glabella's 90)."""
    from charting.models import Treatment
    from charting.reports.patient_summary import build_summary, day_words
    from charting.reviews.cycles import next_cycle_for

    regular = treated(injector, 320)
    treated(injector, 170, patient=regular)
    treated(injector, 20, patient=regular)
    latest = Treatment.objects.for_patient(regular).latest("started_at")
    window = next_cycle_for(patient=regular)
    assert window.basis.startswith("Own interval: about 150 days over 3 cycles")
    summary = build_summary(visit=latest.visit)
    steps = [s for s in summary.timeline if s.when.startswith("From ")]
    assert steps and all(s.when == f"From {day_words(window.opens)}" for s in steps)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_duration_changed_in_the_admin_shows_on_the_next_plan_page(injector, clinic_admin):
    """The plan page reads the durations through the reference cache (issue 22): kept
    per process outside a transaction, so an admin's change must reach the next page
    (the EffectDuration receivers in planning/apps.py bump the version on commit)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from planning import reference_cache
    from tests.factories import make_plan, make_visit

    reference_cache.bump()
    patient = treated(injector, 30, points=CROWS_FEET)
    visit = make_visit(patient=patient, injector=injector, kind="treatment", screened=True)
    plan = make_plan(visit=visit, by=injector, points=GLABELLA)
    injector_client, admin_client = Client(), Client()
    injector_client.force_login(injector)
    admin_client.force_login(clinic_admin)
    treated_on = timezone.localdate() - datetime.timedelta(days=30)

    def expected(low, high):
        opens, closes = (treated_on + datetime.timedelta(days=d) for d in (low, high))
        return f"{opens:%b} {opens.day}, {opens.year} – {closes:%b} {closes.day}, {closes.year}"

    assert shown_window(injector_client.get(plan.get_absolute_url())) == expected(90, 105)
    with CaptureQueriesContext(connection) as kept:
        DurationTable.cached()
    assert len(kept) == 0, "the page's read kept the durations"

    row = EffectDuration.objects.get(area_code="lateral-canthal", product=None)
    url = reverse("admin:planning_effectduration_change", args=[row.pk])
    data = {
        "area_code": row.area_code,
        "area": row.area,
        "product": "",
        "muscles": [m.pk for m in row.muscles.all()],
        "min_days": "100",
        "max_days": "130",
        "source_note": "clinic's own",
    }
    assert admin_client.post(url, data).status_code == 302
    assert shown_window(injector_client.get(plan.get_absolute_url())) == expected(100, 130)
    # Its muscles changed alone (the crow's feet row no longer covers OOC): general 90–120.
    frontalis = Muscle.objects.get(code="FRONT")
    assert admin_client.post(url, {**data, "muscles": [frontalis.pk]}).status_code == 302
    assert shown_window(injector_client.get(plan.get_absolute_url())) == expected(90, 120)
