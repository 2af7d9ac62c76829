"""The seal of a signed chart: what a signature covers, the keyed hash over it, the
check on every read, re-sealing under a new key, and showing a signed chart as it
was signed.

**What is covered** (``content_of``, one definition per format):

- format 1 (charts signed before keyed seals): the chart's values, muscles, product
  and lots by code and number, the consent by the hash of its signature image;
- format 2: the chart's values with the ids its rows point at, and the **snapshot**
  of what the chart showed of those rows at signing (``snapshot_of``: the product's
  code, brand and generic name; each muscle's code and name; each lot's number,
  expiry and product; the consent's text version and title, and that it was in
  force), plus the consent itself (its signature, the text shown, when). A renamed
  muscle, product or lot changes neither the content nor what the chart shows
  (``as_signed`` puts the snapshot's names over the rows a page holds).

**The seal** is HMAC-SHA256 of the content under a key of ``settings.SIGNATURE_KEYS``
(the environment, never the database); ``Treatment.seal_key`` names the key,
``seal_format`` the format. A seal with no key is the old plain SHA-256, which
anyone who can write the rows can recompute: it counts only while
``SIGNATURE_ACCEPT_UNKEYED`` is on, and is then shown as "sealed with the old
unkeyed format". ``reseal`` (``manage.py reseal_signatures``) verifies each seal
under its own key and re-seals it under the current one: key rotation, and the
way old unkeyed seals become keyed.
"""

from __future__ import annotations

import copy
import datetime
import enum
import hashlib
import hmac
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch

from audit.events import record
from audit.models import Action, AuditEvent

from .models import AdverseEvent, Consent, Injection, Treatment

HASH_FORMAT = 2  # bump when the content changes shape; older formats stay verifiable
UNKEYED = ""  # Treatment.seal_key of a seal made before keyed seals (plain SHA-256)

MISMATCH_MESSAGE = (
    "This record does not match its signature: it was changed after it was signed. "
    "Do not rely on it; the clinic admin has been told (audit log)."
)
UNKEYED_MESSAGE = (
    "Sealed with the old unkeyed format: it shows the record unchanged since signing "
    "only against accidental edits (anyone who can write the database could recompute "
    "it). The clinic admin re-seals it with manage.py reseal_signatures."
)


class SealState(enum.StrEnum):
    VERIFIED = "verified"
    UNKEYED = "unkeyed"  # the old plain SHA-256 matches, while SIGNATURE_ACCEPT_UNKEYED
    MISMATCH = "mismatch"


def consent_at_signing(consents, at) -> Consent | None:
    """The consent that was in force when the chart was signed (``at``; now, while
    signing), from the visit's consents: signed by then and not yet withdrawn. A
    consent withdrawn later stays the one the signature covers."""
    in_force = [
        c
        for c in consents
        if (at is None or c.signed_at <= at)
        and (c.withdrawn_at is None or (at and c.withdrawn_at > at))
    ]
    return max(in_force, key=lambda c: (c.signed_at, c.pk), default=None)


def _utc(moment: datetime.datetime | None) -> str | None:
    return moment.astimezone(datetime.UTC).isoformat() if moment else None


def _text(value) -> str | None:
    return str(value) if value is not None else None


# --- What a signature covers ------------------------------------------------------


def content_of(
    *, treatment, patient_id: int, injections, adverse_events, consent, fmt: int = HASH_FORMAT
) -> dict:
    """The signed content from rows in hand, in a stable form: the one definition of
    what a signature covers, by format (the bench's bulk loader passes unsaved rows).
    ``consent``: the consent in force at signing (``consent_at_signing``) or None."""
    if fmt == 1:
        return _content_v1(
            treatment=treatment,
            patient_id=patient_id,
            injections=injections,
            adverse_events=adverse_events,
            consent_sha=consent.signature_sha256 if consent else None,
        )
    return {
        "format": fmt,
        "treatment": treatment.pk,
        "visit": treatment.visit_id,
        "patient": patient_id,
        "plan": treatment.plan_id,
        "product": treatment.product_id,
        "wasted_units": str(treatment.wasted_units),
        "aftercare_given": treatment.aftercare_given,
        "notes": treatment.notes,
        "consent": _consent_part(consent),
        "injections": [_injection_part(i) for i in injections],
        "adverse_events": [
            {"kind": e.kind, "severity": e.severity, "note": e.note} for e in adverse_events
        ],
        "signed_by": treatment.signed_by_id,
        "signed_at": _utc(treatment.signed_at),
        "review_days": treatment.review_days,
        "dose_findings": treatment.dose_findings or [],
        "dose_acknowledgment": treatment.dose_acknowledgment,
        "snapshot": treatment.signed_snapshot,
    } | _timing_part(treatment)


