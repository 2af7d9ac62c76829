"""Invented demo data for the consultation: past visits with screenings,
movement maps and generated photos. Idempotent: a visit that exists is kept."""

from __future__ import annotations

import datetime
import io
import random
from importlib import import_module

from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from clinic.demo_story import Story
from clinic.models import Location, Patient, User
from clinic.patients import chart_number_for, demo_chart_numbers

from .choices import VisitKind, VisitStatus
from .models import Expression, OutsideDose, Photo, Product, Visit
from .movement import CellInput, expressions_with_muscles, save_observations
from .outside_doses import record_outside_dose
from .photos import store_photo
from .screening import QUESTIONS, acknowledge, record_screening

NO = dict.fromkeys((q.code for q in QUESTIONS), False)

# What the story's visits (clinic.demo_story) hold: the demo patient's number, the
# visit's kind and its place among the patient's visits of that kind -> answers that
# are "yes", photos for these expressions. Planning makes every consultation the story
# has seen, and these two patients' treatment visits (their plans: demo_plans).
DEMO_VISITS = {
    (1, VisitKind.CONSULTATION, 0): ([], ["FROWN", "SMILE"]),
    (1, VisitKind.TREATMENT, 0): ([], []),
    (1, VisitKind.CONSULTATION, 1): (["prior_filler"], ["FROWN", "BROWS"]),
    (2, VisitKind.TREATMENT, 0): ([], ["SQUINT"]),
    (3, VisitKind.CONSULTATION, 0): (["infection_at_site"], []),
    (4, VisitKind.CONSULTATION, 0): (["existing_ptosis"], ["REST"]),
}

# Muscles that move more on one side in the demo maps (the stronger side first): the
# article's right brow that spikes when the forehead is raised is the lateral frontalis.
STRONGER = {"CORR": "L", "FRONT": "R", "FRONTL": "R", "OOC": "L", "DAO": "R"}
# The directions of pull the demo maps record (planning.pull): the right brow tail
# spikes up as the brows are raised, the left lifts flat.
DIRECTIONS = {("BROWS", "FRONTL", "R"): "tail_up", ("BROWS", "FRONTL", "L"): "flat"}


# A drawn demo picture is said to be one on screen, and never measured: the face
# model finds a face in it, but its millimetres would mean nothing (issue 21).
DRAWN_NOTE = "A drawn demo picture, not a photo of a person."
DRAWN_NOT_MEASURED = "A drawn demo picture, not a photo of a face: nothing to measure."


