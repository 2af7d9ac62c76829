"""The submits of forms that create a record, each stored once (``clinic.once``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class FormSubmit(models.Model):
    """One rendered form's submit that created a record, and where that record is.

    ``key`` is a digest of the person, the form's address and the form's one-time
    token: its unique index is what makes a second submit of the same form (two
    clicks, a resent form, a second tab racing the first) wait for the first and
    then find its record."""

    key = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    url = models.CharField("the record's address", max_length=300)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.url} ({self.created_at:%Y-%m-%d %H:%M})"
