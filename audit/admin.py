from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: nobody adds, changes or deletes an audit event here."""

    list_display = [
        "seq",
        "at",
        "actor_label",
        "role",
        "action",
        "object_type",
        "object_id",
        "patient_id",
        "ip",
    ]
    list_filter = ["action"]
    search_fields = ["actor_label", "object_id", "request_id"]
    date_hierarchy = "at"
    actions = None

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
