"""Charting in the admin: clinic admins edit consent texts and lots. Charts,
consents and addenda are read in the app; the model layer refuses changes to
anything signed."""

from django.contrib import admin

from .models import ConsentText, Lot


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    list_display = ["version", "title", "is_active", "created_at"]
    list_filter = ["is_active"]


@admin.register(Lot)
class LotAdmin(admin.ModelAdmin):
    list_display = ["number", "product", "expiry_date", "status", "vial_count", "received_on"]
    list_filter = ["status", "product"]
    search_fields = ["number"]
