"""The treatment plan: one product, injection points on the face diagram.

Totals per muscle and side are derived from the points (``planning.dosing``),
never stored twice. ``version`` is an optimistic lock: every save adds one, and
a save that started from an older version is refused (``planning.plans``).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from ..choices import PlanStatus, Side
from ..units import per_point_constraints
from .locking import LockedByVisit, LockedByVisitQuerySet
from .reference import Muscle, Product
from .visits import Visit


def _point_constraints(prefix: str) -> list[models.BaseConstraint]:
    """Invariants shared by plan points and template points."""
    return [
        *per_point_constraints("units", f"{prefix}_units"),
        models.CheckConstraint(
            condition=Q(x__gte=0) & Q(x__lte=1) & Q(y__gte=0) & Q(y__lte=1),
            name=f"{prefix}_xy_on_diagram",
        ),
        models.CheckConstraint(condition=Q(side__in=Side.values), name=f"{prefix}_side_valid"),
    ]


class TreatmentPlanQuerySet(LockedByVisitQuerySet):
    def for_patient(self, patient):
        return self.filter(visit__patient=patient)

    def for_product(self, product):
        return self.filter(product=product)

    def final(self):
        return self.filter(status=PlanStatus.FINAL)

    def drafts(self):
        return self.filter(status=PlanStatus.DRAFT)

    def latest_first(self):
        return self.order_by("-visit__date", "-created_at", "-id")


class TreatmentPlan(LockedByVisit):
    # The audit log's way from a row to its patient (audit.subjects).
    audit_patient = "visit__patient_id"
    locked_what = "plan"

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="plans")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="plans")
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    vial_units = models.PositiveIntegerField(help_text="The chosen vial size, e.g. 100.")
    diluent_ml = models.DecimalField(
        max_digits=5,
        decimal_places=3,
        help_text="Saline added to the vial, e.g. 2.5 (to 0.001 mL: Daxxify 50 U takes 0.625).",
    )
    version = models.PositiveIntegerField(default=1, help_text="Optimistic lock: +1 per save.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    finalized_at = models.DateTimeField(null=True, blank=True)
    # Added by issue 5 (the interface fields above are never renamed).
    finalized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notes = models.TextField(blank=True)
    acknowledgment = models.TextField(
        blank=True, help_text="The injector's note acknowledging the warnings at finalizing."
    )
    findings = models.JSONField(
        default=list,
        blank=True,
        help_text="The dose checks at the last save: level, code, message, source.",
    )

    objects = TreatmentPlanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PlanStatus.values), name="plan_status_valid"
            ),
            models.CheckConstraint(condition=Q(vial_units__gt=0), name="plan_vial_units_positive"),
            models.CheckConstraint(condition=Q(diluent_ml__gt=0), name="plan_diluent_positive"),
            models.CheckConstraint(condition=Q(version__gte=1), name="plan_version_positive"),
            models.CheckConstraint(
                condition=(
                    Q(status=PlanStatus.DRAFT, finalized_at__isnull=True)
                    | Q(status=PlanStatus.FINAL, finalized_at__isnull=False)
                ),
                name="plan_finalized_at_iff_final",
            ),
        ]
        indexes = [
            # "Start from last plan": a patient's plans of one product, newest first.
            models.Index(fields=["product", "-created_at"], name="plan_product_created_idx"),
        ]

    def __str__(self) -> str:
        return f"Plan {self.pk} ({self.get_status_display()}) for visit {self.visit_id}"

    def get_absolute_url(self) -> str:
        return reverse("planning:plan", args=[self.pk])

    @property
    def is_final(self) -> bool:
        return self.status == PlanStatus.FINAL

    @property
    def concentration_per_ml(self) -> Decimal:
        """Units per mL: vial units ÷ diluent mL (REFERENCE.md)."""
        return Decimal(self.vial_units) / self.diluent_ml


class InjectionPoint(LockedByVisit):
    visit_path = "plan__visit"
    locked_what = "plan"

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="points")
    muscle = models.ForeignKey(Muscle, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=1, choices=Side.choices)
    x = models.DecimalField(
        max_digits=5, decimal_places=4, help_text="0..1, fraction of diagram width."
    )
    y = models.DecimalField(
        max_digits=5, decimal_places=4, help_text="0..1, fraction of diagram height."
    )
    units = models.DecimalField(
        max_digits=5, decimal_places=1, help_text="> 0, multiple of 0.5, at most 100."
    )
    depth = models.CharField(max_length=20, blank=True)
    note = models.CharField(max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    objects = LockedByVisitQuerySet.as_manager()

    class Meta:
        ordering = ["order", "id"]
        constraints = _point_constraints("point")

    def __str__(self) -> str:
        return f"{self.muscle_id}/{self.side} {self.units} U"


class PlanKeep(LockedByVisit):
    """A muscle segment and side the plan spares on purpose, with the injector's short
    reason (issue 21: the lateral frontalis kept to hold the brow tail). No planned
    point may lie on it (planning.keeps, the one rule)."""

    visit_path = "plan__visit"
    locked_what = "plan"
    audit_patient = "plan__visit__patient_id"

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="keeps")
    muscle = models.ForeignKey(Muscle, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=1, choices=Side.choices)
    reason = models.CharField(
        max_length=120, help_text="Why it is spared, e.g. 'holds the brow tail'."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = LockedByVisitQuerySet.as_manager()

    class Meta:
        ordering = ["muscle__order", "side"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "muscle", "side"], name="plankeep_one_per_segment_side"
            ),
            models.CheckConstraint(condition=Q(side__in=Side.values), name="plankeep_side_valid"),
            models.CheckConstraint(condition=~Q(reason=""), name="plankeep_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.muscle_id}/{self.side} kept on plan {self.plan_id}"


class PlanTemplateQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def for_product(self, product):
        return self.filter(product=product)


class PlanTemplate(models.Model):
    """A named plan saved by the clinic (e.g. "Glabella 20 U"), applied to new plans
    of the same product only."""

    name = models.CharField(max_length=80)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="plan_templates")
    description = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = PlanTemplateQuerySet.as_manager()

    class Meta:
        ordering = ["product__brand", "name"]
        constraints = [
            models.UniqueConstraint(fields=["product", "name"], name="plantemplate_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class PlanTemplatePoint(models.Model):
    template = models.ForeignKey(PlanTemplate, on_delete=models.CASCADE, related_name="points")
    muscle = models.ForeignKey(Muscle, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=1, choices=Side.choices)
    x = models.DecimalField(max_digits=5, decimal_places=4)
    y = models.DecimalField(max_digits=5, decimal_places=4)
    units = models.DecimalField(max_digits=5, decimal_places=1)
    depth = models.CharField(max_length=20, blank=True)
    note = models.CharField(max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = _point_constraints("templatepoint")

    def __str__(self) -> str:
        return f"{self.muscle_id}/{self.side} {self.units} U"
