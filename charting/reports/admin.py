"""The clinic's letterhead and paper in the Django admin (one row; the logo cleaned
like a photo, ``reports.letterhead``), the summary's wording, and the log of records
given (read-only: a release is logged on the patient's record page, where its rules
are)."""

import datetime

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import DateField, ExpressionWrapper, F

from . import letterhead as rules
from .models import Letterhead, RecordRelease, SummaryWording
from .summary_wording import ALLOWED


class LetterheadForm(forms.ModelForm):
    logo = forms.FileField(
        required=False,
        help_text="JPEG or PNG; printed on page 1 of every PDF (re-encoded, no metadata).",
    )
    remove_logo = forms.BooleanField(required=False, label="Remove the logo")

    class Meta:
        model = Letterhead
        fields = ["name", "address", "phone", "paper"]

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        if upload:
            try:
                self.cleaned_logo = rules.clean_logo(upload)
            except ValidationError as exc:
                raise forms.ValidationError(exc.messages) from exc
        return upload


@admin.register(Letterhead)
class LetterheadAdmin(admin.ModelAdmin):
    form = LetterheadForm
    list_display = ["__str__", "name", "paper", "updated_at"]

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and not Letterhead.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        obj.pk = 1
        if form.cleaned_data.get("logo"):
            rules.store_logo(letterhead=obj, cleaned=form.cleaned_logo)
        elif form.cleaned_data.get("remove_logo"):
            rules.remove_logo(letterhead=obj)
        super().save_model(request, obj, form, change)


@admin.register(SummaryWording)
class SummaryWordingAdmin(admin.ModelAdmin):
    """The patient summary's sentences (``reports.summary_wording``): edited, never added
    or deleted (the summary reads them by key; the placeholders are checked on save)."""

    list_display = ["kind", "key", "text"]
    list_filter = ["kind"]
    search_fields = ["key", "text"]
    readonly_fields = ["kind", "key", "placeholders"]
    fields = ["kind", "key", "placeholders", "text"]

    @admin.display(description="May use")
    def placeholders(self, obj):
        allowed = ALLOWED.get((obj.kind, obj.key), set())
        return ", ".join(f"{{{name}}}" for name in sorted(allowed)) or "no placeholders"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LateFilter(admin.SimpleListFilter):
    """Given after the clinic's deadline (``RecordRelease.late``: RECORD_RELEASE_DAYS
    from the request), or within it."""

    title = "given late"
    parameter_name = "late"

    def lookups(self, request, model_admin):
        return [("yes", "Late"), ("no", "Within the deadline")]

    def queryset(self, request, queryset):
        if self.value() not in ("yes", "no"):
            return queryset
        due = ExpressionWrapper(
            F("requested_on") + datetime.timedelta(days=settings.RECORD_RELEASE_DAYS),
            output_field=DateField(),
        )
        queryset = queryset.alias(due_on=due)
        if self.value() == "yes":
            return queryset.filter(given_on__gt=F("due_on"))
        return queryset.filter(given_on__lte=F("due_on"))


@admin.register(RecordRelease)
class RecordReleaseAdmin(admin.ModelAdmin):
    """The log of records given, to read and filter: never added, changed or deleted
    here (the record page logs a release with its checks and its audit)."""

    list_display = [
        "given_on",
        "patient",
        "given_to",
        "method",
        "requested_on",
        "due",
        "is_late",
        "given_by",
        "job",
    ]
    list_filter = ["method", LateFilter]
    list_select_related = ["patient", "given_by", "job"]
    date_hierarchy = "given_on"

    @admin.display(description="Due by")
    def due(self, obj):
        return obj.due_on

    @admin.display(description="Late", boolean=True)
    def is_late(self, obj):
        return obj.late

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
