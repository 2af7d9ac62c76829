from django.urls import path

from .views import movement, photos, screening, visits

app_name = "planning"

urlpatterns = [
    path("patients/<int:patient_id>/start/", visits.start, name="start_consultation"),
    path("visits/<int:visit_id>/", visits.visit_detail, name="visit_detail"),
    path("visits/<int:visit_id>/screening/", screening.screening, name="screening"),
    path("visits/<int:visit_id>/screening/confirm/", screening.confirm, name="screening_confirm"),
    path(
        "visits/<int:visit_id>/screening/acknowledge/",
        screening.acknowledge_warnings,
        name="screening_acknowledge",
    ),
    path("visits/<int:visit_id>/map/", movement.movement_map, name="movement_map"),
    path("visits/<int:visit_id>/photos/", photos.photos, name="photos"),
    path("photos/<int:photo_id>/", photos.photo_file, name="photo_file"),
    path("photos/<int:photo_id>/thumbnail/", photos.photo_thumbnail, name="photo_thumbnail"),
]
