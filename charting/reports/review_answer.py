""" "What if I dislike an effect?" answered from the cycle's review (issue 20).

When the visit's treatment has a review, the answer says what the review found, from
its stored findings only (``reviews.Finding``: residual grade per muscle and side, and
whether the review's touch-up treated that muscle and side): "At your review your
right frown muscle still moved; your next treatment adds units on that side." The
words mirror the next cycle's rule (``reviews.suggestions``: residual 2 or more adds
units, a touch-up's total is the next start, 0–1 keeps what worked); every sentence is
the clinic's (``SummaryWording``, kind answer), filled by name. Without a review the
summary keeps its general answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from django.db.models import Prefetch

from charting.models import Injection, Treatment
from charting.reviews.models import Finding, Review
from planning import sides

# A residual grade this high "still moved" (reviews.suggestions: rules 3 and 4).
STILL_MOVES = 2


@dataclass(frozen=True)
class Seen:
    """One muscle and side at the review: its code, side, residual grade, and whether
    the review's touch-up treated it."""

    code: str
    side: str
    grade: int
    topped_up: bool = False


def findings_of(treatment: Treatment | None) -> list[Seen] | None:
    """The review's findings of ``treatment`` in muscle order; None when it has no
    review (or no findings yet). Queries: the review with its findings and muscles (2),
    the touch-up's injections (1, only when there was one)."""
    if treatment is None:
        return None
    review = (
        Review.objects.filter(treatment=treatment)
        .prefetch_related(Prefetch("findings", Finding.objects.select_related("muscle")))
        .first()
    )
    if review is None:
        return None
    topped = set()
    if review.touch_up_id:
        topped = set(
            Injection.objects.filter(treatment_id=review.touch_up_id).values_list(
                "muscle__code", "side"
            )
        )
    found = [
        Seen(f.muscle.code, f.side, f.grade, (f.muscle.code, f.side) in topped)
        for f in review.findings.all()
    ]
    return found or None


def review_sentences(findings: list[Seen], *, wording) -> list[str]:
    """What the review found, one sentence per muscle that still moved (right before
    left); the settled sentence when none did."""
    said = []
    for code, group in groupby(findings, key=lambda s: s.code):
        moved = sorted(
            (s for s in group if s.grade >= STILL_MOVES), key=lambda s: sides.sort_key(s.side)
        )
        if not moved:
            continue
        short = wording("short", code) or code.lower()
        if moved[0].side == sides.MID:
            said.append(wording("answer", "dislike-moved-middle", short=short))
        elif len(moved) > 1:
            said.append(wording("answer", "dislike-moved-both", short=short))
        else:
            key = "dislike-topped-up" if moved[0].topped_up else "dislike-moved"
            said.append(
                wording("answer", key, your_side=sides.to_patient(moved[0].side), short=short)
            )
    return said or [wording("answer", "dislike-settled")]


def dislike_answer(*, findings: list[Seen] | None, wording, review_date: str, next_date: str):
    """The answer to "What if I dislike an effect?": from the review when it found
    anything, else the general answer."""
    if not findings:
        return wording("answer", "dislike", review_date=review_date, next_date=next_date)
    return " ".join(
        [
            *review_sentences(findings, wording=wording),
            wording("answer", "dislike-reviewed", next_date=next_date),
        ]
    )
