"""Invented demo data for charting: the treatments (lots, signed charts, reviews
due, a visit ready to chart) and then the two-week reviews that follow them."""

from . import reviews, treatments


def seed(out) -> None:
    treatments.seed(out)
    reviews.seed(out)
