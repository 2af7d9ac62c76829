"""Charting's pages at the site's root (no namespace): the patient page, opening an
appointment's visit, and the front desk's reviews-due and recall lists, which show
no clinical field."""

from django.urls import path

from .views import figures, next_steps, patient_import, patients, reviews_due

urlpatterns = [
    path("patients/import/", patient_import.patient_import_page, name="patient_import"),
    path(
        "patients/import/confirm/",
        patient_import.patient_import_confirm,
        name="patient_import_confirm",
    ),
    path(
        "patients/import/template.csv",
        patient_import.patient_import_template,
        name="patient_import_template",
    ),
    path("patients/<int:patient_id>/", patients.patient_detail, name="patient_detail"),
    path(
        "appointments/<int:appointment_id>/open/",
        patients.open_appointment,
        name="open_appointment",
    ),
    path("reviews-due/", reviews_due.reviews_due, name="reviews_due"),
    path("reviews-due/<int:due_review_id>/book/", reviews_due.review_book, name="review_book"),
    path(
        "reviews-due/<int:due_review_id>/dismiss/",
        reviews_due.review_dismiss,
        name="review_dismiss",
    ),
    path("recall/", reviews_due.recall, name="next_cycle_recall"),
    path("next-steps/", next_steps.next_steps_to_book, name="next_steps_to_book"),
    path("next-steps/<int:step_id>/booked/", next_steps.next_step_booked, name="next_step_booked"),
    path("figures/", figures.figures_page, name="front_desk_figures"),
]