def _timing_part(treatment) -> dict:
    """A touch-up outside its window (charting.review_timing) and its written reason,
    signed with it. Left out when there is none, so every other chart verifies as before."""
    finding = getattr(treatment, "timing_finding", None)  # the bench passes plain rows
    reason = getattr(treatment, "timing_reason", "")
    if not finding and not reason:
        return {}
    return {"timing_finding": finding or {}, "timing_reason": reason}


def _injection_part(injection) -> dict:
    vial = injection.vial
    return {
        "muscle": injection.muscle_id,
        "side": injection.side,
        "x": _text(injection.x),
        "y": _text(injection.y),
        "planned_units": _text(injection.planned_units),
        "units": str(injection.units),
        "depth": injection.depth,
        "note": injection.note,
        "vial": injection.vial_id,
        "lot": vial.lot_id if vial else None,
        "vial_units": vial.vial_units if vial else None,
        "diluent_ml": str(vial.diluent_ml) if vial else None,
        "reconstituted_at": _utc(vial.reconstituted_at) if vial else None,
    }


def _consent_part(consent) -> dict | None:
    if consent is None:
        return None
    return {
        "id": consent.pk,
        "text": consent.consent_text_id,
        "text_shown_sha256": hashlib.sha256(consent.text_shown.encode()).hexdigest(),
        "signature_sha256": consent.signature_sha256,
        "signed_name": consent.signed_name,
        "signed_at": _utc(consent.signed_at),
    }


def _content_v1(
    *, treatment, patient_id: int, injections, adverse_events, consent_sha: str | None
) -> dict:
    """Format 1, exactly as charts were signed before keyed seals (never change it)."""
    return {
        "format": 1,
        "treatment": treatment.pk,
        "visit": treatment.visit_id,
        "patient": patient_id,
        "plan": treatment.plan_id,
        "product": treatment.product.code,
        "wasted_units": str(treatment.wasted_units),
        "aftercare_given": treatment.aftercare_given,
        "notes": treatment.notes,
        "consent": consent_sha,
        "injections": [
            {
                "muscle": i.muscle.code,
                "side": i.side,
                "x": str(i.x) if i.x is not None else None,
                "y": str(i.y) if i.y is not None else None,
                "units": str(i.units),
                "lot": i.vial.lot.number if i.vial else None,
                "vial": i.vial_id,
                "reconstituted_at": _utc(i.vial.reconstituted_at) if i.vial else None,
                "note": i.note,
            }
            for i in injections
        ],
        "adverse_events": [
            {"kind": e.kind, "severity": e.severity, "note": e.note} for e in adverse_events
        ],
        "signed_by": treatment.signed_by_id,
        "signed_at": _utc(treatment.signed_at),
        "review_days": treatment.review_days,
    } | _dose_part_v1(treatment)


def _dose_part_v1(treatment) -> dict:
    """Format 1 left the dose checks out when there were none."""
    findings = getattr(treatment, "dose_findings", None)  # the bench passes plain rows
    acknowledgment = getattr(treatment, "dose_acknowledgment", "")
    if not findings and not acknowledgment:
        return {}
    return {"dose_findings": findings or [], "dose_acknowledgment": acknowledgment}


def snapshot_of(*, product, injections, consent, points=()) -> dict:
    """What the chart shows of the rows it points at, taken at signing: the product,
    the muscles of its injections and of its plan's points (code and name), the lots
    (number, expiry, product), the consent's text version and title."""
    muscles = {
        str(row.muscle_id): {"code": row.muscle.code, "name": row.muscle.name}
        for row in [*points, *injections]
    }
    lots = {
        str(i.vial.lot_id): {
            "number": i.vial.lot.number,
            "expiry": i.vial.lot.expiry_date.isoformat(),
            "product": i.vial.lot.product_id,
        }
        for i in injections
        if i.vial is not None
    }
    return {
        "product": {
            "id": product.pk,
            "code": product.code,
            "brand": product.brand,
            "generic_name": product.generic_name,
        },
        "muscles": muscles,
        "lots": lots,
        "consent": {
            "id": consent.pk,
            "version": consent.consent_text.version,
            "title": consent.consent_text.title,
            "state": "in force",
        }
        if consent is not None
        else None,
    }


