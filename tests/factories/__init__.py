"""The one home of test data: ``from tests.factories import ...``.

The fixed cast (a location, an injector, a front desk user, an admin, a patient)
lives in tests/conftest.py; everything else is made here, one floor a module:
clinic (people, appointments), planning (visits, screenings, maps, plans, photos),
charting (lots, vials, consent, charted and signed treatments, due reviews),
reviews (graded, touched-up, signed reviews), reports (histories, report jobs).
Rows that have rules are made through those rules, so the data is what the
screens would have made."""

from .charting import (
    DEFAULT_LOT,
    charted_treatment,
    data_url,
    make_consent,
    make_due_review,
    make_lot,
    make_vial,
    signature_png,
    signed_treatment,
    treatment_visit,
)
from .clinic import (
    PASSWORD,
    LocationFactory,
    PatientFactory,
    UserFactory,
    at,
    make_appointment,
    make_feed,
    tomorrow,
)
from .planning import (
    ALL_NO,
    BASELINE,
    GLABELLAR,
    GPS_IFD,
    MAKE,
    MODEL,
    ORIENTATION,
    botox,
    grade,
    jpeg_bytes,
    make_photo,
    make_plan,
    make_visit,
    screen,
    upload,
)
from .reports import HISTORY_MAP, HISTORY_PLAN, make_history, make_report_job, planned_visit, today
from .reviews import RESIDUAL, graded_review, make_review, touch_up, touched_up_review

__all__ = [
    "ALL_NO",
    "BASELINE",
    "DEFAULT_LOT",
    "GLABELLAR",
    "GPS_IFD",
    "HISTORY_MAP",
    "HISTORY_PLAN",
    "MAKE",
    "MODEL",
    "ORIENTATION",
    "PASSWORD",
    "RESIDUAL",
    "LocationFactory",
    "PatientFactory",
    "UserFactory",
    "at",
    "botox",
    "charted_treatment",
    "data_url",
    "grade",
    "graded_review",
    "jpeg_bytes",
    "make_appointment",
    "make_consent",
    "make_due_review",
    "make_feed",
    "make_history",
    "make_lot",
    "make_photo",
    "make_plan",
    "make_report_job",
    "make_review",
    "make_vial",
    "make_visit",
    "planned_visit",
    "screen",
    "signature_png",
    "signed_treatment",
    "today",
    "tomorrow",
    "touch_up",
    "touched_up_review",
    "treatment_visit",
    "upload",
]
