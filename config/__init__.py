"""The project package: settings, URLs, the Celery app, WSGI/ASGI, and the
demo-data command that composes each app's demo. It sits above every app."""

from .celery import app as celery_app

__all__ = ["celery_app"]
