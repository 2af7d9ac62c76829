"""Charting models, one module per idea; import them from ``charting.models``."""

from ..choices import AdverseKind, LotStatus, Severity
from .consent import Consent, ConsentText
from .due_reviews import DueReview
from .locking import SignedRecordError
from .lots import Lot, Vial
from .treatments import Addendum, AdverseEvent, AftercareEmail, Injection, Treatment

__all__ = [
    "Addendum",
    "AdverseEvent",
    "AdverseKind",
    "AftercareEmail",
    "Consent",
    "ConsentText",
    "DueReview",
    "Injection",
    "Lot",
    "LotStatus",
    "Severity",
    "SignedRecordError",
    "Treatment",
    "Vial",
]
