"""What cannot change is rendered once (issue 22): the signed part of a signed chart
or review, rendered on its first read and kept in the shared cache (Redis in
production) by its seal.

**The key** is the record's seal as stored: its content hash with the key and the
format that made it (``charting.seal``). New content is a new hash, a re-seal under
a new key a new key; nothing is ever invalidated, an old entry simply stops being
asked for (and expires). Beside the seal the key holds what the part shows that no
seal format covers (``uncovered``: the names a chart of format 1 shows as they are
today, the muscles' pairing, the figures a volume is worked out from), the active
language (numbers are localised) and a digest of the part's templates (a release
that changes the markup asks for new entries).

**Never for the wrong content.** The caller checks the seal over the rows in hand
on every read (``seal.checked``) and passes its state: a record that does not match
its signature is rendered from its rows as they are, on every read, and never
kept. A part holds nothing of the person reading (no request, no form, no token):
it is rendered without a request. A cache that does not answer renders as before.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from functools import cache as once_per_process

from django.core.cache import cache
from django.template.loader import get_template, render_to_string
from django.utils import translation
from django.utils.safestring import SafeString

from .seal import SealState

log = logging.getLogger(__name__)

TIMEOUT = 30 * 24 * 3600  # a month: a record read again after that renders again

# The parts of a signed chart (templates/charting), by the name the page places them.
CHART_PARTS = {
    "injections": "charting/_signed_injections.html",
    "facts": "charting/_signed_facts.html",
    "side": "charting/_chart_side.html",
}
# What those templates include or draw with (their markup is the parts' markup too).
CHART_DRAWS_WITH = (
    "charting/_injection_table.html",
    "charting/_totals.html",
    "planning/_face_diagram.html",
    "planning/_face_static.html",
    "planning/face_points.jinja",  # a fragment (clinic.fragments)
)


@once_per_process
def markup_digest(names: tuple[str, ...]) -> str:
    """A digest of the templates' sources (``.jinja``: a fragment), read once per process."""
    digest = hashlib.sha256()
    for name in names:
        found = get_template(name, using="fragments" if name.endswith(".jinja") else None)
        with open(found.origin.name, "rb") as source:
            digest.update(name.encode() + b"\0" + source.read() + b"\0")
    return digest.hexdigest()[:16]


def uncovered(*, treatment, injections) -> list:
    """What a chart's parts show that the seal does not cover in every format, as
    shown (after ``seal.as_signed``): the product's brand, each muscle's name and
    pairing, each lot's expiry, the planned units and the vial's strength (the
    volume). Format 1 names muscles and lots by code and number only; format 2's
    snapshot covers the names, and then this only repeats them."""
    shown: list = [treatment.product.brand]
    for i in injections:
        vial = i.vial
        shown.append((
            i.muscle.name, i.muscle.paired, str(i.planned_units),
            vial.lot.expiry_date.isoformat() if vial else None,
            vial.vial_units if vial else None, str(vial.diluent_ml) if vial else None,
        ))  # fmt: skip
    return shown


def key_for(*, kind: str, record, parts: tuple[str, ...], shows: Iterable) -> str:
    """The cache key of a signed record's parts: its seal, what the seal does not
    cover, the language and the markup."""
    extra = hashlib.sha256(repr(list(shows)).encode()).hexdigest()[:24]
    return ":".join((
        "signed", kind, str(record.pk), str(record.seal_format), record.seal_key or "-",
        record.content_hash, extra, translation.get_language() or "-", markup_digest(parts),
    ))  # fmt: skip


def parts(
    *,
    kind: str,
    record,
    state: SealState,
    templates: dict[str, str],
    draws_with: tuple[str, ...] = (),
    shows: Iterable = (),
    context: Callable[[], dict],
) -> dict[str, SafeString]:
    """The signed parts of ``record`` (a signed treatment, or a review's treatment),
    each template of ``templates`` rendered with ``context()``: from the cache when
    the seal verified on this read and they were rendered before, else rendered now
    (and kept, when the seal verified). ``context`` is called only when rendering."""
    if state is SealState.MISMATCH or not record.content_hash:
        return _render(templates, context())  # as the rows are now: never kept
    found = kept(
        kind=kind, record=record, state=state, templates=templates,
        draws_with=draws_with, shows=shows,
    )  # fmt: skip
    if found is not None:
        return found  # rendered by the templates from a record whose seal verified
    key = key_for(
        kind=kind, record=record, parts=tuple(templates.values()) + draws_with, shows=shows
    )
    made = _render(templates, context())
    try:
        cache.set(key, made, TIMEOUT)  # SafeString pickles as itself: nothing marked by hand
    except Exception:  # noqa: BLE001
        log.warning("signed parts: the cache did not answer; not kept")
    return made


def kept(
    *,
    kind: str,
    record,
    state: SealState,
    templates: dict[str, str],
    draws_with: tuple[str, ...] = (),
    shows: Iterable = (),
) -> dict[str, SafeString] | None:
    """The signed parts of ``record`` as kept, or None (not kept yet, a cache that does
    not answer, or a seal that did not verify on this read: never from the cache then).
    Nothing is rendered or kept: a caller that gets None renders with ``parts``."""
    if state is SealState.MISMATCH or not record.content_hash:
        return None
    key = key_for(
        kind=kind, record=record, parts=tuple(templates.values()) + draws_with, shows=shows
    )
    return _get(key, templates)


def _get(key: str, templates: dict[str, str]) -> dict[str, SafeString] | None:
    try:
        found = cache.get(key)
    except Exception:  # noqa: BLE001 - a cache outage must not stop a page
        log.warning("signed parts: the cache did not answer; rendering")
        return None
    return found if _whole(found, templates) else None


def _whole(kept, templates: dict[str, str]) -> bool:
    return (
        isinstance(kept, dict)
        and kept.keys() == templates.keys()
        and all(isinstance(html, SafeString) for html in kept.values())
    )


def _render(templates: dict[str, str], context: dict) -> dict[str, SafeString]:
    return {name: render_to_string(template, context) for name, template in templates.items()}
