"""Bench charts and reviews: for every cycle a signed treatment charted from its
plan (consent, vial, injections, content hash), and at each review visit a
signed review with a finding per treated muscle and side; some reviews have a
signed touch-up (a treatment on the review visit, signed with the review).

The seal is ``charting.seal.hash_content`` (the current key) over what
``charting.seal.content_of`` makes of the rows as they will be stored, in format 1
(no snapshot of names: the bench's history stands for charts signed before it), so
``charting.seal.verify`` holds for every bench treatment (the bench test checks it).
Injections and findings are written by the server on PostgreSQL (one statement per
chunk), from the points the plan generator wrote.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import random
from decimal import Decimal
from types import SimpleNamespace

from django.db import connection
from PIL import Image, ImageDraw

from charting.choices import DILUENT_SALINE, LotStatus
from charting.consent import product_name
from charting.due_reviews import DEFAULT_REVIEW_DAYS
from charting.models import Consent, ConsentText, DueReview, Injection, Lot, Treatment, Vial
from charting.models.due_reviews import DueReviewState
from charting.reviews.models import Finding, Review
from charting.seal import content_of, current_key_id, hash_content
from planning import sides
from planning.models import DoseRange, InjectionPoint, Muscle

from . import rows
from .plans import DILUENT_ML, vial_units

TOUCH_UP_SHARE = 0.15  # reviews with a touch-up
WASTED = [Decimal("0.0"), Decimal("0.0"), Decimal("1.0"), Decimal("2.5")]
TOUCH_UP_UNITS = [Decimal("1.0"), Decimal("2.0"), Decimal("2.5")]
TOUCH_UP_NOTES = "Touch-up at the two-week review."
FINDING_GRADES = "(ARRAY[0, 0, 1, 1, 1, 2])[1 + floor(random() * 6)::int]"
CONSENT_FIELDS = [
    "id", "visit", "consent_text", "text_shown", "areas", "off_label", "signed_name",
    "signature_png", "signature_sha256", "witnessed_by", "signed_at", "withdrawal_reason",
    "product_name",
]  # fmt: skip
VIAL_FIELDS = [
    "id", "lot", "vial_units", "diluent", "diluent_ml", "reconstituted_at", "reconstituted_by",
]  # fmt: skip
TREATMENT_FIELDS = [
    "id", "visit", "plan", "product", "version", "started_at", "started_by", "updated_at",
    "updated_by", "wasted_units", "aftercare_given", "notes", "review_days", "signed_at",
    "signed_by", "content_hash", "seal_key",
]  # fmt: skip
INJECTION_FIELDS = [
    "treatment", "point", "muscle", "side", "x", "y", "planned_units", "units", "vial",
    "depth", "note", "order",
]  # fmt: skip
REVIEW_FIELDS = [
    "id", "visit", "treatment", "touch_up", "gais", "satisfaction", "note", "version",
    "created_by", "created_at", "updated_at", "signed_at", "signed_by",
]  # fmt: skip
FINDING_FIELDS = ["review", "muscle", "side", "grade", "baseline_grade", "note"]


def scribble(seed: int) -> bytes:
    """A small drawn scribble (no real signature) as a PNG."""
    rng = random.Random(seed)
    image = Image.new("L", (240, 90), 255)
    draw = ImageDraw.Draw(image)
    points = [(12 + i * 11, 45 + rng.randint(-25, 25)) for i in range(20)]
    draw.line(points, fill=30, width=3)
    out = io.BytesIO()
    image.convert("RGBA").save(out, format="PNG", optimize=True)
    return out.getvalue()


class ChartContext:
    """Lots of each product (one received per quarter over the ten years), the
    consent text, signatures and the muscles, made once."""

    def __init__(self, *, products, today: datetime.date, years: int = 11):
        self.text = ConsentText.objects.current()
        self.signatures = [
            (png, hashlib.sha256(png).hexdigest()) for png in map(scribble, range(6))
        ]
        self.muscles = {m.pk: m for m in Muscle.objects.all()}
        self.muscle_order = {m.pk: (m.order, m.code) for m in self.muscles.values()}
        self.label_muscles = {
            p.pk: set(DoseRange.objects.label().for_product(p.pk).values_list("muscles", flat=True))
            for p in products
        }
        lots = []
        for product in products:
            for year in range(today.year - years, today.year + 1):
                for quarter in range(4):
                    start = datetime.date(year, 1 + 3 * quarter, 1)
                    lots.append(
                        Lot(
                            product=product,
                            number=f"BN{product.pk}{year % 100:02d}Q{quarter + 1}",
                            expiry_date=start.replace(year=year + 2),
                            received_on=start - datetime.timedelta(days=20),
                            vial_count=400,
                            status=LotStatus.ACTIVE,
                        )
                    )
        rows.create(Lot, lots)
        self.lots = {
            (lot.product_id, lot.received_on + datetime.timedelta(days=20)): lot for lot in lots
        }

    def lot_for(self, product, day: datetime.date) -> Lot:
        return self.lots[(product.pk, datetime.date(day.year, 1 + 3 * ((day.month - 1) // 3), 1))]

    def areas(self, product, cells) -> tuple[str, str]:
        """The consent's areas (and off-label ones) of a plan's (muscle, side) cells,
        worded as ``charting.consent.consent_areas`` words them."""
        on: dict = {}
        for muscle_id, side in cells:
            on.setdefault(muscle_id, set()).add(side)
        areas, off_label = [], []
        for muscle_id in sorted(on, key=self.muscle_order.__getitem__):
            named = ", ".join(sides.name(s) for s in sides.ordered(on[muscle_id]))
            line = f"{self.muscles[muscle_id].name} ({named})"
            areas.append(line)
            if muscle_id not in self.label_muscles[product.pk]:
                off_label.append(line)
        return "\n".join(areas), "\n".join(off_label)


def plan_points(cycles) -> dict[int, list[tuple]]:
    """The chunk's plan points as stored, per plan, in chart order (one query):
    (id, muscle, side, x, y, units, note), numbers as ``str`` shows them."""
    if not cycles:
        return {}
    ids = [c.plan_id for c in cycles]
    points: dict[int, list[tuple]] = {pk: [] for pk in ids}
    if rows.postgres():  # numbers as text straight from the server: no Decimal per value
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT plan_id, id, muscle_id, side, x::text, y::text, units::text, note
                FROM planning_injectionpoint WHERE plan_id BETWEEN %s AND %s
                ORDER BY plan_id, "order", id
                """,
                [min(ids), max(ids)],
            )
            found = cursor.fetchall()
    else:
        found = (
            InjectionPoint.objects.filter(plan_id__gte=min(ids), plan_id__lte=max(ids))
            .order_by("plan_id", "order", "id")
            .values_list("plan_id", "id", "muscle_id", "side", "x", "y", "units", "note")
        )
    for row in found:
        if row[0] in points:
            points[row[0]].append(row[1:])
    return points


