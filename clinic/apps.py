from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import roles

        # Permissions of models are created after migrations run, so role
        # permissions are granted from the declarative table in roles.py then.
        post_migrate.connect(roles.grant_role_permissions, dispatch_uid="grant_role_permissions")


class ClinicAdminConfig(AdminConfig):
    """Django's admin, open to clinic admins only."""

    default_site = "clinic.admin_site.ClinicAdminSite"
