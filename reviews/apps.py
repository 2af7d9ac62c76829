from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Two-week reviews"

    def ready(self) -> None:
        from planning import suggested_doses

        from .starting_doses import CycleSuggestions

        suggested_doses.register(CycleSuggestions())