def make_charts(*, cycles, names: dict, ctx, rng: random.Random, counts, triggers_off: bool):
    """Consents, vials, signed treatments with injections, touch-ups, signed reviews
    with findings for a chunk's cycles (``names``: patient id -> name as signed)."""
    if not cycles:
        return
    chart = ctx.extra.get("charts")
    if chart is None:
        products = ctx.extra["plans"].products
        chart = ctx.extra["charts"] = ChartContext(products=products, today=ctx.today)
    points = plan_points(cycles)
    reviewed = [c for c in cycles if c.review_visit_id is not None]
    touched = [c for c in reviewed if rng.random() < TOUCH_UP_SHARE]
    chunk = _ChunkRows(
        chart=chart, ctx=ctx, points=points, cycles=len(cycles), touched=len(touched)
    )
    for n, cycle in enumerate(cycles):
        chunk.add_treatment(n, cycle, name=names[cycle.patient_id], rng=rng)
    for n, cycle in enumerate(touched, start=len(cycles)):
        chunk.add_touch_up(n, cycle, rng=rng)
    counts.add("consents", rows.copy_rows(Consent, CONSENT_FIELDS, chunk.consents))
    counts.add("vials", rows.copy_rows(Vial, VIAL_FIELDS, chunk.vials))
    if triggers_off:
        counts.add("treatments", rows.copy_rows(Treatment, TREATMENT_FIELDS, chunk.treatments))
    else:  # the chart lock refuses injections of a signed treatment: sign afterwards
        unsigned = (t[:12] + (None, None, None, "", "") for t in chunk.treatments)
        counts.add("treatments", rows.copy_rows(Treatment, TREATMENT_FIELDS, unsigned))
    treatment_ids, vial_ids = chunk.treatment_ids, chunk.vial_ids
    charted = [(treatment_ids[n], c.plan_id, vial_ids[n]) for n, c in enumerate(cycles)]
    counts.add("injections", rows.copy_rows(Injection, INJECTION_FIELDS, chunk.touch_up_injections))
    make_injections(charted=charted, points=points, later=ctx.later, counts=counts)
    if not triggers_off:
        ctx.later.add(None, *signing_in_bulk(chunk.treatments))
    make_due_reviews(cycles=cycles, treatment_ids=treatment_ids, ctx=ctx, counts=counts)
    make_reviews(
        cycles=reviewed,
        treatment_of={c.visit_id: treatment_ids[n] for n, c in enumerate(cycles)},
        touch_ups=chunk.touch_ups,
        points=points,
        ctx=ctx,
        rng=rng,
        counts=counts,
    )


