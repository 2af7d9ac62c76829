from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Appointment, Location, Patient, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["last_name", "first_name"]
    list_display = ["email", "first_name", "last_name", "title", "is_active", "last_login"]
    list_filter = ["groups", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["first_name", "last_name", "title", "default_location"]}),
        ("Role", {"fields": ["groups", "is_active"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "first_name", "last_name", "groups", "password1", "password2"],
            },
        )
    ]
    readonly_fields = ["last_login", "date_joined"]
    filter_horizontal = ["groups"]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "opens_at", "closes_at", "is_active"]


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["chart_number", "last_name", "first_name", "date_of_birth", "is_active"]
    search_fields = ["chart_number", "last_name", "first_name"]
    list_filter = ["is_active", "home_location"]


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "kind", "status", "patient", "injector", "location"]
    list_filter = ["status", "kind", "location"]
    date_hierarchy = "starts_at"
    list_select_related = ["patient", "injector", "location"]
    raw_id_fields = ["patient", "injector", "created_by"]
    readonly_fields = ["reminder_sent_at", "created_at"]
