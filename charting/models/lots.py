"""Lots of product and the vials reconstituted from them."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clinic.input_bounds import date_in_window

from ..choices import DILUENT_SALINE, LotStatus
from .locking import SignedRecordError


class LotQuerySet(models.QuerySet):
    def for_product(self, product):
        return self.filter(product=product)

    def usable_on(self, day: datetime.date):
        """Active lots not expired on ``day`` (the expiry day itself is still usable)."""
        return self.filter(status=LotStatus.ACTIVE, expiry_date__gte=day)


class Lot(models.Model):
    # The audit log's way from a row to its patient (audit.subjects).
    audit_patient = None

    product = models.ForeignKey("planning.Product", on_delete=models.PROTECT, related_name="lots")
    number = models.CharField("lot number", max_length=40)
    expiry_date = models.DateField(help_text="Usable up to and including this day.")
    received_on = models.DateField(default=timezone.localdate)
    vial_count = models.PositiveIntegerField("vials received", default=1)
    status = models.CharField(max_length=12, choices=LotStatus.choices, default=LotStatus.ACTIVE)
    status_note = models.CharField(
        max_length=200, blank=True, help_text="Why the lot is quarantined or recalled."
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = LotQuerySet.as_manager()

    class Meta:
        ordering = ["product__brand", "expiry_date", "number"]
        constraints = [
            models.UniqueConstraint(fields=["product", "number"], name="lot_unique_per_product"),
            models.CheckConstraint(
                condition=Q(status__in=LotStatus.values), name="lot_status_valid"
            ),
            models.CheckConstraint(condition=~Q(number=""), name="lot_number_not_blank"),
        ]
        indexes = [
            # The recall search looks lots up by number, whatever the case.
            models.Index(models.functions.Upper("number"), name="lot_number_upper_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} · {self.product.brand} · exp {self.expiry_date:%Y-%m-%d}"

    # What a signed chart shows of its lot: never changed once one is signed with it
    # (the signature covers the lot number; a renamed lot would rewrite signed records).
    SIGNED_FIELDS = ("product_id", "number", "expiry_date")
    SIGNED_MESSAGE = (
        "Lot {number} is in signed charts: its product, number and expiry stay as they "
        "were signed. Record the correct lot as a new lot (and an addendum where a chart "
        "named the wrong one)."
    )

    def save(self, *args, **kwargs):
        """The model layer holds too (a script, a shell): refused, never silently."""
        if self.signed_fields_changed() and self.used_in_signed_charts():
            raise SignedRecordError(self.SIGNED_MESSAGE.format(number=self.number))
        super().save(*args, **kwargs)

    # A lot's dates in a sane window (issue 18, finding 7): a toxin keeps for about three
    # years, so an expiry more than five years ahead is a typing error; ten years back
    # still lets an old lot be recorded for the charts that used it.
    EXPIRY_BACK_DAYS, EXPIRY_AHEAD_DAYS = 3653, 1827
    RECEIVED_BACK_DAYS, RECEIVED_AHEAD_DAYS = 3653, 1

    def clean(self) -> None:
        """Every door of a lot (the lot page, the Django admin, the demo data) calls
        ``full_clean`` and so says why, at the form."""
        super().clean()
        self.clean_dates()
        if self.signed_fields_changed() and self.used_in_signed_charts():
            raise ValidationError(self.SIGNED_MESSAGE.format(number=self.number))

    def clean_dates(self) -> None:
        """The expiry and the day received, in their windows (``clinic.input_bounds``).
        Checked when they are new or changed, so an old lot's status can still change."""
        stored = {}
        if self.pk is not None:
            stored = (
                type(self).objects.filter(pk=self.pk).values("expiry_date", "received_on").first()
                or {}
            )
        windows = {
            "expiry_date": (self.EXPIRY_BACK_DAYS, self.EXPIRY_AHEAD_DAYS),
            "received_on": (self.RECEIVED_BACK_DAYS, self.RECEIVED_AHEAD_DAYS),
        }
        errors = {}
        for name, (back, ahead) in windows.items():
            value = getattr(self, name)
            if value is None or stored.get(name) == value:
                continue
            try:
                date_in_window(value, back_days=back, ahead_days=ahead)
            except ValidationError as error:
                errors[name] = error
        if errors:
            raise ValidationError(errors)

    def used_in_signed_charts(self) -> bool:
        return self.vials.filter(injections__treatment__signed_at__isnull=False).exists()

    def signed_fields_changed(self) -> bool:
        if self.pk is None:
            return False
        stored = type(self).objects.filter(pk=self.pk).values(*self.SIGNED_FIELDS).first()
        return stored is not None and any(
            stored[name] != getattr(self, name) for name in self.SIGNED_FIELDS
        )


class VialQuerySet(models.QuerySet):
    def for_pages(self):
        return self.select_related("lot__product", "reconstituted_by")

    def of_product(self, product):
        return self.filter(lot__product=product)


class Vial(models.Model):
    """One vial reconstituted from a lot; it serves one patient (a treatment and its
    touch-up) until its use-by [label: single-dose vials]."""

    # The audit log's way from a row to its patient (audit.subjects).
    audit_patient = None

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="vials")
    vial_units = models.PositiveIntegerField("vial size (U)")
    diluent = models.CharField(max_length=80, default=DILUENT_SALINE)
    # To 0.001 mL, as the plan: Daxxify's label dilution of a 50 U vial is 0.625 mL.
    diluent_ml = models.DecimalField("diluent (mL)", max_digits=5, decimal_places=3)
    reconstituted_at = models.DateTimeField(default=timezone.now)
    reconstituted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = VialQuerySet.as_manager()

    class Meta:
        ordering = ["-reconstituted_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(vial_units__gt=0), name="vial_units_positive"),
            models.CheckConstraint(
                condition=Q(diluent_ml__gt=0) & Q(diluent_ml__lte=10),
                name="vial_diluent_0_to_10_ml",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.short_label} · {self.vial_units} U + {self.diluent_ml.normalize():f} mL · "
            f"opened {timezone.localtime(self.reconstituted_at):%b %-d}"
        )

    @property
    def short_label(self) -> str:
        """Lot, vial number and opening time to the second: two vials of one lot opened
        in the same minute still read differently in a select (issue 17, finding 9)."""
        return (
            f"{self.lot.number} · vial {self.pk} · "
            f"{timezone.localtime(self.reconstituted_at):%H:%M:%S}"
        )

    @property
    def use_by(self) -> datetime.datetime:
        """Reconstituted at + the product's hours (24 h; Daxxify 72 h) [label]."""
        return self.reconstituted_at + datetime.timedelta(hours=self.lot.product.use_within_hours)

    @property
    def units_per_ml(self) -> Decimal:
        return Decimal(self.vial_units) / self.diluent_ml

    @property
    def units_per_0_1_ml(self) -> Decimal:
        return (self.units_per_ml / 10).quantize(Decimal("0.01"))