class _ChunkRows:
    """The rows of a chunk's charts, as tuples in the order of the *_FIELDS lists."""

    def __init__(self, *, chart: ChartContext, ctx, points: dict, cycles: int, touched: int):
        self.chart, self.ctx, self.points = chart, ctx, points
        self.consent_ids = rows.reserve_ids(Consent, cycles)
        self.vial_ids = rows.reserve_ids(Vial, cycles + touched)
        self.treatment_ids = rows.reserve_ids(Treatment, cycles + touched)
        self.consents, self.vials, self.treatments, self.touch_up_injections = [], [], [], []
        self.touch_ups: dict[int, int] = {}  # treatment visit id -> touch-up treatment id

    def vial(self, n: int, *, product, day: datetime.date, at: datetime.datetime, by: int):
        lot = self.chart.lot_for(product, day)
        self.vials.append(
            (self.vial_ids[n], lot.pk, vial_units(product), DILUENT_SALINE, DILUENT_ML, at, by)
        )
        return lot

    def add_treatment(self, n: int, cycle, *, name: str, rng: random.Random) -> None:
        chart, ctx = self.chart, self.ctx
        inj, day, product = cycle.injector_id, cycle.day, cycle.product
        points = self.points[cycle.plan_id]
        png, sha = chart.signatures[cycle.visit_id % len(chart.signatures)]
        areas, off_label = chart.areas(product, [(p[1], p[2]) for p in points])
        self.consents.append(
            (
                self.consent_ids[n], cycle.visit_id, chart.text.pk, chart.text.body, areas,
                off_label, name, png, sha, inj, ctx.at(day, 9, 25), "", product_name(product),
            )
        )  # fmt: skip
        reconstituted = ctx.at(day, 9, 30)
        lot = self.vial(n, product=product, day=day, at=reconstituted, by=inj)
        signed = ctx.at(day, 10, 15)
        row = (
            self.treatment_ids[n], cycle.visit_id, cycle.plan_id, product.pk, 3,
            ctx.at(day, 9, 45), inj, signed, inj, WASTED[rng.randrange(len(WASTED))], True, "",
            DEFAULT_REVIEW_DAYS, signed, inj,
        )  # fmt: skip
        self.treatments.append(
            signed_row(
                row, points=points, chart=chart, cycle=cycle, product=product, lot=lot,
                vial_id=self.vial_ids[n], reconstituted=reconstituted, consent_sha=sha,
            )
        )  # fmt: skip

    def add_touch_up(self, n: int, cycle, *, rng: random.Random) -> None:
        ctx, product, inj = self.ctx, cycle.product, cycle.injector_id
        day = cycle.day + datetime.timedelta(days=14)
        reconstituted = ctx.at(day, 9, 45)
        lot = self.vial(n, product=product, day=day, at=reconstituted, by=inj)
        treated = {}
        for point in self.points[cycle.plan_id]:
            treated.setdefault((point[1], point[2]), point)
        picked = rng.sample(list(treated.values()), min(len(treated), rng.randint(1, 3)))
        picked = [(*p[:5], TOUCH_UP_UNITS[rng.randrange(3)], "") for p in picked]
        signed, pk = ctx.at(day, 10), self.treatment_ids[n]
        row = (
            pk, cycle.review_visit_id, cycle.plan_id, product.pk, 1 + len(picked),
            ctx.at(day, 9, 50), inj, signed, inj, Decimal("0.0"), True, TOUCH_UP_NOTES, None,
            signed, inj,
        )  # fmt: skip
        self.treatments.append(
            signed_row(
                row, points=picked, chart=self.chart, cycle=cycle, product=product, lot=lot,
                vial_id=self.vial_ids[n], reconstituted=reconstituted, consent_sha=None,
            )
        )  # fmt: skip
        self.touch_ups[cycle.visit_id] = pk
        self.touch_up_injections.extend(
            (pk, None, p[1], p[2], p[3], p[4], None, p[5], self.vial_ids[n], "", "", k)
            for k, p in enumerate(picked)
        )


