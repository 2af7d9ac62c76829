"""The guided capture of the photo page: the shots to take (each expression at rest
and at maximum contraction) and, for each, the ghost to align to: the same shot
from the patient's latest earlier visit, so photos of different visits compare.

A photo the patient sent (``Photo.patient_uploaded``) is never a ghost nor a shot
ticked as taken: its orientation is not verified (a front camera may mirror it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber

from .choices import PhotoMoment, VisitStatus
from .models import Expression, Photo, Visit


@dataclass(frozen=True)
class Shot:
    expression: Expression
    moment: str
    taken: bool  # a photo of this shot was taken at this visit
    ghost: Photo | None  # the same shot from the patient's latest earlier visit

    @property
    def moment_label(self) -> str:
        return PhotoMoment(self.moment).label


def ghost_photos(*, visit: Visit) -> dict[tuple[int, str], Photo]:
    """The latest photo of each (expression, moment) from the patient's visits before
    ``visit`` (an earlier day, or the same day opened earlier), keyed by
    ``(expression_id, moment)``, with its visit. Only this patient's photos, taken by
    the clinic, of visits not cancelled. One query, however long the history."""
    earlier = Q(visit__date__lt=visit.date) | Q(visit__date=visit.date, visit_id__lt=visit.pk)
    photos = (
        Photo.objects.filter(earlier, visit__patient_id=visit.patient_id)
        .exclude(visit__status=VisitStatus.CANCELLED)
        .filter(expression__isnull=False, moment__in=PhotoMoment.values, patient_uploaded=False)
        .annotate(
            newest=Window(
                RowNumber(),
                partition_by=[F("expression_id"), F("moment")],
                order_by=[
                    F("visit__date").desc(),
                    F("visit_id").desc(),
                    F("uploaded_at").desc(),
                    F("id").desc(),
                ],
            )
        )
        .filter(newest=1)
        .select_related("visit")
    )
    return {(photo.expression_id, photo.moment): photo for photo in photos}


@dataclass(frozen=True)
class ShotRow:
    expression: Expression
    shots: list[Shot]  # at rest, then at maximum contraction


def shots_for(
    *, visit: Visit, expressions: Iterable[Expression], taken: Iterable[Photo]
) -> list[ShotRow]:
    """Each expression at rest and at maximum contraction, in the expressions' order,
    ticked when ``taken`` (the visit's photos, in hand) has it. One query: the ghosts."""
    done = {(p.expression_id, p.moment) for p in taken if not p.patient_uploaded}
    ghosts = ghost_photos(visit=visit)
    return [
        ShotRow(
            expression=expression,
            shots=[
                Shot(
                    expression=expression,
                    moment=moment,
                    taken=(expression.pk, moment) in done,
                    ghost=ghosts.get((expression.pk, moment)),
                )
                for moment in PhotoMoment.values
            ],
        )
        for expression in expressions
    ]
