"""Delete the history's kept parts that are no longer asked for
(``charting.reports.history_pages.sweep``); run it daily (cron or beat)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from charting.reports.history_pages import sweep


class Command(BaseCommand):
    help = "Delete kept history parts superseded by a newer one or unread for --days days."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=90, help="unread for this long (90)")

    def handle(self, *args, days: int, **options):
        deleted = sweep(unused_days=days)
        self.stdout.write(f"{deleted} kept history part(s) deleted.")