def make_due_reviews(*, cycles, treatment_ids, ctx, counts) -> None:
    """A due review for each latest treatment of the last three weeks: done once its
    review (day 14) is signed, else on the front desk's list."""
    due = []
    for n, cycle in enumerate(cycles):
        age = (ctx.today - cycle.day).days
        if not cycle.latest or age > DueReview.OVERDUE_AFTER_DAYS:
            continue
        due.append(
            DueReview(
                treatment_id=treatment_ids[n],
                treated_at=ctx.at(cycle.day, 9, 45),  # the treatment's start (add_treatment)
                review_from=ctx.at(cycle.day + datetime.timedelta(days=10), 0, 0),  # day 10
                patient_id=cycle.patient_id,
                injector_id=cycle.injector_id,
                location_id=cycle.location_id,
                due_on=cycle.day + datetime.timedelta(days=DEFAULT_REVIEW_DAYS),
                overdue_after=cycle.day + datetime.timedelta(days=DueReview.OVERDUE_AFTER_DAYS),
                closed_as=DueReviewState.DONE if cycle.review_visit_id else "",
                created_by_id=cycle.injector_id,
                created_at=ctx.at(cycle.day, 10, 15),
            )
        )
    rows.create(DueReview, due)
    counts.due_reviews += len(due)


def make_injections(*, charted: list[tuple], points: dict, later, counts) -> None:
    """The injections of each (treatment, plan, vial): the plan's points as given."""
    if rows.postgres():
        ids, plans, vials = (list(column) for column in zip(*charted, strict=True))
        later.add(
            "injections",
            """
            INSERT INTO charting_injection
                (treatment_id, point_id, muscle_id, side, x, y, planned_units, units, vial_id,
                 depth, note, "order")
            SELECT t.id, p.id, p.muscle_id, p.side, p.x, p.y, p.units, p.units, t.vial_id,
                   p.depth, p.note, p."order"
            FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS t(id, plan_id, vial_id)
            JOIN planning_injectionpoint AS p ON p.plan_id = t.plan_id
            ORDER BY t.id, p."order", p.id
            """,
            [ids, plans, vials],
        )
        return
    given = rows.copy_rows(
        Injection,
        INJECTION_FIELDS,
        (
            (pk, p[0], p[1], p[2], p[3], p[4], p[5], p[5], vial, "", p[6], order)
            for pk, plan, vial in charted
            for order, p in enumerate(points[plan])
        ),
    )
    counts.add("injections", given)


