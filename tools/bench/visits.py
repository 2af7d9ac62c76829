"""Bench clinical history: 1-12 treatment cycles per patient over up to ten years.

A cycle is a treatment visit (screened) and, fourteen days later, its review
visit; the first cycle starts with a consultation. The first consultation and
the latest treatment carry a full movement map; some latest treatments have
two small generated photos. The plans, charts (with the due reviews of the
last three weeks' treatments) and reviews of each cycle are made by
``tools.bench.plans`` and ``tools.bench.charts``.
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

from planning.choices import Outcome, PhotoMoment, VisitKind, VisitStatus
from planning.models import MovementMap, Observation, Photo, Screening, Visit
from planning.movement import expressions_with_muscles
from planning.screening import QUESTIONS

from . import rows

HISTORY_DAYS = 10 * 365
PHOTO_SHARE = 0.3  # latest treatments with photos
REVIEW_AFTER = datetime.timedelta(days=14)
# Plain strings in the row tuples (COPY would write an enum member by its name).
CONSULTATION, TREATMENT, REVIEW = (
    VisitKind.CONSULTATION.value,
    VisitKind.TREATMENT.value,
    VisitKind.REVIEW.value,
)
COMPLETED, CLEAR = VisitStatus.COMPLETED.value, Outcome.CLEAR.value
VISIT_FIELDS = [
    "id", "patient", "location", "injector", "created_by", "date", "kind", "status", "created_at",
]  # fmt: skip
SCREENING_FIELDS = [
    "visit", "answered_by", "answered_at", "answers", "allergies", "medicines", "notes",
    "outcome", "findings", "acknowledgment",
]  # fmt: skip


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

    def add(self, what: str, count: int) -> None:
        if what in ("visits", "screenings", "maps", "observations", "photos", "due_reviews"):
            setattr(self, what, getattr(self, what) + count)
        else:
            self.extra[what] = self.extra.get(what, 0) + count


@dataclass(slots=True)
class Cycle:
    """One treatment visit and what the later generators hang on it."""

    patient_id: int
    injector_id: int
    location_id: int
    day: datetime.date
    visit_id: int
    index: int
    latest: bool
    review_visit_id: int | None = None
    plan_id: int | None = None
    product: object = None
    point_count: int = 0


class Context:
    """What every chunk needs: reference rows, the grid, tiny images, dates."""

    def __init__(self, staff: dict, *, later: rows.Later):
        self.staff = staff
        self.later = later  # the chunk's set-based statements (rows.Later)
        self.today = datetime.date.today()
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self.no_answers = dict.fromkeys((q.code for q in QUESTIONS), False)
        expressions = list(expressions_with_muscles())
        self.grid = [
            (e.pk, m.pk, side)
            for e in expressions
            for m in e.muscles.all()
            for side in m.graded_sides
        ]
        by_code = {e.code: e.pk for e in expressions}
        self.photo_expressions = [by_code.get("FROWN"), by_code.get("SMILE")]
        self.images = [tiny_face(seed) for seed in range(6)]
        self.storage = storages["private"]
        self.extra: dict = {}  # what the later generators keep between chunks

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


def make_visits(*, patients, ctx: Context, rng: random.Random, counts: Counts) -> list[Cycle]:
    """Visits, screenings, maps, photos and due reviews for a chunk of patients;
    returns the treatment cycles for the plans, charts and reviews."""
    injectors = ctx.staff["injectors"]
    visits: list[tuple] = []  # (patient, injector, location, day, kind)
    cycles: list[Cycle] = []
    consultations = []  # positions in visits: they carry a map
    for patient in patients:
        injector = injectors[patient.pk % len(injectors)]
        location_id = injector.default_location_id
        days = cycle_days(rng, ctx.today)
        first = days[0] - datetime.timedelta(days=rng.randint(0, 14))
        consultations.append(len(visits))
        visits.append((patient.pk, injector.pk, location_id, first, CONSULTATION))
        for i, day in enumerate(days):
            cycle = Cycle(
                patient.pk, injector.pk, location_id, day, len(visits), i, i == len(days) - 1
            )
            visits.append((patient.pk, injector.pk, location_id, day, TREATMENT))
            if day + REVIEW_AFTER <= ctx.today:
                cycle.review_visit_id = len(visits)
                visits.append((patient.pk, injector.pk, location_id, day + REVIEW_AFTER, REVIEW))
            cycles.append(cycle)
    ids = rows.reserve_ids(Visit, len(visits))
    counts.visits += rows.copy_rows(
        Visit,
        VISIT_FIELDS,
        (
            (pk, p, loc, inj, inj, day, kind, COMPLETED, ctx.at(day, 9))
            for pk, (p, inj, loc, day, kind) in zip(ids, visits, strict=True)
        ),
    )
    for cycle in cycles:
        cycle.visit_id = ids[cycle.visit_id]
        if cycle.review_visit_id is not None:
            cycle.review_visit_id = ids[cycle.review_visit_id]

    answers, findings = rows.json(ctx.no_answers), rows.json([])
    counts.screenings += rows.copy_rows(
        Screening,
        SCREENING_FIELDS,
        (
            (pk, inj, ctx.at(day, 9, 10), answers, "", "", "", CLEAR, findings, "")
            for pk, (_p, inj, _loc, day, kind) in zip(ids, visits, strict=True)
            if kind != REVIEW
        ),
    )
    mapped = [(ids[i], visits[i][1], visits[i][3]) for i in consultations]
    mapped += [(c.visit_id, c.injector_id, c.day) for c in cycles if c.latest]
    make_maps(mapped=mapped, ctx=ctx, rng=rng, counts=counts)
    make_photos(cycles=[c for c in cycles if c.latest], ctx=ctx, rng=rng, counts=counts)
    return cycles


def make_maps(*, mapped, ctx: Context, rng: random.Random, counts: Counts) -> None:
    """A full movement map for each (visit, injector, day): every cell of the grid."""
    ids = rows.reserve_ids(MovementMap, len(mapped))
    counts.maps += rows.copy_rows(
        MovementMap,
        ["id", "visit", "recorded_by", "created_at", "updated_at", "notes"],
        (
            (pk, visit, inj, ctx.at(day, 9, 20), ctx.at(day, 9, 20), "")
            for pk, (visit, inj, day) in zip(ids, mapped, strict=True)
        ),
    )
    if not ids:
        return
    if rows.postgres():
        # One statement for the chunk's maps: each map's stronger side is drawn
        # once (MATERIALIZED), a grade per cell, one grade less on the weaker side.
        ctx.later.add(None, "SELECT setseed(%s)", [rng.random() * 2 - 1])
        expressions, muscles, sides = zip(*ctx.grid, strict=True)
        ctx.later.add(
            "observations",
            """
            WITH maps AS MATERIALIZED (
                SELECT id, CASE WHEN random() < 0.5 THEN 'L' ELSE 'R' END AS stronger
                FROM unnest(%s::bigint[]) AS id
            )
            INSERT INTO planning_observation
                (movement_map_id, expression_id, muscle_id, side, grade, note, direction)
            SELECT maps.id, cell.expression_id, cell.muscle_id, cell.side,
                   (ARRAY[1, 2, 2, 3])[1 + floor(random() * 4)::int]
                   - CASE WHEN cell.side NOT IN (maps.stronger, 'C') THEN 1 ELSE 0 END,
                   '', ''
            FROM maps CROSS JOIN unnest(%s::bigint[], %s::bigint[], %s::text[])
                AS cell(expression_id, muscle_id, side)
            ORDER BY maps.id
            """,
            [ids, list(expressions), list(muscles), list(sides)],
        )
        return
    counts.observations += rows.copy_rows(
        Observation,
        ["movement_map", "expression", "muscle", "side", "grade", "note", "direction"],
        observation_rows(ids, ctx.grid, rng),
    )


def observation_rows(map_ids, grid, rng: random.Random):
    for map_id in map_ids:
        stronger = rng.choice("LR")
        for expression_id, muscle_id, side in grid:
            grade = rng.choice((1, 2, 2, 3))
            if side != stronger and side != "C":
                grade -= 1
            yield (map_id, expression_id, muscle_id, side, grade, "", "")


def make_photos(*, cycles, ctx: Context, rng: random.Random, counts: Counts):
    """Photos for some latest treatments (due reviews come with the signed
    treatments, tools.bench.charts)."""
    photo_rows = []
    for cycle in cycles:
        if rng.random() < PHOTO_SHARE:
            photo_rows.extend(photo_objects(cycle=cycle, ctx=ctx, rng=rng))
    rows.create(Photo, photo_rows)
    counts.photos += len(photo_rows)


def photo_objects(*, cycle: Cycle, ctx: Context, rng: random.Random) -> list[Photo]:
    photos = []
    for expression_id in ctx.photo_expressions:
        data, thumb = ctx.images[rng.randrange(len(ctx.images))]
        stem = f"photos/{cycle.visit_id}/{uuid.uuid4().hex}"
        ctx.storage.save(f"{stem}.jpg", io.BytesIO(data))
        ctx.storage.save(f"{stem}_thumb.jpg", io.BytesIO(thumb))
        photos.append(
            Photo(
                visit_id=cycle.visit_id,
                expression_id=expression_id,
                moment=PhotoMoment.MAX,
                file_name=f"{stem}.jpg",
                thumbnail_name=f"{stem}_thumb.jpg",
                width=180,
                height=220,
                size_bytes=len(data),
                uploaded_by_id=cycle.injector_id,
                uploaded_at=ctx.at(cycle.day, 9, 30),
            )
        )
    return photos
