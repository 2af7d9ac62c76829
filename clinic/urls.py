from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from .views import patients, system

handler403 = "clinic.views.system.permission_denied"

urlpatterns = [
    path("", system.home, name="home"),
    path("healthz", system.healthz, name="healthz"),
    path("location/", system.switch_location, name="switch_location"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(success_url="/password/done/"),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("patients/", patients.patient_list, name="patient_list"),
    path("patients/new/", patients.patient_create, name="patient_create"),
    path("patients/<int:patient_id>/", patients.patient_detail, name="patient_detail"),
    path("patients/<int:patient_id>/edit/", patients.patient_edit, name="patient_edit"),
    path("planning/", include("planning.urls")),
    path("charting/", include("charting.urls")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
]
