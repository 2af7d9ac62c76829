import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit import anchors
from audit.chain import verify_chain

STALE_DAYS = 2


def _days_since(moment: str) -> float:
    try:
        then = datetime.datetime.fromisoformat(moment)
    except ValueError:
        return 0.0
    if timezone.is_naive(then):
        return 0.0
    return (timezone.now() - then).total_seconds() / 86400


class Command(BaseCommand):
    help = (
        "Recompute the audit log's hash chain and check it against its anchors; exit 1 if "
        "any event was changed or removed, or the tail no longer matches an anchor."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchors",
            nargs="*",
            default=[],
            metavar="FILE",
            help="more anchors to check against: saved anchor e-mails or anchor files",
        )

    def handle(self, *args, **options):
        extra, unreadable = [], []
        for name in options["anchors"]:
            path = Path(name)
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError as error:
                raise CommandError(f"Cannot read {name}: {error.strerror}") from None
            found, bad = anchors.parse(text, source=path.name)
            if not found and not bad:
                raise CommandError(f"{name} holds no audit anchor.")
            extra += found
            unreadable += bad
        report = verify_chain(extra_anchors=extra)
        problems = unreadable + report.problems
        self.stdout.write(
            f"Checked {report.checked} events; head is event {report.head_seq}, "
            f"hash {report.head_hash}; against {report.anchors_checked} anchor(s)"
        )
        newest = report.newest_anchor_at
        if newest and _days_since(newest) > STALE_DAYS:
            self.stdout.write(
                self.style.WARNING(
                    f"The newest anchor is of {newest}: is the nightly anchoring (Celery beat) "
                    "running? Events after it are not yet protected."
                )
            )
        if not report.anchors_checked:
            self.stdout.write(
                self.style.WARNING(
                    "No anchor yet (manage.py anchor_audit_chain): a cut or rewritten tail "
                    "cannot be told from an intact one."
                )
            )
        if problems:
            for problem in problems:
                self.stderr.write(f"  {problem}")
            raise CommandError("The audit chain is broken.")
        self.stdout.write(self.style.SUCCESS("The audit chain is intact."))
