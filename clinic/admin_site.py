from django.contrib.admin import AdminSite

from .roles import Role


class ClinicAdminSite(AdminSite):
    site_header = "Clinic administration"
    site_title = "Clinic administration"
    index_title = "Staff, locations and reference data"

    def has_permission(self, request) -> bool:
        user = request.user
        return user.is_active and user.is_authenticated and user.has_role(Role.ADMIN)
