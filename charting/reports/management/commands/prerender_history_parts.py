"""Lay out ahead the kept parts of patients whose signed cycles have none
(``charting.reports.history_pages.prerender``): after an upgrade, or parts swept after
90 days unread. Run it nightly (cron or beat), after ``sweep_history_parts``."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from charting.reports.history_pages import patients_without_parts, prerender


class Command(BaseCommand):
    help = (
        "Lay out the history, record and patient's copy parts of up to --limit patients "
        "with signed treatments that have no kept part yet (most recently signed first)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=50, help="patients per run (50)")

    def handle(self, *args, limit: int, **options):
        patients = patients_without_parts(limit=limit)
        stored = sum(prerender(patient_id=patient_id) for patient_id in patients)
        # Counts only: no name, no chart number in a cron mail or a log.
        self.stdout.write(f"{stored} kept part(s) laid out for {len(patients)} patient(s).")
