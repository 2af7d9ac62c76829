from django.urls import path

from .views import cycles, next_steps, outcomes, review, touch_up

app_name = "reviews"

urlpatterns = [
    path(
        "appointments/<int:appointment_id>/open/",
        review.open_for_appointment,
        name="open_for_appointment",
    ),
    path("due/<int:due_review_id>/open/", review.open_for_due, name="open_for_due"),
    path("<int:review_id>/", review.review, name="review"),
    path("<int:review_id>/side-effects/", review.side_effect_add, name="side_effect_add"),
    path("<int:review_id>/photos/", review.photos, name="photos"),
    path("<int:review_id>/touch-up/", touch_up.touch_up, name="touch_up"),
    path("<int:review_id>/touch-up/remove/", touch_up.touch_up_remove, name="touch_up_remove"),
    path("<int:review_id>/sign/", review.sign, name="sign"),
    path("patients/<int:patient_id>/cycles/", cycles.patient_cycles, name="cycles"),
    path("<int:review_id>/next-steps/", next_steps.next_steps, name="next_steps"),
    path("next-steps/<int:step_id>/letter/", next_steps.referral_letter, name="referral_letter"),
    path("outcomes/", outcomes.outcome_summary_page, name="outcomes"),
]
