"""Planning models, one module per idea; import them from ``planning.models``."""

from ..choices import (
    Grade,
    Outcome,
    PhotoMoment,
    PlanStatus,
    Side,
    Source,
    VisitKind,
    VisitStatus,
)
from .history import OutsideDose, OutsideDoseImport
from .intake import PatientIntake
from .movement import MovementMap, Observation
from .photos import MeasurementStatus, Photo, PhotoMeasurement
from .plans import InjectionPoint, PlanKeep, PlanTemplate, PlanTemplatePoint, TreatmentPlan
from .reference import DoseLimit, DoseRange, EffectDuration, Expression, Muscle, Product
from .visits import NotTreated, Screening, Visit

__all__ = [
    "DoseLimit",
    "DoseRange",
    "EffectDuration",
    "Expression",
    "Grade",
    "InjectionPoint",
    "MovementMap",
    "NotTreated",
    "MeasurementStatus",
    "Muscle",
    "Observation",
    "Outcome",
    "OutsideDose",
    "OutsideDoseImport",
    "PatientIntake",
    "PlanKeep",
    "Photo",
    "PhotoMeasurement",
    "PhotoMoment",
    "PlanStatus",
    "PlanTemplate",
    "PlanTemplatePoint",
    "Product",
    "Screening",
    "Side",
    "Source",
    "TreatmentPlan",
    "Visit",
    "VisitKind",
    "VisitStatus",
]
