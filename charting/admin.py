"""Charting in the admin: clinic admins edit consent texts and lots. Charts,
consents and addenda are read in the app; the model layer refuses changes to
anything signed. Due reviews are read here and changed only through their
rules (the reviews-due list books and dismisses, signing the review closes)."""

from django.contrib import admin

from .models import ConsentText, DueReview, Lot


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    list_display = ["version", "title", "is_active", "created_at"]
    list_filter = ["is_active"]


@admin.register(Lot)
class LotAdmin(admin.ModelAdmin):
    list_display = ["number", "product", "expiry_date", "status", "vial_count", "received_on"]
    list_filter = ["status", "product"]
    search_fields = ["number"]


@admin.register(DueReview)
class DueReviewAdmin(admin.ModelAdmin):
    list_display = ["due_on", "closed_as", "patient", "injector", "location"]
    list_filter = ["closed_as", "location"]
    list_select_related = ["patient", "injector", "location"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
