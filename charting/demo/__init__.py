"""Invented demo data for charting: the clinic's letterhead on every PDF, the
treatments (lots, signed charts, reviews due, a visit ready to chart) and then the
two-week reviews that follow them, each at its appointment of the demo's story
(``clinic.demo_story``)."""

from charting.reports.models import Letterhead

from . import reviews, treatments


def seed(out, *, story=None) -> None:
    _letterhead()
    treatments.seed(out, story=story)
    reviews.seed(out, story=story)


def _letterhead() -> None:
    """The invented clinic's address and phone on its PDFs, US Letter (the Django
    admin's edit, through the model's checks)."""
    if Letterhead.objects.filter(pk=1).exists():
        return
    letterhead = Letterhead(
        pk=1,
        name="Demo Aesthetic Clinic",
        address="12 Mill Lane\nSpringfield, ST 00000",
        phone="(555) 010-2000",
    )
    letterhead.full_clean()
    letterhead.save()
