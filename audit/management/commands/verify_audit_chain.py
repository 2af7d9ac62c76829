from django.core.management.base import BaseCommand, CommandError

from audit.chain import verify_chain


class Command(BaseCommand):
    help = "Recompute the audit log's hash chain; exit 1 if any event was changed or removed."

    def handle(self, *args, **options):
        report = verify_chain()
        self.stdout.write(
            f"Checked {report.checked} events; head is event {report.head_seq}, "
            f"hash {report.head_hash}"
        )
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(f"  {problem}")
            raise CommandError("The audit chain is broken.")
        self.stdout.write(self.style.SUCCESS("The audit chain is intact."))
