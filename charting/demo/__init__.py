"""Invented demo data for charting: the treatments (lots, signed charts, reviews
due, a visit ready to chart) and then the two-week reviews that follow them, each at
its appointment of the demo's story (``clinic.demo_story``)."""

from . import reviews, treatments


def seed(out, *, story=None) -> None:
    treatments.seed(out, story=story)
    reviews.seed(out, story=story)
