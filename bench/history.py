"""Bench clinical history: 1-12 treatment cycles per patient over up to ten years.

A cycle is a treatment visit (screened) and, fourteen days later, its review
visit; the first cycle starts with a consultation. The first consultation and
the latest treatment carry a full movement map; some latest treatments have
two small generated photos. A latest treatment of the last three weeks leaves
a due review (open until its review visit has happened).
"""

from __future__ import annotations

import datetime
import io
import random
import uuid
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.storage import storages
from PIL import Image, ImageDraw

from clinic.appointments import DueReview
from planning.choices import Outcome, PhotoMoment, VisitKind, VisitStatus
from planning.models import Expression, MovementMap, Observation, Photo, Screening, Visit
from planning.movement import expressions_with_muscles
from planning.screening import QUESTIONS

from . import rows

HISTORY_DAYS = 10 * 365
PHOTO_SHARE = 0.3  # latest treatments with photos


@dataclass
class Counts:
    visits: int = 0
    screenings: int = 0
    maps: int = 0
    observations: int = 0
    photos: int = 0
    due_reviews: int = 0
    extra: dict = field(default_factory=dict)

    def total(self) -> int:
        return (
            self.visits
            + self.screenings
            + self.maps
            + self.observations
            + self.photos
            + self.due_reviews
            + sum(self.extra.values())
        )


class Context:
    """What every chunk needs: reference rows, the grid, tiny images, dates."""

    def __init__(self, staff: dict):
        self.staff = staff
        self.today = datetime.date.today()
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self.no_answers = dict.fromkeys((q.code for q in QUESTIONS), False)
        expressions = list(expressions_with_muscles())
        self.grid = [
            (e.pk, m.pk, side) for e in expressions for m in e.muscles.all() for side in m.sides
        ]
        by_code = {e.code: e.pk for e in expressions}
        self.photo_expressions = [by_code.get("FROWN"), by_code.get("SMILE")]
        self.images = [tiny_face(seed) for seed in range(6)]
        self.storage = storages["private"]
        self.extra: dict = {}  # what the later apps' generators keep between chunks

    def at(self, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=self.zone)


def tiny_face(seed: int) -> tuple[bytes, bytes]:
    """A drawn face (no real person) as a small JPEG and its thumbnail."""
    rng = random.Random(seed)
    image = Image.new("RGB", (180, 220), (226, 232, 240))
    draw = ImageDraw.Draw(image)
    skin = (rng.randint(200, 240), rng.randint(160, 200), rng.randint(130, 170))
    draw.ellipse((34, 28, 146, 192), fill=skin, outline=(120, 90, 70), width=2)
    for x in (66, 114):
        draw.ellipse((x - 9, 88, x + 9, 98), fill=(255, 255, 255), outline=(60, 60, 60))
    draw.arc((68, 136, 112, 160), 10, 170, fill=(150, 60, 60), width=3)
    out, thumb = io.BytesIO(), io.BytesIO()
    image.save(out, format="JPEG", quality=70)
    image.resize((90, 110)).save(thumb, format="JPEG", quality=70)
    return out.getvalue(), thumb.getvalue()


def cycle_days(rng: random.Random, today: datetime.date) -> list[datetime.date]:
    """Treatment days, oldest first: 1-12 cycles, 90-300 days apart, within ten years."""
    cycles = rng.randint(1, 12)
    day = today - datetime.timedelta(days=rng.randint(0, 300))
    days = [day]
    for _ in range(cycles - 1):
        day -= datetime.timedelta(days=rng.randint(90, 300))
        if (today - day).days > HISTORY_DAYS:
            break
        days.append(day)
    return days[::-1]


