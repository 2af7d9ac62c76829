"""Every page of the site: each app's URLs mounted here, plus sign-in (Django's
views with our form) and the admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from security.forms import SignInForm
from security.views import ChangePasswordView, ChoosePasswordView, ForgotPasswordView

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
    path("password/", ChangePasswordView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # Forgot password, and the invitation's link (security.onboarding).
    path("password/forgot/", ForgotPasswordView.as_view(), name="password_reset"),
    path(
        "password/forgot/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/choose/<uidb64>/<token>/",
        ChoosePasswordView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/choose/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("planning/", include("planning.urls")),
    path("charting/", include("charting.urls")),
    path("reviews/", include("charting.reviews.urls")),
    path("reports/", include("charting.reports.urls")),
    # The patient's pages (pre-visit intake by link): the only public prefix.
    path("p/", include("charting.patient.urls")),
    path("admin/", admin.site.urls),
    path("audit/", include("audit.urls")),
    path("account/", include("security.urls")),
]
