"""Lot and vial rules: what may be injected, and reconstitution.

A lot may be used only while it is active and not expired: the expiry day
itself is still usable, the day after is not. A reconstituted vial may be used
until ``reconstituted_at`` + the product's hours (24 h; Daxxify 72 h) [label];
at the use-by minute it is still usable, one minute later it is not.

A vial is single-patient [label: single-dose vials]: once drawn into one
patient's chart (a treatment or its touch-up), it is refused for any other
patient (``vial_patient_refusal``) and not offered to them (``usable_vials``);
what is left in it is waste.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from clinic.models import User
from planning.models import Product

from .choices import DILUENT_SALINE, LotStatus
from .errors import ChartingError
from .models import Injection, Lot, Vial

MAX_DILUENT_ML = Decimal("10")
FUTURE_GRACE = datetime.timedelta(minutes=5)


def lot_refusal(*, lot: Lot, product: Product, on: datetime.date) -> str | None:
    """Why ``lot`` may not be used for ``product`` on day ``on``, or None when it may."""
    if lot.product_id != product.pk:
        return (
            f"Lot {lot.number} is {lot.product.brand}, but this plan is {product.brand}: "
            "units of one product are never interchangeable."
        )
    if lot.status == LotStatus.RECALLED:
        note = f" ({lot.status_note})" if lot.status_note else ""
        return f"Lot {lot.number} is recalled{note}: do not use it."
    if lot.status == LotStatus.QUARANTINED:
        note = f" ({lot.status_note})" if lot.status_note else ""
        return f"Lot {lot.number} is quarantined{note}: do not use it until it is released."
    if lot.expiry_date < on:
        return f"Lot {lot.number} expired on {lot.expiry_date:%b %-d, %Y}."
    return None


def check_lot(*, lot: Lot, product: Product, on: datetime.date) -> None:
    reason = lot_refusal(lot=lot, product=product, on=on)
    if reason:
        raise ChartingError(reason, field="lot")


def vial_refusal(*, vial: Vial, product: Product, at: datetime.datetime) -> str | None:
    """Why ``vial`` may not be injected at ``at``: its lot, or past its use-by."""
    reason = lot_refusal(lot=vial.lot, product=product, on=timezone.localdate(at))
    if reason:
        return reason
    if at > vial.use_by:
        return (
            f"The vial of lot {vial.lot.number} reconstituted "
            f"{timezone.localtime(vial.reconstituted_at):%b %-d %H:%M} was usable until "
            f"{timezone.localtime(vial.use_by):%b %-d %H:%M} "
            f"({vial.lot.product.use_within_hours} h after reconstitution): use a new vial."
        )
    if at + FUTURE_GRACE < vial.reconstituted_at:
        return "This vial is recorded as reconstituted later than now."
    return None


OTHER_PATIENT_VIAL = "was already used for another patient: open a new vial."


def vials_used_for_other_patients(*, vial_ids: Iterable[int], patient_id: int) -> set[int]:
    """Of ``vial_ids``, the vials already drawn into another patient's chart, signed
    or not (one query; none without ids)."""
    vial_ids = {pk for pk in vial_ids if pk}
    if not vial_ids:
        return set()
    return set(
        Injection.objects.filter(vial_id__in=vial_ids)
        .exclude(treatment__visit__patient_id=patient_id)
        .values_list("vial_id", flat=True)
        .distinct()
    )


def vial_patient_refusal(
    *, vial: Vial, patient_id: int, used_for_others: Collection[int] | None = None
) -> str | None:
    """Why ``vial`` may not be injected into patient ``patient_id``: vials are
    single-patient [label], so a vial any injection of another patient's chart uses
    is refused (the other patient is not named). ``used_for_others``: the ids from
    ``vials_used_for_other_patients`` when the caller has them (no query); else one
    query."""
    if used_for_others is None:
        used_for_others = vials_used_for_other_patients(vial_ids=[vial.pk], patient_id=patient_id)
    if vial.pk in used_for_others:
        return (
            f"This vial (lot {vial.lot.number}, reconstituted "
            f"{timezone.localtime(vial.reconstituted_at):%b %-d %H:%M}) {OTHER_PATIENT_VIAL}"
        )
    return None


def left_in_vials(*, treatment) -> Decimal:
    """What is left in the vials a treatment drew from: the vials' units less every
    unit injected from them (one query). A reconstituted vial serves one patient's
    treatment and lasts hours, so at signing what is left is waste (REFERENCE.md)."""
    rows = Injection.objects.filter(vial__in=Vial.objects.filter(injections__treatment=treatment))
    vials: dict[int, Decimal] = {}
    given: dict[int, Decimal] = {}
    for vial_id, vial_units, units in rows.values_list("vial_id", "vial__vial_units", "units"):
        vials[vial_id] = Decimal(vial_units)
        given[vial_id] = given.get(vial_id, Decimal("0")) + units
    return sum((max(vials[v] - given[v], Decimal("0")) for v in vials), Decimal("0"))


def record_waste(*, treatment) -> Decimal:
    """At signing: what is left in the treatment's vials is recorded as wasted units
    (never less than the injector wrote). Returns the units recorded."""
    left = left_in_vials(treatment=treatment)
    wasted = max(Decimal(treatment.wasted_units or 0), left)
    if wasted != treatment.wasted_units:
        type(treatment).objects.filter(pk=treatment.pk).update(wasted_units=wasted)
        treatment.wasted_units = wasted
    return wasted


def parse_ml(value) -> Decimal:
    try:
        ml = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ChartingError("Enter the diluent in mL, e.g. 2.5.", field="diluent_ml") from None
    if not ml.is_finite() or ml <= 0 or ml > MAX_DILUENT_ML:
        raise ChartingError("The diluent is more than 0 and at most 10 mL.", field="diluent_ml")
    if ml != ml.quantize(Decimal("0.001")):
        raise ChartingError("Give the diluent to 0.001 mL.", field="diluent_ml")
    return ml


@transaction.atomic
def reconstitute(
    *,
    lot: Lot,
    product: Product,
    vial_units: int,
    diluent_ml: Decimal,
    reconstituted_at: datetime.datetime,
    by: User,
    diluent: str = DILUENT_SALINE,
    now: datetime.datetime | None = None,
) -> Vial:
    """Record a vial reconstituted from ``lot``; refuses an unusable lot or vial size."""
    now = now or timezone.now()
    lot = Lot.objects.select_related("product").select_for_update().get(pk=lot.pk)
    check_lot(lot=lot, product=product, on=timezone.localdate(now))
    if vial_units not in (lot.product.vial_sizes or []):
        sizes = ", ".join(f"{s} U" for s in lot.product.vial_sizes)
        raise ChartingError(f"{lot.product.brand} comes in {sizes} vials.", field="vial_units")
    diluent_ml = parse_ml(diluent_ml)
    if reconstituted_at > now + FUTURE_GRACE:
        raise ChartingError("The reconstitution time is in the future.", field="reconstituted_at")
    vial = Vial(
        lot=lot,
        vial_units=vial_units,
        diluent=diluent,
        diluent_ml=diluent_ml,
        reconstituted_at=reconstituted_at,
        reconstituted_by=by,
    )
    if now > vial.use_by:
        raise ChartingError(
            f"A vial reconstituted then is past its use-by "
            f"({lot.product.use_within_hours} h): reconstitute a new one.",
            field="reconstituted_at",
        )
    vial.save()
    return vial


def usable_vials(*, product: Product, at: datetime.datetime, patient_id: int) -> list[Vial]:
    """Vials of ``product`` that may be injected into patient ``patient_id`` at ``at``:
    none already used for another patient (one query). Each has ``used_for_patient``:
    True when this patient's chart already draws from it (the vial of their cycle)."""
    earliest = at - datetime.timedelta(hours=product.use_within_hours)
    drawn = Injection.objects.filter(vial=OuterRef("pk"))
    vials = (
        Vial.objects.for_pages()
        .of_product(product)
        .filter(reconstituted_at__gte=earliest, reconstituted_at__lte=at + FUTURE_GRACE)
        .filter(lot__in=Lot.objects.usable_on(timezone.localdate(at)))
        .exclude(Exists(drawn.exclude(treatment__visit__patient_id=patient_id)))
        .annotate(used_for_patient=Exists(drawn.filter(treatment__visit__patient_id=patient_id)))
    )
    return [v for v in vials if vial_refusal(vial=v, product=product, at=at) is None]


@transaction.atomic
def set_lot_status(*, lot: Lot, status: str, note: str) -> Lot:
    """Quarantine, recall or release a lot; takes effect at once for every chart."""
    if status not in LotStatus.values:
        raise ChartingError("Choose a status.", field="status")
    note = " ".join(note.split())
    if status != LotStatus.ACTIVE and not note:
        raise ChartingError("Say why the lot is quarantined or recalled.", field="status_note")
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    lot.status, lot.status_note, lot.status_changed_at = status, note, timezone.now()
    lot.save(update_fields=["status", "status_note", "status_changed_at"])
    return lot
