from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project package as an app: its management command (seed_demo), and how
    many prepared statements a database connection keeps, and its timestamps' loader
    (config.database)."""

    name = "config"
    label = "project"
    verbose_name = "Project"

    def ready(self):
        from django.db.backends.signals import connection_created

        from .database import fast_timestamps, keep_prepared

        connection_created.connect(keep_prepared, dispatch_uid="config.keep_prepared")
        connection_created.connect(fast_timestamps, dispatch_uid="config.fast_timestamps")
