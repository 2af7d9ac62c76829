"""Enums shared by the clinical apps (planning and charting)."""

from __future__ import annotations

from django.db import models


class Side(models.TextChoices):
    """Which side of the face: the patient's left or right, or midline."""

    LEFT = "L", "Left"
    RIGHT = "R", "Right"
    CENTER = "C", "Midline"


# In the order every screen shows them (planning/sides.py): the patient's right first,
# as on the face diagram, where the patient's right is on the viewer's left.
PAIRED_SIDES: tuple[str, ...] = (Side.RIGHT, Side.LEFT)
MIDLINE_SIDES: tuple[str, ...] = (Side.CENTER,)


class Grade(models.IntegerChoices):
    """Movement / line severity (Facial Wrinkle Scale), at rest or at maximum contraction."""

    NONE = 0, "0 · none"
    MILD = 1, "1 · mild"
    MODERATE = 2, "2 · moderate"
    SEVERE = 3, "3 · severe"


class Source(models.TextChoices):
    """Where a figure or rule comes from; every place that shows one says which."""

    LABEL = "label", "Label"
    PRACTICE = "practice", "Practice"
    POLICY = "policy", "Clinic policy"


class DoseBasis(models.TextChoices):
    PER_SIDE = "per_side", "per side"
    TOTAL = "total", "total"


# A basis in words, as ``get_basis_display()`` writes it, without its per-call lookup
# (the dose rules write it into a dozen messages a check; issue 22).
BASIS_TEXT = dict(DoseBasis.choices)


class DoseKind(models.TextChoices):
    """What a dose in a patient's history is (planning.treatment_history.DoseRecord)."""

    CHART = "chart", "signed chart"
    PLAN = "plan", "final plan"
    TOUCH_UP = "touch-up", "touch-up"
    REPORTED = "reported", "patient-reported"


class VisitKind(models.TextChoices):
    CONSULTATION = "consultation", "Consultation"
    TREATMENT = "treatment", "Treatment"
    REVIEW = "review", "Two-week review"


class VisitStatus(models.TextChoices):
    OPEN = "open", "Open"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class Outcome(models.TextChoices):
    """What a screening allows: treat, treat after acknowledging warnings, or not treat."""

    CLEAR = "clear", "Clear"
    WARN = "warn", "Warnings to acknowledge"
    BLOCK = "block", "Blocked"


class PhotoMoment(models.TextChoices):
    REST = "rest", "At rest"
    MAX = "max", "Maximum contraction"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    FINAL = "final", "Final"


class NotTreatedReason(models.TextChoices):
    """Why a visit ended without treatment: REFERENCE.md's contraindications and
    cautions ("when not to treat"), and the patient's own choice."""

    INFECTION = "infection", "Infection or inflammation at the planned site"
    HYPERSENSITIVITY = "hypersensitivity", "Hypersensitivity to toxin or its ingredients"
    PREGNANCY = "pregnancy", "Pregnant or breastfeeding"
    NEUROMUSCULAR = "neuromuscular", "Neuromuscular disease"
    MEDICINES = "medicines", "Interacting medicine or another toxin within 3 months"
    INTERVAL = "interval", "Less than 90 days since the last cycle's treatment"
    BODY_IMAGE = "body_image", "Suspected body dysmorphic disorder or unrealistic expectations"
    BROW_LAXITY = "brow_laxity", "Brow ptosis from skin laxity (forehead not treated)"
    EYELID = "eyelid", "Existing eyelid ptosis or excess upper-lid skin"
    UNWELL = "unwell", "Patient unwell today"
    DECLINED = "declined", "Patient chose not to be treated after discussion"
    OTHER = "other", "Other (written below)"
