from django.urls import path

from .views import movement, outside_dose_import, photos, plans, screening, visits

app_name = "planning"

urlpatterns = [
    # Past toxin treatments from a CSV (issue 23), the clinic admin's
    path(
        "import/past-toxin/",
        outside_dose_import.outside_dose_import_page,
        name="outside_dose_import",
    ),
    path(
        "import/past-toxin/confirm/",
        outside_dose_import.outside_dose_import_confirm,
        name="outside_dose_import_confirm",
    ),
    path(
        "import/past-toxin/template.csv",
        outside_dose_import.outside_dose_import_template,
        name="outside_dose_import_template",
    ),
    path("patients/<int:patient_id>/start/", visits.start, name="start_consultation"),
    path("visits/<int:visit_id>/", visits.visit_detail, name="visit_detail"),
    path("visits/<int:visit_id>/not-treated/", visits.not_treated, name="not_treated"),
    path("visits/<int:visit_id>/screening/", screening.screening, name="screening"),
    path("visits/<int:visit_id>/screening/confirm/", screening.confirm, name="screening_confirm"),
    path(
        "visits/<int:visit_id>/screening/elsewhere/",
        screening.outside_dose,
        name="screening_outside_dose",
    ),
    path(
        "visits/<int:visit_id>/screening/acknowledge/",
        screening.acknowledge_warnings,
        name="screening_acknowledge",
    ),
    path("visits/<int:visit_id>/map/", movement.movement_map, name="movement_map"),
    path("visits/<int:visit_id>/photos/", photos.photos, name="photos"),
    path("photos/<int:photo_id>/", photos.photo_file, name="photo_file"),
    path("photos/<int:photo_id>/thumbnail/", photos.photo_thumbnail, name="photo_thumbnail"),
    # Treatment plans (issue 5)
    path("visits/<int:visit_id>/plan/", plans.plan_for_visit, name="plan_for_visit"),
    path("plans/<int:plan_id>/", plans.plan_editor, name="plan"),
    path("plans/<int:plan_id>/preview/", plans.plan_preview, name="plan_preview"),
    path("plans/<int:plan_id>/apply/", plans.plan_apply, name="plan_apply"),
    path("plans/<int:plan_id>/keep/", plans.plan_keep, name="plan_keep"),
    path("plans/<int:plan_id>/template/", plans.plan_save_template, name="plan_save_template"),
]
