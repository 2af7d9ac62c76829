"""Next cycle's suggestion as the plan screen's starting dose: charting's answer to
``planning.treatment_history.suggested_doses``.

The units go into the last cycle's places, each at most the label's units per site
(where the label has a pattern for the muscle) or the clinic's most per site; when
the last places cannot hold them, further points come without a place, for the
injector to put where they inject (issue 16)."""

from __future__ import annotations

import hashlib
import logging
import math

from django.core.cache import cache

from planning import reference_cache
from planning.suggestions import choose_range, per_site
from planning.treatment_history import SuggestedDose
from planning.units import split_units

from .cycles import SignedMain, cycles_by_product, signed_main_treatments

log = logging.getLogger(__name__)

RULES_VERSION = 1  # bump when what a suggestion is made of changes (here or reviews.cycles)
TIMEOUT = 7 * 24 * 3600


def suggested_doses(*, patient, product, signed: SignedMain | None = None) -> list[SuggestedDose]:
    """From the patient's cycles of this product, kept in the shared cache by what
    they are made of (issue 22): one query when nothing changed (none when the caller
    gives ``signed``, ``cycles.signed_main_treatments`` of the patient), else the five
    of reviews.cycles besides. A suggestion, not a dose check: the plan's dose checks
    are computed on every view (planning.dose_rules)."""
    if signed is None:
        signed = signed_main_treatments(patient=patient)  # query: the signed cycles
    made_of = signed.made_of(product.pk)
    if not made_of:
        return []  # no signed treatment of this product
    # Kept in this process too, with the reference data the doses are made from (dropped
    # with it: a changed range or limit, or five minutes), by the same inputs as the
    # shared cache's key: no round trip to the shared cache for a patient seen again.
    return reference_cache.derived(
        "next-cycle-doses",
        (patient.pk, product.pk, tuple(made_of)),
        lambda: _shared(patient=patient, product=product, made_of=made_of),
    )


def _shared(*, patient, product, made_of) -> list[SuggestedDose]:
    """The doses from the shared cache, else made and kept there."""
    version = reference_cache.version()  # None when the shared cache does not answer
    key = None
    if version is not None:
        # What a suggestion is made of, one row per signed treatment of the product
        # (``SignedMain.made_of``): its seal (the injections and their places), its
        # review when signed (findings and side effects no longer change once it is
        # signed: reviews.review) and its touch-up's seal. With the reference data's
        # version (the ranges and limits) this is the key: a new signing, a review
        # signed, a limit changed make a new one.
        digest = hashlib.sha256(repr((made_of, version)).encode()).hexdigest()
        key = f"next-cycle-doses:{RULES_VERSION}:{patient.pk}:{product.pk}:{digest}"
        try:
            kept = cache.get(key)
        except Exception:  # noqa: BLE001 - a cache outage must not stop a page
            log.warning("next-cycle doses: the cache did not answer; computing")
            kept = key = None
        if isinstance(kept, list):
            return kept
    doses = _suggested(patient=patient, product=product)
    if key is not None:
        try:
            cache.set(key, doses, TIMEOUT)
        except Exception:  # noqa: BLE001
            log.warning("next-cycle doses: the cache did not answer; not kept")
    return doses


def _suggested(*, patient, product) -> list[SuggestedDose]:
    """From the patient's cycles of this product (reviews.cycles, five queries)."""
    doses = []
    # Only this product's cycles are read: a patient's other products are never
    # mixed into a dose (and skipping them keeps the plan page's cost flat).
    for product_history in cycles_by_product(patient=patient, product=product, charts=False):
        latest = product_history.cycles[-1].treatment
        where: dict[tuple[str, str], list] = {}
        for i in latest.injections.all():  # prefetched by reviews.cycles
            if i.x is not None and i.y is not None:
                where.setdefault((i.muscle.code, i.side), []).append((i.x, i.y))
        # 4 queries (the product's ranges and limits with their muscles) unless cached
        ranges = list(reference_cache.dose_ranges(product_history.product))
        limits = reference_cache.dose_limits(product_history.product)
        for row in product_history.rows:
            if row.suggestion is None:
                continue
            # None suggested (a side effect at the smallest dose): no points to place.
            spots = where.get((row.muscle.code, row.side), []) if row.suggestion.units else []
            most = _most_per_site(row.muscle, ranges, limits)
            needed = math.ceil(row.suggestion.units / most) if most and spots else 0
            spots = spots + [(None, None)] * max(0, needed - len(spots))
            units = split_units(row.suggestion.units, len(spots))
            doses.append(
                SuggestedDose(
                    muscle_code=row.muscle.code,
                    side=row.side,
                    units=row.suggestion.units,
                    reason=row.suggestion.reason,
                    points=[(x, y, u) for (x, y), u in zip(spots, units, strict=True)],
                )
            )
    return doses


def _most_per_site(muscle, ranges, limits):
    """The most one suggested point may carry (planning.suggestions.per_site)."""
    dose = choose_range(muscle, ranges)
    if dose is not None:
        return per_site(dose, muscle, limits)
    return next((x.max_per_site for x in limits if muscle in x.muscles.all()), None)
