from django.core.management.base import BaseCommand, CommandError

from audit.anchoring import ChainBroken, anchor_chain


class Command(BaseCommand):
    help = (
        "Check the audit chain since its newest anchor, then sign its head and keep it "
        "(a file in the private storage, an e-mail to the clinic admins)."
    )

    def handle(self, *args, **options):
        try:
            done = anchor_chain()
        except ChainBroken as broken:
            for problem in broken.problems:
                self.stderr.write(f"  {problem}")
            raise CommandError("The audit chain is broken; it was not anchored.") from None
        anchor = done.anchor
        verb = "Anchored" if done.written else "Already anchored (the head has not moved)"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb}: event {anchor.seq}, hash {anchor.hash}; "
                f"mailed to {done.mailed_to} address(es)."
            )
        )
