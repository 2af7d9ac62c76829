"""Enums of the charting app."""

from __future__ import annotations

from django.db import models


class LotStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    QUARANTINED = "quarantined", "Quarantined"
    RECALLED = "recalled", "Recalled"


class AdverseKind(models.TextChoices):
    BRUISE = "bruise", "Bruise"
    PAIN = "pain", "Pain at the site"
    HEADACHE = "headache", "Headache"
    VASOVAGAL = "vasovagal", "Vasovagal reaction"
    OTHER = "other", "Other"


class Severity(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"


DILUENT_SALINE = "0.9% sodium chloride, preservative-free"