# --- The keyed hash -----------------------------------------------------------------


def current_key_id() -> str:
    """The key new seals are made with: the first of ``SIGNATURE_KEYS``."""
    return next(iter(settings.SIGNATURE_KEYS))


def digest(content: dict, *, key_id: str) -> str | None:
    """The seal of ``content`` under the key ``key_id`` (HMAC-SHA256), the plain SHA-256
    for ``UNKEYED``; None when this server does not hold that key."""
    payload = json.dumps(content, sort_keys=True, separators=(",", ":")).encode()
    if key_id == UNKEYED:
        return hashlib.sha256(payload).hexdigest()
    secret = settings.SIGNATURE_KEYS.get(key_id)
    if secret is None:
        return None
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def hash_content(content: dict, *, key_id: str | None = None) -> str:
    """The seal of a content dict under ``key_id`` (the current key by default)."""
    return digest(content, key_id=current_key_id() if key_id is None else key_id)


def _judge(treatment: Treatment, content: dict, *, accept_unkeyed: bool) -> SealState:
    if not treatment.is_signed or not treatment.content_hash:
        return SealState.MISMATCH
    expected = digest(content, key_id=treatment.seal_key)
    if expected is None or not hmac.compare_digest(expected, treatment.content_hash):
        return SealState.MISMATCH
    if treatment.seal_key == UNKEYED:
        return SealState.UNKEYED if accept_unkeyed else SealState.MISMATCH
    return SealState.VERIFIED


# --- Checking on every read ---------------------------------------------------------


def signed_rows(treatment: Treatment) -> tuple[list, list, list]:
    """The rows a signature covers, read from the database (three queries: injections
    with their muscles, vials and lots; adverse events; the visit's consents)."""
    injections = list(
        treatment.injections.select_related("muscle", "vial__lot").order_by("order", "id")
    )
    events = list(treatment.adverse_events.order_by("recorded_at", "id"))
    consents = list(
        Consent.objects.filter(visit_id=treatment.visit_id).select_related("consent_text")
    )
    return injections, events, consents


# What an injection's part of the content reads of its own row (``_injection_part``,
# ``_content_v1``), beside its id, order and muscle: what a page reads to check the seal
# (``charting.views.signed_reads``).
INJECTION_VALUES = ("side", "x", "y", "planned_units", "units", "depth", "note", "vial_id")


def state_of_rows(
    *, treatment: Treatment, injections, adverse_events, consents, accept_unkeyed=None
) -> SealState:
    """The seal checked from rows a page or report already holds (no queries): the
    injections (muscle, vial and lot joined), the adverse events, the visit's consents."""
    content = _content_from_rows(
        treatment=treatment, injections=injections, adverse_events=adverse_events, consents=consents
    )
    if accept_unkeyed is None:
        accept_unkeyed = settings.SIGNATURE_ACCEPT_UNKEYED
    return _judge(treatment, content, accept_unkeyed=accept_unkeyed)


def _content_from_rows(*, treatment: Treatment, injections, adverse_events, consents) -> dict:
    return content_of(
        treatment=treatment,
        patient_id=treatment.visit.patient_id,
        injections=sorted(injections, key=lambda i: (i.order, i.pk)),
        adverse_events=sorted(adverse_events, key=lambda e: (e.recorded_at, e.pk)),
        consent=consent_at_signing(consents, treatment.signed_at),
        fmt=treatment.seal_format,
    )


def signed_content(treatment: Treatment) -> dict:
    """What the seal of a signed treatment covers, read from the database."""
    injections, events, consents = signed_rows(treatment)
    return _content_from_rows(
        treatment=treatment, injections=injections, adverse_events=events, consents=consents
    )


def state(treatment: Treatment) -> SealState:
    """The seal checked over the stored values (three queries)."""
    injections, events, consents = signed_rows(treatment)
    return state_of_rows(
        treatment=treatment, injections=injections, adverse_events=events, consents=consents
    )


