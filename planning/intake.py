"""The patient's intake: answers given through the link, kept as patient-reported
until an injector confirms them in the visit's screening.

``submit_intake`` stores the patient's answers (the same questions as the
injector's screening, ``planning.screening_questions``), the face areas they
dislike and want kept, and a selfie cleaned by the photo pipeline. None of it is a
``Screening``: the visit stays unscreened until the injector saves one
(``confirm_intake`` then keeps, per question, what each of them said).
"""

from __future__ import annotations

import base64
import datetime
import io
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from clinic import intake_links
from clinic.models import IntakeLink

from .choices import PlanStatus, VisitStatus
from .models import InjectionPoint, PatientIntake, Screening, TreatmentPlan, Visit
from .photos import CleanImage, clean_image, photo_refusal, private_storage, save_clean_photo
from .screening_questions import QUESTIONS

QUESTIONS_BY_CODE = {q.code: q for q in QUESTIONS}

# The face areas a patient can tick, in the patient's own words. Sides are the
# patient's own ("your right").
AREAS: tuple[tuple[str, str], ...] = (
    ("forehead", "Forehead lines"),
    ("frown", "Frown lines between the eyebrows"),
    ("brows", "Eyebrow shape or height"),
    ("eyes_r", "Crow's feet, your right eye"),
    ("eyes_l", "Crow's feet, your left eye"),
    ("nose", "Lines on the nose when you scrunch it"),
    ("mouth", "Lines around the mouth, lip corners"),
    ("chin", "Dimpled or tense chin"),
    ("jaw", "Jaw clenching, neck bands"),
)
AREA_LABELS = dict(AREAS)
# A patient's intake counts for visits this many days after it was sent in.
INTAKE_VALID_DAYS = 14


@dataclass(frozen=True)
class IntakeAnswers:
    answers: dict[str, bool]
    allergies: str = ""
    medicines: str = ""
    bothers: tuple[str, ...] = ()
    bothers_text: str = ""
    keep: tuple[str, ...] = ()
    keep_text: str = ""
    consent_read: bool = False


def _check(data: IntakeAnswers) -> None:
    missing = [q.code for q in QUESTIONS if q.code not in data.answers]
    unknown = set(data.answers) - set(QUESTIONS_BY_CODE)
    areas = (set(data.bothers) | set(data.keep)) - set(AREA_LABELS)
    if missing or unknown or areas:
        raise ValidationError("Some answers are missing or not ours; answer every question.")
    both = set(data.bothers) & set(data.keep)
    if both:
        names = ", ".join(AREA_LABELS[a].lower() for a in sorted(both))
        raise ValidationError(f"An area cannot both bother you and be kept as it is: {names}.")


def submit_intake(
    *,
    link: IntakeLink,
    data: IntakeAnswers,
    selfie=None,
    now: datetime.datetime | None = None,
) -> PatientIntake:
    """Store the patient's answers once and finish the link. The selfie is cleaned
    first (a refused file raises ValidationError and nothing is stored)."""
    now = now or timezone.now()
    _check(data)
    cleaned = clean_image(selfie) if selfie else None
    storage = private_storage()
    names: list[str] = []
    if cleaned is not None:
        stem = f"intake/{link.pk}/{uuid.uuid4().hex}"
        names = [
            storage.save(f"{stem}.jpg", ContentFile(cleaned.data)),
            storage.save(f"{stem}_thumb.jpg", ContentFile(cleaned.thumbnail)),
        ]
    try:
        with transaction.atomic():
            if not intake_links.mark_completed(link=link, now=now):
                raise ValidationError(
                    "This form was already sent or its link has expired.", code="link_used"
                )
            intake = PatientIntake(
                link=link,
                submitted_at=now,
                answers={code: bool(v) for code, v in data.answers.items()},
                allergies=data.allergies,
                medicines=data.medicines,
                bothers=list(data.bothers),
                bothers_text=data.bothers_text,
                keep=list(data.keep),
                keep_text=data.keep_text,
                consent_read=data.consent_read,
                selfie_name=names[0] if names else "",
                selfie_thumbnail_name=names[1] if names else "",
            )
            intake.full_clean()
            intake.save()
    except Exception:
        for name in names:
            storage.delete(name)
        raise
    return intake


def pending_intake_for(*, visit: Visit) -> PatientIntake | None:
    """The patient's latest unconfirmed intake sent in the days before this visit
    (one query), for the injector's screening to show pre-filled and marked."""
    since = visit.date - datetime.timedelta(days=INTAKE_VALID_DAYS)
    return (
        PatientIntake.objects.for_patient(visit.patient_id)
        .unconfirmed()
        .filter(submitted_at__date__gte=since, submitted_at__date__lte=visit.date)
        .order_by("-submitted_at", "-id")
        .first()
    )


