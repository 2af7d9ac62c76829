"""Reference data: muscles, expressions, products and dose ranges.

Loaded by data migrations (REFERENCE.md); clinic admins edit them in the admin.
Label dose ranges ship as data and are read-only; practice ranges are the
clinic's own.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from ..choices import BASIS_TEXT, MIDLINE_SIDES, PAIRED_SIDES, DoseBasis, Source


class Muscle(models.Model):
    audit_patient = None  # reference data, audited without a patient (audit.subjects)

    code = models.CharField(max_length=8, unique=True, help_text="Short code, e.g. CORR.")
    name = models.CharField(max_length=80)
    region = models.CharField(max_length=40, help_text="e.g. forehead, glabella, lower face.")
    paired = models.BooleanField(
        default=True, help_text="Paired muscles are charted left and right; others at midline."
    )
    midline_site = models.BooleanField(
        default=False,
        help_text="A paired muscle that is also injected at the midline (the central frontalis "
        "site of the BOTOX Cosmetic forehead pattern); the movement map still grades it left "
        "and right.",
    )
    action = models.CharField(
        max_length=120, blank=True, help_text="What it pulls and how it shows, e.g. '11s'."
    )
    order = models.PositiveSmallIntegerField(default=0, help_text="Display order, top to bottom.")

    class Meta:
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def sides(self) -> list[str]:
        """The sides this muscle is injected and charted on: ["L", "R"], ["C"], or
        ["L", "R", "C"] for a paired muscle with a midline site (frontalis)."""
        if self.paired and self.midline_site:
            return [*PAIRED_SIDES, *MIDLINE_SIDES]
        return self.graded_sides

    def has_side(self, side: str) -> bool:
        """Whether a point (planned, charted, touch-up) may lie on ``side``."""
        return side in self.sides

    @property
    def graded_sides(self) -> list[str]:
        """The sides the movement exam grades: ["L", "R"] for a paired muscle (with a
        midline site or not), else ["C"]."""
        return list(PAIRED_SIDES if self.paired else MIDLINE_SIDES)

    def grades_side(self, side: str) -> bool:
        return side in self.graded_sides


class Expression(models.Model):
    audit_patient = None  # reference data, audited without a patient (audit.subjects)

    code = models.CharField(max_length=12, unique=True)
    name = models.CharField(max_length=60)
    instruction = models.CharField(
        max_length=120, blank=True, help_text="What to ask the patient, e.g. 'Frown hard'."
    )
    order = models.PositiveSmallIntegerField(default=0)
    muscles = models.ManyToManyField(
        Muscle, related_name="expressions", help_text="The muscles this expression examines."
    )

    class Meta:
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class ProductQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Product(models.Model):
    """A botulinum toxin type A product. Units of one product are never compared
    with, added to or converted into units of another."""

    audit_patient = None  # reference data, audited without a patient (audit.subjects)

    code = models.SlugField(max_length=30, unique=True)
    brand = models.CharField(max_length=60, unique=True)
    generic_name = models.CharField(max_length=80)
    vial_sizes = models.JSONField(default=list, help_text="Vial sizes in units, e.g. [50, 100].")
    use_within_hours = models.PositiveSmallIntegerField(
        help_text="Hours a reconstituted vial may be used."
    )
    labeled_units_per_0_1_ml = models.DecimalField(
        "labeled concentration (U per 0.1 mL)",
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    labeled_dilution = models.CharField(
        max_length=160, blank=True, help_text="e.g. '100 U + 2.5 mL saline'."
    )
    storage_note = models.CharField(max_length=160, blank=True)
    contains_cows_milk_protein = models.BooleanField(
        default=False, help_text="Contraindicated in cow's-milk protein allergy (label)."
    )
    is_active = models.BooleanField(default=True)
    # The cumulative ceiling, only where the product's label states one (REFERENCE.md):
    # ``label_ceiling_days`` 90 is "in a 3-month interval", 1 "in a treatment session".
    # Units are counted per active ingredient (``generic_name``): BOTOX and BOTOX
    # Cosmetic share one. Label data: changed only with a new label.
    label_ceiling_units = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    label_ceiling_days = models.PositiveSmallIntegerField(null=True, blank=True)
    label_ceiling_text = models.CharField(
        max_length=200, blank=True, help_text="The label's own words for the ceiling."
    )
    # The clinic's own ceiling in 90 days (clinic policy), for any product; shown as such.
    policy_ceiling_units = models.DecimalField(
        "clinic ceiling in 90 days (U)",
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("1"))],
        help_text="Clinic policy: the most units of this product's active ingredient in any "
        "90 days. Empty: none beyond the label's.",
    )

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["brand"]
        constraints = [
            models.CheckConstraint(
                condition=Q(labeled_units_per_0_1_ml__gt=0),
                name="product_concentration_positive",
            ),
            models.CheckConstraint(
                condition=Q(use_within_hours__gt=0), name="product_use_within_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.brand} ({self.generic_name})"

    def clean(self) -> None:
        sizes = self.vial_sizes
        if not isinstance(sizes, list) or not sizes:
            raise ValidationError({"vial_sizes": "List the vial sizes in units, e.g. [50, 100]."})
        if not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in sizes):
            raise ValidationError({"vial_sizes": "Each vial size is a whole number of units."})


class DoseRangeQuerySet(models.QuerySet):
    def label(self):
        return self.filter(kind=Source.LABEL)

    def practice(self):
        return self.filter(kind=Source.PRACTICE)

    def for_product(self, product):
        return self.filter(product=product)


class DoseRange(models.Model):
    """A dose for one product in one area (one or more muscles).

    ``kind`` says whether the figure is the product's label or the clinic's
    usual practice range; every screen that shows it says which.
    """

    audit_patient = None  # reference data, audited without a patient (audit.subjects)

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="dose_ranges")
    area_code = models.SlugField(max_length=40, help_text="e.g. glabellar, lateral-canthal.")
    area = models.CharField(max_length=80, help_text="e.g. 'Glabellar lines'.")
    muscles = models.ManyToManyField(Muscle, related_name="dose_ranges", blank=True)
    kind = models.CharField(max_length=10, choices=Source.choices)
    basis = models.CharField(max_length=10, choices=DoseBasis.choices, default=DoseBasis.TOTAL)
    min_units = models.DecimalField(max_digits=6, decimal_places=1)
    typical_units = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    max_units = models.DecimalField(max_digits=6, decimal_places=1)
    sites = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Injection sites of the labeled pattern."
    )
    units_per_site = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    pattern = models.CharField(max_length=160, blank=True, help_text="e.g. '2 per corrugator'.")
    risk_note = models.CharField(max_length=160, blank=True)
    source_note = models.TextField(blank=True)

    objects = DoseRangeQuerySet.as_manager()

    class Meta:
        ordering = ["product__brand", "kind", "area"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "area_code", "kind"], name="doserange_one_per_product_area_kind"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=Source.values), name="doserange_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(basis__in=DoseBasis.values), name="doserange_basis_valid"
            ),
            models.CheckConstraint(
                condition=Q(min_units__gt=0) & Q(min_units__lte=F("max_units")),
                name="doserange_min_positive_and_not_above_max",
            ),
            models.CheckConstraint(
                condition=Q(typical_units__isnull=True)
                | (Q(typical_units__gte=F("min_units")) & Q(typical_units__lte=F("max_units"))),
                name="doserange_typical_within_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.brand} · {self.area} · {self.range_text} [{self.get_kind_display()}]"

    @property
    def range_text(self) -> str:
        def fmt(value: Decimal) -> str:
            return f"{value.normalize():f}"

        span = (
            fmt(self.min_units)
            if self.min_units == self.max_units
            else f"{fmt(self.min_units)}–{fmt(self.max_units)}"
        )
        return f"{span} U {BASIS_TEXT.get(self.basis, self.basis)}"

    def clean(self) -> None:
        if self.min_units is not None and self.max_units is not None:
            if self.min_units > self.max_units:
                raise ValidationError({"max_units": "The maximum is below the minimum."})
            if self.typical_units is not None and not (
                self.min_units <= self.typical_units <= self.max_units
            ):
                raise ValidationError({"typical_units": "The typical dose lies outside the range."})


class DoseLimit(models.Model):
    """A hard limit for one product in one area (clinic policy): the most units in one
    injection site and in the area (per side or in total). Above it, plans, charts and
    touch-ups are refused; between the usual (practice) range and it, they warn.

    Defaults ship as data from cited practice sources (``source_note``); the clinic
    edits them in the admin. Every area of a product's muscles has one, so every
    point is bounded."""

    audit_patient = None  # reference data, audited without a patient (audit.subjects)

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="dose_limits")
    area_code = models.SlugField(max_length=40)
    area = models.CharField(max_length=80)
    muscles = models.ManyToManyField(Muscle, related_name="dose_limits")
    basis = models.CharField(max_length=10, choices=DoseBasis.choices, default=DoseBasis.TOTAL)
    max_per_site = models.DecimalField(
        "most units in one site",
        max_digits=6,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5"))],
    )
    max_units = models.DecimalField(
        "most units in the area",
        max_digits=6,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5"))],
        help_text="Per side or in total, as the basis says.",
    )
    source_note = models.TextField(blank=True)

    class Meta:
        ordering = ["product__brand", "area"]
        constraints = [
            models.UniqueConstraint(fields=["product", "area_code"], name="doselimit_one_per_area"),
            models.CheckConstraint(
                condition=Q(max_per_site__gt=0) & Q(max_units__gte=F("max_per_site")),
                name="doselimit_positive_site_within_area",
            ),
            models.CheckConstraint(
                condition=Q(basis__in=DoseBasis.values), name="doselimit_basis_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.brand} · {self.area} · limit {self.limit_text} [clinic policy]"

    @property
    def limit_text(self) -> str:
        return (
            f"{self.max_units.normalize():f} U {self.get_basis_display()}, "
            f"{self.max_per_site.normalize():f} U per site"
        )


class EffectDuration(models.Model):
    """How long a treatment of one area usually lasts, in days (REFERENCE.md, Timing):
    upper face 3–4 months, crow's feet 2.5–3.5, lip areas 2–3; Daxxify about 6 months.

    ``product`` empty: any product; a row of a product (Daxxify) wins over the general
    row for the same muscle. Shipped as data by a migration, edited by the clinic in the
    admin; read by ``charting.recall_timing`` for the recall list, the next cycle and the
    patient summary's "what to expect, when"."""

    audit_patient = None  # reference data, audited without a patient (audit.subjects)

    area_code = models.SlugField(max_length=40, help_text="e.g. glabellar, lateral-canthal.")
    area = models.CharField(max_length=80, help_text="e.g. 'Crow's feet'.")
    patient_words = models.CharField(
        "in the patient's words",
        max_length=80,
        blank=True,
        help_text="e.g. 'Around the eyes' (the patient summary); empty: the area's name.",
    )
    product = models.ForeignKey(
        Product,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="effect_durations",
        help_text="Empty: any product. A product's own row (e.g. Daxxify) wins.",
    )
    muscles = models.ManyToManyField(Muscle, related_name="effect_durations")
    min_days = models.PositiveSmallIntegerField(
        "lasts at least (days)", validators=[MinValueValidator(1)]
    )
    max_days = models.PositiveSmallIntegerField("lasts at most (days)")
    source_note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["product__brand", "area"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_days__gt=0) & Q(max_days__gte=F("min_days")),
                name="effectduration_days_positive_ordered",
            ),
            models.UniqueConstraint(
                fields=["area_code"],
                condition=Q(product__isnull=True),
                name="effectduration_one_general_per_area",
            ),
            models.UniqueConstraint(
                fields=["product", "area_code"],
                condition=Q(product__isnull=False),
                name="effectduration_one_per_product_area",
            ),
        ]

    def __str__(self) -> str:
        who = self.product.brand if self.product_id else "any product"
        return f"{self.area} ({who}): {self.min_days}–{self.max_days} days"

    def clean(self) -> None:
        low, high = self.min_days, self.max_days
        if low is not None and high is not None and high < low:
            raise ValidationError({"max_days": "The longest is below the shortest."})