def verify(treatment: Treatment) -> bool:
    """True when the stored record still matches what was signed."""
    return state(treatment) is not SealState.MISMATCH


def report_mismatch(*, treatment: Treatment, where: str) -> None:
    """Write the mismatch to the audit log (each read that finds one)."""
    record(
        action=Action.MISMATCH,
        obj=treatment,
        patient=treatment.visit.patient_id,
        detail={"where": where, "signed_at": _utc(treatment.signed_at)},
    )


def checked(*, treatment: Treatment, injections, adverse_events, consents, where: str) -> str:
    """The seal's state of a signed chart a page or report shows, from the rows in hand;
    a mismatch is audited (``where``: which page)."""
    result = state_of_rows(
        treatment=treatment, injections=injections, adverse_events=adverse_events, consents=consents
    )
    if result is SealState.MISMATCH:
        report_mismatch(treatment=treatment, where=where)
    return result


# --- Signing and re-sealing ---------------------------------------------------------


def seal_fields(treatment: Treatment) -> None:
    """Fill the seal of a treatment being signed (``signed_at``/``signed_by`` set, not
    yet saved): the snapshot of the names it shows, the format, the current key and
    the hash (4 queries). Called by ``charting.signing.seal`` only."""
    injections, events, consents = signed_rows(treatment)
    consent = consent_at_signing(consents, treatment.signed_at)
    points = list(treatment.plan.points.select_related("muscle")) if treatment.plan_id else []
    treatment.seal_format = HASH_FORMAT
    treatment.signed_snapshot = snapshot_of(
        product=treatment.product, injections=injections, consent=consent, points=points
    )
    treatment.seal_key = current_key_id()
    content = content_of(
        treatment=treatment,
        patient_id=treatment.visit.patient_id,
        injections=injections,
        adverse_events=events,
        consent=consent,
    )
    treatment.content_hash = hash_content(content, key_id=treatment.seal_key)


@dataclass
class Resealed:
    resealed: list[int] = field(default_factory=list)
    refused: list[int] = field(default_factory=list)  # did not verify: left as they are
    current: int = 0  # already under the current key


def with_rows():
    return (
        Treatment.objects.signed()
        .select_related("visit", "product")
        .prefetch_related(
            Prefetch(
                "injections", queryset=Injection.objects.select_related("muscle", "vial__lot")
            ),
            Prefetch("adverse_events", queryset=AdverseEvent.objects.all()),
            "visit__consents",
        )
        .order_by("pk")
    )


