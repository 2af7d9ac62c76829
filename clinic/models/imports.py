"""A CSV of patients read and checked, waiting for the admin to import it
(``clinic.patient_import``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class PatientImport(models.Model):
    """One admin's uploaded patient list, parsed, with each row's problems.

    Kept server-side so the preview survives a reload; one per person (a new upload
    replaces it), deleted when imported and, unimported, after
    ``clinic.patient_import.KEEP`` (the daily sweep). Holds patient data: never
    logged, never in the audit log's detail (the file's hash and counts are)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    file_name = models.CharField(max_length=200, blank=True)
    file_sha256 = models.CharField(max_length=64)
    encoding = models.CharField(max_length=40)
    # [{"line": 2, "values": {"first_name": ...}, "problems": ["..."]}, ...]
    rows = models.JSONField(default=list)
    notices = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.file_name} ({len(self.rows)} rows)"

    @property
    def problem_rows(self) -> list[dict]:
        return [row for row in self.rows if row["problems"]]