def demo_photo(label: str, seed: int) -> SimpleUploadedFile:
    """A drawn face (no real person), as a JPEG upload."""
    rng = random.Random(seed)
    image = Image.new("RGB", (900, 1100), (226, 232, 240))
    draw = ImageDraw.Draw(image)
    skin = (rng.randint(200, 240), rng.randint(160, 200), rng.randint(130, 170))
    draw.ellipse((170, 140, 730, 960), fill=skin, outline=(120, 90, 70), width=6)
    for x in (330, 570):  # eyes and brows
        eye = (x - 45, 440, x + 45, 490)
        draw.ellipse(eye, fill=(255, 255, 255), outline=(60, 60, 60), width=4)
        draw.ellipse((x - 15, 450, x + 15, 480), fill=(70, 50, 40))
        draw.line((x - 60, 390 - rng.randint(0, 20), x + 60, 395), fill=(90, 60, 40), width=10)
    draw.line((450, 500, 430, 640), fill=(120, 90, 70), width=5)
    draw.arc((340, 680, 560, 800), 10, 170, fill=(150, 60, 60), width=8)
    draw.rectangle((0, 1020, 900, 1100), fill=(31, 58, 95))
    draw.text((30, 1045), f"DEMO · {label}", fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return SimpleUploadedFile(f"demo-{seed}.jpg", out.getvalue(), content_type="image/jpeg")


def demo_cells(expressions, rng: random.Random) -> list[CellInput]:
    cells = []
    for expression in expressions:
        for muscle in expression.muscles.all():
            base = 0 if expression.code == "REST" else rng.choice([1, 2, 2, 3])
            for side in muscle.graded_sides:
                grade = base
                stronger = STRONGER.get(muscle.code)
                if stronger and side != stronger and grade > 0:
                    grade -= 1
                direction = DIRECTIONS.get((expression.code, muscle.code, side), "")
                cells.append(
                    CellInput(expression.code, muscle.code, side, grade, direction=direction)
                )
    return cells


def ensure_reference_data() -> None:
    """Load the reference data migration's rows again if they are missing (a test
    database flushed between browser tests has none). Idempotent."""
    if Expression.objects.exists():
        return
    migration = import_module("planning.migrations.0002_reference_data")
    migration.load(django_apps, None)
    # Frontalis in segments: the lateral part and the medial part's name (issue 21).
    import_module("planning.migrations.0013_frontalis_lateral").add_lateral(django_apps, None)


# the demo patient's number (clinic.patients.chart_number_for), days ago, product code
# (None: unknown), units (None: unknown), where, month only
DEMO_OUTSIDE = [
    (1, 150, "botox-cosmetic", "155", "Neurology clinic (migraine)", False),
    (4, 400, None, None, "Another clinic; the patient forgets which toxin", True),
]


def _outside_doses(*, injector, today) -> int:
    """Toxin the demo patients had elsewhere, through planning.outside_doses (once)."""
    made = 0
    for chart, days_ago, code, units, where, month_only in DEMO_OUTSIDE:
        patient = Patient.objects.filter(chart_number=chart_number_for(chart)).first()
        if patient is None or OutsideDose.objects.filter(patient=patient).exists():
            continue
        record_outside_dose(
            patient=patient,
            given_on=today - datetime.timedelta(days=days_ago),
            month_only=month_only,
            product=Product.objects.filter(code=code).first() if code else None,
            units=units or "",
            where=where,
            by=injector,
            today=today,
        )
        made += 1
    return made


def _story_visits(story: Story):
    """The story's seen consultations, and the treatment visits planning makes, each
    with its place among the patient's visits of its kind."""
    seen: dict[tuple, int] = {}
    for visit in story.visits:
        key = (visit.patient, visit.kind)
        n = seen[key] = seen.get(key, -1) + 1
        if not visit.done:
            continue
        if visit.kind == VisitKind.CONSULTATION or (visit.patient, visit.kind, n) in DEMO_VISITS:
            yield visit, DEMO_VISITS.get((visit.patient, visit.kind, n), ([], []))


@transaction.atomic
def seed(out, *, story: Story) -> None:
    ensure_reference_data()
    injector = User.objects.filter(email="injector@demo.clinic").first()
    if injector is None:
        out.write("planning: no demo injector (run the clinic demo first)")
        return
    expressions = list(expressions_with_muscles())
    by_code = {e.code: e for e in Expression.objects.all()}
    today = timezone.localdate()
    made = 0
    if Visit.objects.filter(patient__chart_number__in=demo_chart_numbers()).exists():
        story = Story(now=story.now, today=story.today)  # made by an earlier run
    people = {u.email: u for u in User.objects.filter(email__in={v.injector for v in story.visits})}
    places = Location.objects.in_bulk(field_name="name")
    patients = Patient.objects.in_bulk(demo_chart_numbers(), field_name="chart_number")
    for n, (seen, (yes, photo_codes)) in enumerate(_story_visits(story)):
        by = people[seen.injector]
        visit = Visit.objects.create(
            patient=patients[seen.chart_number],
            date=seen.day,
            kind=seen.kind,
            location=places[seen.location],
            injector=by,
            created_by=by,
            status=VisitStatus.COMPLETED,
            created_at=seen.starts_at,
        )
        made += 1
        answered_at = seen.starts_at + datetime.timedelta(minutes=5)
        screening = record_screening(
            visit=visit, by=by, answers={**NO, **dict.fromkeys(yes, True)}, now=answered_at
        )
        if screening.outcome == "warn":
            acknowledge(screening=screening, by=by, note="Discussed with the patient; proceeds.")
        if screening.is_blocked:
            continue
        save_observations(visit=visit, by=by, cells=demo_cells(expressions, random.Random(n * 31)))
        for i, code in enumerate(photo_codes):
            store_photo(
                visit=visit,
                by=by,
                upload=demo_photo(by_code[code].name, n * 10 + i),
                expression=by_code[code],
                moment="max",
                source_note=DRAWN_NOTE,
                not_measured=DRAWN_NOT_MEASURED,
            )
        Photo.objects.filter(visit=visit).update(uploaded_at=answered_at)
    reported = _outside_doses(injector=injector, today=today)
    out.write(
        f"planning: {reported} toxin from elsewhere recorded (patient-reported); "
        f"{made} new demo visits ({Visit.objects.count()} visits, "
        f"{Photo.objects.count()} photos)"
    )
    from .demo_plans import seed_plans  # issue 5: plan templates and demo plans

    seed_plans(out, injector=injector)