def signing_in_bulk(treatments: list[tuple]) -> tuple[str, list]:
    """The UPDATE that signs treatments inserted unsigned, as ``charting.signing`` does."""
    columns = [
        list(c) for c in zip(*((t[0], t[12], t[13], t[14], t[15]) for t in treatments), strict=True)
    ]
    return (
        """
        UPDATE charting_treatment AS t
        SET review_days = s.review_days, signed_at = s.signed_at, signed_by_id = s.signed_by,
            content_hash = s.content_hash, seal_format = 1, seal_key = %s
        FROM unnest(%s::bigint[], %s::smallint[], %s::timestamptz[], %s::bigint[], %s::text[])
            AS s(id, review_days, signed_at, signed_by, content_hash)
        WHERE t.id = s.id
        """,
        [current_key_id(), *columns],
    )


def make_reviews(*, cycles, treatment_of, touch_ups, points, ctx, rng, counts) -> None:
    """A signed review at each review visit, with a finding per treated muscle and side."""
    ids = rows.reserve_ids(Review, len(cycles))
    reviews = []
    for pk, cycle in zip(ids, cycles, strict=True):
        day, inj = cycle.day + datetime.timedelta(days=14), cycle.injector_id
        signed = ctx.at(day, 10)
        reviews.append(
            (
                pk, cycle.review_visit_id, treatment_of[cycle.visit_id],
                touch_ups.get(cycle.visit_id), rng.choice((1, 2, 2, 3, 3, 4)),
                rng.choice((1, 2, 2, 3, 4)), "", 2, inj, ctx.at(day, 9, 10), signed, signed, inj,
            )
        )  # fmt: skip
    counts.add("reviews", rows.copy_rows(Review, REVIEW_FIELDS, reviews))
    if not ids:
        return
    plans = [c.plan_id for c in cycles]
    if rows.postgres():
        ctx.later.add(None, "SELECT setseed(%s)", [rng.random() * 2 - 1])
        ctx.later.add(
            "findings",
            f"""
            INSERT INTO reviews_finding (review_id, muscle_id, side, grade, baseline_grade, note)
            SELECT r.id, cell.muscle_id, cell.side, {FINDING_GRADES},
                   2 + floor(random() * 2)::int, ''
            FROM unnest(%s::bigint[], %s::bigint[]) AS r(id, plan_id)
            CROSS JOIN LATERAL (
                SELECT DISTINCT muscle_id, side FROM planning_injectionpoint
                WHERE plan_id = r.plan_id
            ) AS cell
            ORDER BY r.id
            """,  # noqa: S608 - a constant expression, no input
            [ids, plans],
        )
        return
    counts.add(
        "findings",
        rows.copy_rows(
            Finding,
            FINDING_FIELDS,
            (
                (pk, muscle_id, side, rng.choice((0, 0, 1, 1, 1, 2)), rng.choice((2, 3)), "")
                for pk, plan in zip(ids, plans, strict=True)
                for muscle_id, side in dict.fromkeys((p[1], p[2]) for p in points[plan])
            ),
        ),
    )


def signed_row(row, *, points, chart, cycle, product, lot, vial_id, reconstituted, consent_sha):
    """A treatment row with its seal: charting.seal's own ``content_of`` over
    the row and its injections as they will be stored (plain objects, not saved)."""
    fields = dict(zip(TREATMENT_FIELDS[:-2], row, strict=True))  # all but the seal
    treatment = SimpleNamespace(
        pk=fields["id"], visit_id=fields["visit"], plan_id=fields["plan"], product=product,
        wasted_units=fields["wasted_units"], aftercare_given=fields["aftercare_given"],
        notes=fields["notes"], signed_by_id=fields["signed_by"], signed_at=fields["signed_at"],
        review_days=fields["review_days"],
    )  # fmt: skip
    vial = SimpleNamespace(lot=lot, reconstituted_at=reconstituted)
    injections = [
        SimpleNamespace(
            muscle=chart.muscles[muscle_id],
            side=side,
            x=x,
            y=y,
            units=units,
            note=note,
            vial=vial,
            vial_id=vial_id,
        )  # fmt: skip
        for _pk, muscle_id, side, x, y, units, note in points
    ]
    content = content_of(
        treatment=treatment, patient_id=cycle.patient_id, injections=injections,
        adverse_events=[], fmt=1,
        consent=SimpleNamespace(signature_sha256=consent_sha) if consent_sha else None,
    )  # fmt: skip
    return (*row, hash_content(content), current_key_id())
