"""The lost-phone reset in the Django admin: an action on the staff list.

The staff admin itself lives in ``clinic.admin``; the second factor is this
app's, so the action is added here (clinic sits below security)."""

from __future__ import annotations

from django.contrib import admin, messages

from audit.events import record
from audit.models import Action
from clinic.admin import UserAdmin
from clinic.models import User

from .two_factor import reset_second_factor


@admin.action(description="Reset second factor (lost phone): enrol again at next sign-in")
def reset_second_factor_action(modeladmin, request, queryset):
    for user in queryset:
        removed = reset_second_factor(user=user)
        record(
            request=request,
            action=Action.DELETE,
            obj=user,
            detail={"second_factor": "reset", "devices": removed},
        )
    messages.success(
        request,
        f"Second factor reset for {queryset.count()} staff member(s): each sets up an "
        "authenticator at the next sign-in.",
    )


class SecuredUserAdmin(UserAdmin):
    actions = [reset_second_factor_action]


admin.site.unregister(User)
admin.site.register(User, SecuredUserAdmin)