def reseal(*, batch: int = 200) -> Resealed:
    """Every signed chart not sealed with the current key: verified under its own key
    (an unkeyed one as the plain SHA-256 it is), then sealed again under the current
    key, the content unchanged; one that does not verify is left as it is, reported
    and audited. Safe to run twice (the second run finds every seal current)."""
    key_id, done = current_key_id(), Resealed()
    done.current = Treatment.objects.signed().filter(seal_key=key_id).count()
    pending = list(
        Treatment.objects.signed()
        .exclude(seal_key=key_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(pending), batch):
        with transaction.atomic():
            for treatment in with_rows().filter(pk__in=pending[start : start + batch]):
                _reseal_one(treatment, key_id=key_id, done=done)
    return done


def _reseal_one(treatment: Treatment, *, key_id: str, done: Resealed) -> None:
    injections = list(treatment.injections.all())
    events = list(treatment.adverse_events.all())
    consent = consent_at_signing(list(treatment.visit.consents.all()), treatment.signed_at)
    content = content_of(
        treatment=treatment,
        patient_id=treatment.visit.patient_id,
        injections=sorted(injections, key=lambda i: (i.order, i.pk)),
        adverse_events=sorted(events, key=lambda e: (e.recorded_at, e.pk)),
        consent=consent,
        fmt=treatment.seal_format,
    )
    if _judge(treatment, content, accept_unkeyed=True) is SealState.MISMATCH:
        report_mismatch(treatment=treatment, where="reseal")
        done.refused.append(treatment.pk)
        return
    was = treatment.seal_key or "unkeyed"
    # The one write a signed treatment allows: its seal (the lock trigger lets an
    # UPDATE through that changes nothing else; the model layer's lock is the
    # default manager's, this is the plain base manager).
    Treatment._base_manager.filter(pk=treatment.pk, content_hash=treatment.content_hash).update(
        content_hash=hash_content(content, key_id=key_id), seal_key=key_id
    )
    record(
        action=Action.CHANGE,
        obj=treatment,
        patient=treatment.visit.patient_id,
        detail={
            "resealed": {"from": was, "to": key_id, "format": treatment.seal_format},
            "seal": hash_content(content, key_id=key_id),
        },
    )
    done.resealed.append(treatment.pk)


# --- Showing a signed chart as it was signed ------------------------------------------


def _as(instance, **values):
    shown = copy.copy(instance)
    for name, value in values.items():
        setattr(shown, name, value)
    return shown


def as_signed(*, treatment: Treatment, injections, points=()) -> None:
    """Put the snapshot's names over the rows in hand (copies; nothing is saved): the
    product, the muscles of the injections and of the plan's ``points``, the lots of
    the vials. A chart of format 1 has no snapshot and shows its rows as they are."""
    snapshot = treatment.signed_snapshot or {}
    product = snapshot.get("product")
    if product and Treatment.product.is_cached(treatment):  # never a query of its own
        treatment.product = _as(
            treatment.product,
            code=product["code"],
            brand=product["brand"],
            generic_name=product["generic_name"],
        )
    muscles, shown = snapshot.get("muscles", {}), {}
    for row in [*injections, *points]:
        if (muscle := muscles.get(str(row.muscle_id))) is not None:
            if row.muscle_id not in shown:
                shown[row.muscle_id] = _as(row.muscle, code=muscle["code"], name=muscle["name"])
            row.muscle = shown[row.muscle_id]
    lots = snapshot.get("lots", {})
    for i in injections:
        if i.vial is not None and (lot := lots.get(str(i.vial.lot_id))) is not None:
            i.vial.lot = _as(
                i.vial.lot,
                number=lot["number"],
                expiry_date=datetime.date.fromisoformat(lot["expiry"]),
            )


def signed_consent(treatment: Treatment) -> dict | None:
    """The consent as the snapshot holds it (text version, title), or None."""
    return (treatment.signed_snapshot or {}).get("consent")


# --- The seal in the audit chain ---------------------------------------------------


def record_seal(treatment: Treatment) -> None:
    """Write the seal of a chart just signed into the audit chain (``seal`` in the
    event's detail; a re-seal writes its new one). The chain is hashed and its head
    anchored outside the database (audit.anchoring), so a seal rewritten later, even
    by someone holding the signing key, no longer agrees with the chain."""
    record(
        action=Action.CHANGE,
        obj=treatment,
        patient=treatment.visit.patient_id,
        detail={
            "signed": True,
            "seal": treatment.content_hash,
            "key": treatment.seal_key,
            # Keyless: what was signed, whatever key seals it later (a re-seal keeps it).
            "content_sha256": content_digest(signed_content(treatment)),
        },
    )


def content_digest(content: dict) -> str:
    payload = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass
class Disagreement:
    treatment: int
    problem: str


def chain_disagreements(treatments=None) -> list[Disagreement]:
    """Signed charts that disagree with the audit chain: the content now is not what
    the chain's first signing event recorded (a keyless digest, so holding the key
    and appending a new event does not help), or the seal is not the last one the
    chain recorded. A chart signed before seals were written to the chain has no
    event and is not listed."""
    treatments = with_rows() if treatments is None else treatments
    first_content, last_seal = {}, {}
    for object_id, detail in (
        AuditEvent.objects.filter(object_type=Treatment._meta.label_lower, detail__has_key="seal")
        .order_by("seq")
        .values_list("object_id", "detail")
    ):
        if "content_sha256" in detail:
            first_content.setdefault(object_id, detail["content_sha256"])
        last_seal[object_id] = detail["seal"]
    found = []
    for treatment in treatments:
        key = str(treatment.pk)
        content = _content_from_rows(
            treatment=treatment,
            injections=list(treatment.injections.all()),
            adverse_events=list(treatment.adverse_events.all()),
            consents=list(treatment.visit.consents.all()),
        )
        if key in first_content and content_digest(content) != first_content[key]:
            found.append(Disagreement(treatment.pk, "what it holds is not what was signed"))
        elif key in last_seal and last_seal[key] != treatment.content_hash:
            found.append(Disagreement(treatment.pk, "its seal is not the one the audit log has"))
    return found
