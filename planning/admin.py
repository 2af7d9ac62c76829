"""Reference data in the admin: clinic admins edit muscles, expressions,
products, practice ranges, the clinic's ceilings and hard limits (clinic policy).
Label ranges and label ceilings ship as data and are read-only."""

from django.contrib import admin

from .choices import Source
from .models import (
    DoseLimit,
    DoseRange,
    EffectDuration,
    Expression,
    Muscle,
    PlanTemplate,
    PlanTemplatePoint,
    Product,
)


@admin.register(Muscle)
class MuscleAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region", "paired", "midline_site", "order"]
    list_editable = ["order"]
    search_fields = ["code", "name", "region"]


@admin.register(Expression)
class ExpressionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "instruction", "order"]
    list_editable = ["order"]
    filter_horizontal = ["muscles"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "brand",
        "generic_name",
        "vial_sizes",
        "labeled_units_per_0_1_ml",
        "use_within_hours",
        "label_ceiling_units",
        "policy_ceiling_units",
        "is_active",
    ]
    list_filter = ["is_active"]
    # The label's ceiling changes only with a new label (a data migration); the clinic's
    # own ceiling (clinic policy) is edited here and shown as such on every check.
    readonly_fields = ["label_ceiling_units", "label_ceiling_days", "label_ceiling_text"]


@admin.register(DoseLimit)
class DoseLimitAdmin(admin.ModelAdmin):
    """Hard limits per area and product (clinic policy): above them plans, charts and
    touch-ups are refused (planning.dosing.limit_checks)."""

    list_display = ["product", "area", "basis", "max_per_site", "max_units"]
    list_filter = ["product"]
    search_fields = ["area", "area_code"]
    filter_horizontal = ["muscles"]


@admin.register(DoseRange)
class DoseRangeAdmin(admin.ModelAdmin):
    list_display = ["product", "area", "kind", "basis", "min_units", "typical_units", "max_units"]
    list_filter = ["kind", "product"]
    search_fields = ["area", "area_code"]
    filter_horizontal = ["muscles"]

    def _is_label(self, obj) -> bool:
        return obj is not None and obj.kind == Source.LABEL

    def has_change_permission(self, request, obj=None) -> bool:
        # Label figures change only with a new label (a data migration).
        return not self._is_label(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return not self._is_label(obj) and super().has_delete_permission(request, obj)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "kind":
            # Clinics add practice ranges; label ranges come only from migrations.
            kwargs["choices"] = [(Source.PRACTICE, Source.PRACTICE.label)]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


@admin.register(EffectDuration)
class EffectDurationAdmin(admin.ModelAdmin):
    """How long each area lasts (REFERENCE.md Timing), per product where it differs
    (Daxxify): the recall list and the next cycle's date read it (charting.recall_timing)."""

    list_display = ["area", "patient_words", "product", "min_days", "max_days"]
    list_filter = ["product"]
    search_fields = ["area", "area_code"]
    filter_horizontal = ["muscles"]


class PlanTemplatePointInline(admin.TabularInline):
    model = PlanTemplatePoint
    extra = 0


@admin.register(PlanTemplate)
class PlanTemplateAdmin(admin.ModelAdmin):
    """Clinic plan templates (made from a plan with "Save as template"); one product each."""

    list_display = ["name", "product", "is_active", "created_at"]
    list_filter = ["product", "is_active"]
    search_fields = ["name"]
    inlines = [PlanTemplatePointInline]
