from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project package as an app only for its management command (seed_demo)."""

    name = "config"
    label = "project"
    verbose_name = "Project"