def make_history(*, patients, ctx: Context, rng: random.Random, counts: Counts) -> list:
    """Visits, screenings, maps, photos and due reviews for a chunk of patients.

    Returns (patient, treatment visit, cycle index, latest?) for each cycle,
    for the apps that build on it (plans, treatments, reviews)."""
    injectors = ctx.staff["injectors"]
    plan: list[tuple] = []  # (patient, injector, visit, map?, photos?)
    for patient in patients:
        injector = injectors[patient.pk % len(injectors)]
        location_id = injector.default_location_id
        days = cycle_days(rng, ctx.today)
        first = days[0] - datetime.timedelta(days=rng.randint(0, 14))

        def visit(day, kind, _patient=patient, _injector=injector, _loc=location_id):
            return Visit(
                patient=_patient,
                location_id=_loc,
                injector=_injector,
                created_by=_injector,
                date=day,
                kind=kind,
                status=VisitStatus.COMPLETED,
                created_at=ctx.at(day, 9),
            )

        plan.append((patient, injector, visit(first, VisitKind.CONSULTATION), True, False, None))
        for i, day in enumerate(days):
            latest = i == len(days) - 1
            plan.append((patient, injector, visit(day, VisitKind.TREATMENT), latest, latest, i))
            if day + datetime.timedelta(days=14) <= ctx.today:
                plan.append(
                    (
                        patient,
                        injector,
                        visit(day + datetime.timedelta(days=14), VisitKind.REVIEW),
                        False,
                        False,
                        None,
                    )
                )
    visits = rows.create(Visit, [p[2] for p in plan])
    counts.visits += len(visits)

    screenings, maps, photo_rows, due = [], [], [], []
    cycles = []
    for patient, injector, v, with_map, with_photos, cycle in plan:
        if v.kind in (VisitKind.CONSULTATION, VisitKind.TREATMENT):
            screenings.append(
                Screening(
                    visit=v,
                    answered_by=injector,
                    answered_at=ctx.at(v.date, 9, 10),
                    answers=ctx.no_answers,
                    outcome=Outcome.CLEAR,
                    findings=[],
                )
            )
        if with_map:
            maps.append(
                MovementMap(visit=v, recorded_by=injector, created_at=ctx.at(v.date, 9, 20))
            )
        if v.kind == VisitKind.TREATMENT:
            cycles.append((patient, v, cycle, with_photos))
        if with_photos and rng.random() < PHOTO_SHARE:
            photo_rows.extend(photo_objects(visit=v, by=injector, ctx=ctx, rng=rng))
        age = (ctx.today - v.date).days
        if with_photos and age <= 21:
            due.append(
                DueReview(
                    patient=patient,
                    injector=injector,
                    location_id=v.location_id,
                    treated_at=ctx.at(v.date, 10),
                    due_on=v.date + datetime.timedelta(days=14),
                    overdue_after=v.date + datetime.timedelta(days=21),
                    status=DueReview.Status.OPEN if age < 14 else DueReview.Status.DONE,
                    created_by=injector,
                    created_at=ctx.at(v.date, 10, 30),
                )
            )
    rows.create(Screening, screenings)
    counts.screenings += len(screenings)
    maps = rows.create(MovementMap, maps)
    counts.maps += len(maps)
    counts.observations += rows.copy_rows(
        Observation,
        ["movement_map", "expression", "muscle", "side", "grade", "note"],
        observation_rows(maps, ctx.grid, rng),
    )
    rows.create(Photo, photo_rows)
    counts.photos += len(photo_rows)
    rows.create(DueReview, due)
    counts.due_reviews += len(due)
    for extend in extensions():
        cycles = extend(cycles=cycles, ctx=ctx, rng=rng, counts=counts) or cycles
    return cycles


def extensions() -> list:
    """Generators of the apps built on the visit (plans, treatments, reviews), in
    order; each takes the cycles and may hand on richer ones. Absent apps are skipped."""
    found = []
    try:
        from . import plans
    except ImportError:  # the plans of issue 5 are not merged
        pass
    else:
        found.append(plans.make_plans)
    return found


def observation_rows(maps, grid, rng: random.Random):
    for movement_map in maps:
        stronger = rng.choice("LR")
        for expression_id, muscle_id, side in grid:
            grade = rng.choice((1, 2, 2, 3))
            if side != stronger and side != "C":
                grade -= 1
            yield (movement_map.pk, expression_id, muscle_id, side, grade, "")


def photo_objects(*, visit, by, ctx: Context, rng: random.Random) -> list[Photo]:
    photos = []
    for expression_id in ctx.photo_expressions:
        data, thumb = ctx.images[rng.randrange(len(ctx.images))]
        stem = f"photos/{visit.pk}/{uuid.uuid4().hex}"
        ctx.storage.save(f"{stem}.jpg", io.BytesIO(data))
        ctx.storage.save(f"{stem}_thumb.jpg", io.BytesIO(thumb))
        photos.append(
            Photo(
                visit=visit,
                expression_id=expression_id,
                moment=PhotoMoment.MAX,
                file_name=f"{stem}.jpg",
                thumbnail_name=f"{stem}_thumb.jpg",
                width=180,
                height=220,
                size_bytes=len(data),
                uploaded_by=by,
                uploaded_at=ctx.at(visit.date, 9, 30),
            )
        )
    return photos


def expression_count() -> int:
    return Expression.objects.count()
