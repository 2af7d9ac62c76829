"""Enums of the two-week review."""

from __future__ import annotations

from django.db import models


class Gais(models.IntegerChoices):
    """Global Aesthetic Improvement Scale (REFERENCE.md), best first."""

    VERY_MUCH_IMPROVED = 1, "Very much improved"
    MUCH_IMPROVED = 2, "Much improved"
    IMPROVED = 3, "Improved"
    NO_CHANGE = 4, "No change"
    WORSE = 5, "Worse"


class Satisfaction(models.IntegerChoices):
    """Patient satisfaction, 1 very satisfied … 7 very dissatisfied (REFERENCE.md)."""

    S1 = 1, "1 · very satisfied"
    S2 = 2, "2 · satisfied"
    S3 = 3, "3 · somewhat satisfied"
    S4 = 4, "4 · neutral"
    S5 = 5, "5 · somewhat dissatisfied"
    S6 = 6, "6 · dissatisfied"
    S7 = 7, "7 · very dissatisfied"


class SideEffectKind(models.TextChoices):
    EYELID_PTOSIS = "eyelid_ptosis", "Eyelid ptosis"
    BROW_PTOSIS = "brow_ptosis", "Brow ptosis"
    ASYMMETRY = "asymmetry", "Asymmetry"
    HEADACHE = "headache", "Headache"
    OTHER = "other", "Other"


# The muscles a side effect points at when the injector names none: the next
# cycle's suggestion gives these less [practice]. Headache lowers nothing.
IMPLICATED_MUSCLES: dict[str, frozenset[str]] = {
    SideEffectKind.EYELID_PTOSIS: frozenset({"CORR", "PROC", "DSUP", "FRONT", "FRONTL", "OOC"}),
    # Brow ptosis comes from weakening the brow's only elevator (frontalis); the lateral
    # orbicularis oculi depresses the brow tail, so it is never lowered for brow ptosis.
    # Both parts of frontalis (medial FRONT, lateral FRONTL: the brow tail) count.
    SideEffectKind.BROW_PTOSIS: frozenset({"FRONT", "FRONTL"}),
    SideEffectKind.ASYMMETRY: frozenset(),  # names its muscle, or every treated muscle
    SideEffectKind.HEADACHE: frozenset(),
    SideEffectKind.OTHER: frozenset(),
}


class NextStepKind(models.TextChoices):
    """A next stage of the plan that is not toxin, recorded at the review. The front desk
    sees only this kind (what to book) and the due date, never the detail."""

    FILLER = "filler", "Filler"
    RESURFACING = "resurfacing", "Resurfacing"
    SKIN_CARE = "skin_care", "Skin care"
    REFERRAL = "referral", "Referral"


class NextStepStatus(models.TextChoices):
    OPEN = "open", "To book"
    BOOKED = "booked", "Booked"
