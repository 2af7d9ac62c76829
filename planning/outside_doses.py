"""Toxin the patient had elsewhere (patient-reported): recording it through one rule.

What is recorded feeds the interval and ceiling rules like our own records
(``planning.treatment_history``), marked "patient-reported". Doors: the screening
page's form, the demo data, and the CSV import of past toxin treatments
(``planning.outside_dose_import``: its preview runs ``check_outside_dose``, its import
stores every row through ``record_outside_dose``). A date may be a
day or only a month; product and units where the patient knows them (units
only with a product: units of one product mean nothing for another).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from . import units as unit_rules
from .models import OutsideDose, Product

EARLIEST = datetime.date(1989, 1, 1)  # botulinum toxin type A approvals began then
MOST_UNITS = Decimal("2000")  # a whole session elsewhere, therapeutic doses included


def check_outside_dose(
    *,
    given_on: datetime.date | None,
    month_only: bool,
    product: Product | None,
    units: str,
    today: datetime.date,
) -> tuple[datetime.date, Decimal | None]:
    """The rule's checks alone: (the day stored, the units) or ``ValidationError`` per
    field (the screening form's and the CSV import's preview)."""
    errors: dict[str, str] = {}
    if given_on is None:
        errors["given_on"] = "Enter the day, or any day of the month the patient remembers."
    else:
        if month_only:
            given_on = given_on.replace(day=1)
        if given_on > today:
            errors["given_on"] = "That day is in the future: toxin given elsewhere is in the past."
        elif given_on < EARLIEST:
            errors["given_on"] = f"Enter a day after {EARLIEST:%Y}."
    amount = None
    if (units or "").strip():
        if product is None:
            errors["units"] = (
                "Choose the product too: units of one product mean nothing for another."
            )
        else:
            try:
                amount = unit_rules.parse(units, most=MOST_UNITS)
            except unit_rules.UnitsError as exc:
                errors["units"] = exc.message
    if errors:
        raise ValidationError(errors)
    return given_on, amount


@transaction.atomic
def record_outside_dose(
    *,
    patient,
    given_on: datetime.date | None,
    month_only: bool,
    product: Product | None,
    units: str,
    where: str,
    by,
    today: datetime.date,
) -> OutsideDose:
    """Store one patient-reported dose; ``ValidationError`` per field, nothing saved."""
    given_on, amount = check_outside_dose(
        given_on=given_on, month_only=month_only, product=product, units=units, today=today
    )
    return OutsideDose.objects.create(
        patient=patient,
        given_on=given_on,
        month_only=month_only,
        product=product,
        units=amount,
        where=" ".join((where or "").split())[:120],
        recorded_by=by,
    )
