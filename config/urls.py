"""Every page of the site: each app's URLs mounted here, plus sign-in (Django's
views with our form) and the admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from security.forms import SignInForm

handler403 = "clinic.views.system.permission_denied"

urlpatterns = [
    path("", include("clinic.urls")),
    path("", include("charting.front_urls")),
    path(
        "login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=SignInForm
        ),
        name="login",
    ),
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
    path("planning/", include("planning.urls")),
    path("charting/", include("charting.urls")),
    path("reviews/", include("charting.reviews.urls")),
    path("reports/", include("charting.reports.urls")),
    path("admin/", admin.site.urls),
    path("audit/", include("audit.urls")),
    path("account/", include("security.urls")),
]
