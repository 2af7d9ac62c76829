"""Planning models, one module per idea; import them from ``planning.models``."""

from ..choices import Grade, Outcome, PhotoMoment, Side, Source, VisitKind, VisitStatus
from .movement import MovementMap, Observation
from .photos import Photo
from .reference import DoseRange, Expression, Muscle, Product
from .visits import Screening, Visit

__all__ = [
    "DoseRange",
    "Expression",
    "Grade",
    "MovementMap",
    "Muscle",
    "Observation",
    "Outcome",
    "Photo",
    "PhotoMoment",
    "Product",
    "Screening",
    "Side",
    "Source",
    "Visit",
    "VisitKind",
    "VisitStatus",
]
