"""Reference data kept per process (planning.reference_cache): read once, reloaded
when an admin changes a range, never kept from inside a transaction."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from planning import reference_cache
from planning.models import DoseRange, Muscle, Source

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def queries_of(fn) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as captured:
        result = fn()
    return result, len(captured)


def a_practice_range() -> DoseRange:
    return DoseRange.objects.filter(kind=Source.PRACTICE).select_related("product").first()


def test_reference_rows_are_read_once_per_process():
    reference_cache.bump()
    muscles, first = queries_of(reference_cache.muscles)
    again, second = queries_of(reference_cache.muscles)
    assert first == 1 and second == 0
    assert again is muscles and {m.code for m in muscles} == set(
        Muscle.objects.values_list("code", flat=True)
    )
    expressions, loaded = queries_of(reference_cache.expressions_with_muscles)
    _, cached = queries_of(reference_cache.expressions_with_muscles)
    assert loaded == 2 and cached == 0
    frown = next(e for e in expressions if e.code == "FROWN")
    _, prefetched = queries_of(lambda: [m.code for m in frown.muscles.all()])
    assert prefetched == 0 and "CORR" in {m.code for m in frown.muscles.all()}


def test_an_admins_change_to_a_range_is_seen_by_the_next_page():
    dose = a_practice_range()
    product = dose.product
    original = dose.max_units
    reference_cache.bump()
    before, _ = queries_of(lambda: reference_cache.dose_ranges(product))
    assert next(r for r in before if r.pk == dose.pk).max_units == original
    try:
        with transaction.atomic():  # as the admin's save does
            dose.max_units = original + Decimal("5")
            dose.save()
            inside, counted = queries_of(lambda: reference_cache.dose_ranges(product))
            # Inside the writing transaction: straight from the database.
            assert counted == 2
            assert next(r for r in inside if r.pk == dose.pk).max_units == original + 5
        after, reloaded = queries_of(lambda: reference_cache.dose_ranges(product))
        assert reloaded == 2, "the commit moved the version: the next read reloads"
        assert next(r for r in after if r.pk == dose.pk).max_units == original + 5
    finally:
        dose.max_units = original
        dose.save()


def test_a_rolled_back_change_is_never_served():
    dose = a_practice_range()
    product = dose.product
    reference_cache.bump()
    reference_cache.dose_ranges(product)
    with pytest.raises(RuntimeError), transaction.atomic():
        dose.max_units = dose.max_units + Decimal("50")
        dose.save()
        reference_cache.dose_ranges(product)  # read inside: not kept
        raise RuntimeError("the admin's save failed")
    served = reference_cache.dose_ranges(product)
    stored = DoseRange.objects.get(pk=dose.pk).max_units
    assert next(r for r in served if r.pk == dose.pk).max_units == stored


def test_a_changed_muscle_list_reaches_the_plan_page_data():
    reference_cache.bump()
    assert "TESTM" not in {m.code for m in reference_cache.muscles()}
    Muscle.objects.create(code="TESTM", name="Test muscle", region="test", paired=True, order=99)
    assert "TESTM" in {m.code for m in reference_cache.muscles()}
    Muscle.objects.filter(code="TESTM").delete()  # post_delete per row (receivers connected)
    assert "TESTM" not in {m.code for m in reference_cache.muscles()}


def test_a_request_reads_the_version_once_and_the_next_request_sees_a_new_one():
    """The version is read once per web request (issue 22: five cache GETs a plan page
    were one number); the next request sees another process's bump.

    Doors: a page (request_started/finished around it, as Django's handler and the
    test client send them), the Django admin's save of a range in the same request
    (its bump forgets the memo: the next read within the request reloads), a task or
    command (no request: every read asks the shared cache)."""
    from django.core.cache import cache
    from django.core.signals import request_finished, request_started

    reference_cache.bump()
    request_started.send(sender=None)
    try:
        first = reference_cache.version()
        cache.set(reference_cache.VERSION_KEY, "moved-by-another-process", timeout=None)
        assert reference_cache.version() == first, "one read per request"
        reference_cache.bump()  # this process's own change (an admin save)
        assert reference_cache.version() not in (first, "moved-by-another-process")
    finally:
        request_finished.send(sender=None)
    request_started.send(sender=None)
    try:
        cache.set(reference_cache.VERSION_KEY, "moved-again", timeout=None)
        assert reference_cache.version() == "moved-again", "a new request reads it again"
    finally:
        request_finished.send(sender=None)
    cache.set(reference_cache.VERSION_KEY, "outside-a-request", timeout=None)
    assert reference_cache.version() == "outside-a-request"
    cache.set(reference_cache.VERSION_KEY, "still-outside", timeout=None)
    assert reference_cache.version() == "still-outside", "a task reads every time"
    reference_cache.bump()


# --- the plan page's suggestions, kept with the reference data (issue 22) -------------
# Doors of a suggestion's inputs: the movement map's page (a cell's grade), the Django
# admin (a range, a limit, a muscle: bumps the version), and time (five minutes). The
# plan page is the one reader (planning.views.plan_page._map_suggestions).


def _suggested(dose, grade):
    """The kept suggestion for one muscle of ``dose`` (a practice range the suggestion
    chooses) graded ``grade`` on its right side, at frown."""
    from planning.movement import BaselineCell, ExpressionRef
    from planning.suggestions import choose_range, kept_suggestions

    ranges = list(reference_cache.dose_ranges(dose.product))
    muscle = next(
        m
        for m in reference_cache.muscles()
        if choose_range(m, ranges) is not None and choose_range(m, ranges).pk == dose.pk
    )
    frown = ExpressionRef(1, "FROWN", "Frown", 1)
    cells = [BaselineCell(muscle.pk, "R", grade, False, "", 1, frown)]
    rows = kept_suggestions(
        product=dose.product, muscles=[muscle], observations=cells, ranges=ranges
    )
    return rows, rows[0].units["R"]


def a_chosen_practice_range() -> DoseRange:
    from planning.suggestions import choose_range

    for dose in DoseRange.objects.filter(kind=Source.PRACTICE).select_related("product"):
        ranges = list(reference_cache.dose_ranges(dose.product))
        if any(
            (chosen := choose_range(m, ranges)) is not None and chosen.pk == dose.pk
            for m in reference_cache.muscles()
        ):
            return dose
    raise AssertionError("the reference data has no practice range a suggestion chooses")


def test_kept_suggestions_follow_the_maps_grades():
    reference_cache.bump()
    dose = a_chosen_practice_range()
    low_rows, low = _suggested(dose, 1)
    again, _ = _suggested(dose, 1)
    assert again is low_rows, "the same inputs: the kept rows"
    _, high = _suggested(dose, 3)
    _, none = _suggested(dose, 0)
    assert high > low and none is None, "another grade is another key"


def test_kept_suggestions_follow_an_admins_change_to_a_range():
    reference_cache.bump()
    dose = a_chosen_practice_range()
    original = (dose.min_units, dose.max_units)
    _, before = _suggested(dose, 3)  # grade 3: the range's max (halved for a total)
    try:
        with transaction.atomic():  # as the admin's save does
            dose.max_units = original[1] + Decimal("10")
            dose.save()
        _, after = _suggested(dose, 3)
        assert after > before, "the commit moved the version: the suggestion is made again"
    finally:
        dose.min_units, dose.max_units = original
        dose.save()