def confirmed_intake_for(*, screening: Screening | None) -> PatientIntake | None:
    if screening is None:
        return None
    return PatientIntake.objects.filter(screening=screening).first()


@transaction.atomic
def confirm_intake(
    *, intake: PatientIntake, screening: Screening, by, now: datetime.datetime | None = None
) -> PatientIntake:
    """The injector's screening confirms or corrects each patient answer: both are
    kept per question; the screening (the injector's) is what counts."""
    intake = PatientIntake.objects.select_for_update().get(pk=intake.pk)
    if intake.is_confirmed:
        raise ValidationError("This intake was already confirmed.")
    intake.visit = screening.visit
    intake.screening = screening
    intake.confirmed_by = by
    intake.confirmed_at = now or timezone.now()
    intake.review = {
        q.code: {
            "patient": bool(intake.answers.get(q.code, False)),
            "injector": bool(screening.answers.get(q.code, False)),
        }
        for q in QUESTIONS
    }
    intake.full_clean()
    intake.save()
    _add_selfie_to_visit(intake=intake, by=by)
    return intake


def _add_selfie_to_visit(*, intake: PatientIntake, by) -> None:
    """The confirmed intake's selfie joins the visit's photos, marked patient-uploaded
    (when the visit takes photos: screened and not blocked)."""
    if not intake.selfie_name or photo_refusal(visit=intake.visit) is not None:
        return
    storage = private_storage()
    with storage.open(intake.selfie_name, "rb") as handle:
        data = handle.read()
    with storage.open(intake.selfie_thumbnail_name, "rb") as handle:
        thumbnail = handle.read()
    width, height = Image.open(io.BytesIO(data)).size  # our own clean JPEG
    save_clean_photo(
        visit=intake.visit,
        by=by,
        cleaned=CleanImage(data=data, thumbnail=thumbnail, width=width, height=height),
        expression=None,
        moment="",
        patient_uploaded=True,
    )


@dataclass(frozen=True)
class IntakeRow:
    code: str
    text: str
    patient: bool
    injector: bool | None  # None until confirmed

    @property
    def differs(self) -> bool:
        return self.injector is not None and self.injector != self.patient


def rows(intake: PatientIntake) -> list[IntakeRow]:
    """Per question: the patient's answer and, once confirmed, the injector's."""
    out = []
    for q in QUESTIONS:
        reviewed = intake.review.get(q.code)
        out.append(
            IntakeRow(
                code=q.code,
                text=q.text,
                patient=bool(intake.answers.get(q.code, False)),
                injector=None if reviewed is None else bool(reviewed["injector"]),
            )
        )
    return out


def area_names(codes) -> list[str]:
    return [AREA_LABELS[c] for c in codes if c in AREA_LABELS]


def selfie_thumbnail_uri(intake: PatientIntake) -> str:
    """The selfie's thumbnail as a data: URI, for the injector's screen only."""
    if not intake.selfie_thumbnail_name:
        return ""
    with private_storage().open(intake.selfie_thumbnail_name, "rb") as handle:
        data = handle.read()
    return "data:image/jpeg;base64," + base64.b64encode(data).decode()


def screen_with_intake(
    *, visit: Visit, by, intake: PatientIntake | None, record, **screening_fields
) -> Screening:
    """Save the injector's screening and, when it was answered with the patient's
    intake in front of them, confirm the intake with it (one transaction).
    ``record`` is ``planning.screening.record_screening``."""
    with transaction.atomic():
        screening = record(visit=visit, by=by, **screening_fields)
        if intake is not None:
            confirm_intake(intake=intake, screening=screening, by=by)
    return screening


# A final plan this recent is what the patient's coming treatment follows.
PLAN_RECENT_DAYS = 120


def planned_regions(*, patient_id: int, today: datetime.date) -> list[str]:
    """The regions of the patient's latest final plan (recent, of a visit not
    cancelled), for the consent text read before the visit: two queries, none
    listed when there is no such plan."""
    plan = (
        TreatmentPlan.objects.filter(
            visit__patient_id=patient_id,
            status=PlanStatus.FINAL,
            visit__date__gte=today - datetime.timedelta(days=PLAN_RECENT_DAYS),
        )
        .exclude(visit__status=VisitStatus.CANCELLED)
        .exclude(visit__not_treated__isnull=False)  # recorded "not treated today"
        .order_by("-visit__date", "-id")
        .values_list("pk", flat=True)
        .first()
    )  # query: the latest final plan
    if plan is None:
        return []
    regions = InjectionPoint.objects.filter(plan_id=plan).values_list("muscle__region", flat=True)
    return sorted(set(regions))  # query: its points' regions
