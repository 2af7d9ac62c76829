from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "charting.reviews"
    label = "reviews"
    verbose_name = "Two-week reviews"
