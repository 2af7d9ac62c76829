"""Check every signed chart: its keyed seal over the stored values, and that the
seal is the one the (anchored) audit chain recorded when it was signed or last
re-sealed. Exits 1 when anything does not hold; a mismatch is audited."""

from django.core.management.base import BaseCommand, CommandError

from charting.seal import (
    SealState,
    chain_disagreements,
    report_mismatch,
    state_of_rows,
    with_rows,
)


class Command(BaseCommand):
    help = "Check every signed chart against its seal and against the audit chain."

    def handle(self, *args, **options):
        counts = {state: 0 for state in SealState}
        mismatched = []
        for treatment in with_rows().iterator(chunk_size=200):
            result = state_of_rows(
                treatment=treatment,
                injections=list(treatment.injections.all()),
                adverse_events=list(treatment.adverse_events.all()),
                consents=list(treatment.visit.consents.all()),
            )
            counts[result] += 1
            if result is SealState.MISMATCH:
                report_mismatch(treatment=treatment, where="verify_signed_records")
                mismatched.append(treatment.pk)
        disagreements = chain_disagreements()
        summary = ", ".join(f"{n} {state.value}" for state, n in counts.items())
        self.stdout.write(f"Signed charts: {summary}.")
        for d in disagreements:
            self.stderr.write(f"Chart {d.treatment}: {d.problem}.")
        if mismatched or disagreements:
            raise CommandError(
                f"{len(mismatched)} signed charts do not match their seal"
                f"{': ' + ', '.join(map(str, mismatched)) if mismatched else ''}; "
                f"{len(disagreements)} disagree with the audit chain."
            )
        self.stdout.write(self.style.SUCCESS("Every signed chart verifies."))
