"""Staff sign-in in the Django admin: invitations, typed passwords, the
lost-phone reset.

The staff admin itself lives in ``clinic.admin``; passwords and the second
factor are this app's, so they are added here (clinic sits below security). A
new user made without a password gets an invitation link (``onboarding``); a
password the admin types must be replaced at the user's next sign-in."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.forms import AdminPasswordChangeForm

from audit.events import record
from audit.models import Action
from clinic.admin import UserAdmin
from clinic.models import User

from . import onboarding
from .two_factor import reset_second_factor


def above(request, user) -> bool:
    """A superuser is managed by superusers only: a clinic admin who could set a
    superuser's password, reset their second factor or re-invite them could sign
    in as them."""
    return user.is_superuser and not request.user.is_superuser


def _refuse_above(request, queryset) -> bool:
    if any(above(request, user) for user in queryset):
        messages.error(request, "Superusers are managed by a superuser: nothing was done.")
        return True
    return False


@admin.action(
    description="Reset second factor (lost phone): enrol again at next sign-in",
    permissions=["change"],
)
def reset_second_factor_action(modeladmin, request, queryset):
    if _refuse_above(request, queryset):
        return
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


@admin.action(
    description="Send an invitation (a link to choose a password)", permissions=["change"]
)
def send_invitation_action(modeladmin, request, queryset):
    if _refuse_above(request, queryset):
        return
    sent = 0
    for user in queryset:
        if onboarding.send_invitation(user=user, request=request):
            sent += 1
        else:
            messages.error(request, onboarding.NOT_SENT.format(email=user.email))
    if sent:
        messages.success(request, f"Invitation sent to {sent} staff member(s).")


class TypedPasswordForm(AdminPasswordChangeForm):
    """The admin's "set password" page: the user replaces it at next sign-in."""

    def save(self, commit=True):
        onboarding.admin_set_password(self.user)
        return super().save(commit=commit)


class SecuredUserAdmin(UserAdmin):
    actions = [send_invitation_action, reset_second_factor_action]
    change_password_form = TypedPasswordForm
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "first_name", "last_name", "groups"],
            },
        ),
        (
            "Password",
            {
                "description": "Leave password-based sign-in off to e-mail the new user an "
                "invitation to choose their own password. A password you type here must be "
                "changed at the first sign-in.",
                "fields": ["usable_password", "password1", "password2"],
            },
        ),
    ]

    def has_change_permission(self, request, obj=None):
        # The change form and the set-password page of a superuser: superusers only.
        if obj is not None and above(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and above(request, obj):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        typed = not change and obj.has_usable_password()
        if typed:
            onboarding.admin_set_password(obj)
        super().save_model(request, obj, form, change)
        if not change and not typed:
            if onboarding.send_invitation(user=obj, request=request):
                messages.info(request, f"An invitation to choose a password went to {obj.email}.")
            else:
                messages.error(request, onboarding.NOT_SENT.format(email=obj.email))


admin.site.unregister(User)
admin.site.register(User, SecuredUserAdmin)
