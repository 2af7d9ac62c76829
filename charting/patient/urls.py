"""The patient's pages, mounted at /p/ (the only prefix a reverse proxy exposes)."""

from django.urls import path

from . import views

app_name = "patient"

urlpatterns = [
    path("start/", views.start, name="start"),
    path("intake/", views.intake, name="intake"),
    path("done/", views.done, name="done"),
    path("<str:token>/", views.open_link, name="open"),
]
