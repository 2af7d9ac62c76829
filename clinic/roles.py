"""The three roles of the clinic, and what each may do.

A role is a Django group (created by migration 0002). Pages check roles through
``clinic.access``; Django model permissions follow the table below so that the
admin site shows each role only what it manages.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    INJECTOR = "injector", "Injector"
    FRONT_DESK = "front desk", "Front desk"
    ADMIN = "clinic admin", "Clinic admin"


ALL_ROLES = frozenset(Role)
CLINICAL_ROLES = frozenset({Role.INJECTOR, Role.ADMIN})
STAFF_ROLES = ALL_ROLES

# Model permissions per role: app label -> actions. "*" is every model of the app.
ROLE_MODEL_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    Role.ADMIN: {
        "clinic": ("view", "add", "change", "delete"),
        "planning": ("view", "add", "change", "delete"),
        "charting": ("view", "add", "change"),
        # The letterhead and paper of the PDFs (the only reports model in the admin).
        "reports": ("view", "add", "change"),
        "auth": ("view",),
        # Read the audit log; unlock sign-ins; reset a lost second factor.
        "audit": ("view",),
        "auditlog": ("view",),
        "axes": ("view", "delete"),
        "otp_totp": ("view", "delete"),
        "otp_static": ("view", "delete"),
    },
    Role.INJECTOR: {
        "clinic": ("view",),
        "planning": ("view", "add", "change"),
        "charting": ("view", "add", "change"),
    },
    Role.FRONT_DESK: {},
}


def grant_role_permissions(sender=None, **kwargs) -> None:
    """Give each role group the model permissions of ROLE_MODEL_PERMISSIONS."""
    from django.apps import apps as installed
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    # post_migrate reaches this receiver before auth has made the permissions of
    # the apps after clinic (otp_static, axes...): make them first, or a fresh
    # install grants admins nothing there (the lost-phone reset needs them).
    for app_config in installed.get_app_configs():
        create_permissions(app_config, verbosity=0)
    for role, apps in ROLE_MODEL_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for app_label, actions in apps.items():
            wanted.extend(
                Permission.objects.filter(
                    content_type__app_label=app_label,
                    codename__regex=rf"^({'|'.join(actions)})_",
                )
            )
        group.permissions.set(wanted)
