"""Key rotation for the seals of signed charts (charting.seal.reseal)."""

from django.core.management.base import BaseCommand, CommandError

from charting import prerender
from charting.seal import current_key_id, reseal


class Command(BaseCommand):
    help = (
        "Verify every signed chart under the key that sealed it (an old unkeyed seal as "
        "the plain SHA-256 it is) and seal it again under the current key, the first of "
        "SIGNATURE_KEYS. A chart that does not verify is left as it is and listed; exit 1."
    )

    def handle(self, *args, **options):
        key_id = current_key_id()
        result = reseal()
        prerender.seals_renewed(treatment_ids=result.resealed)  # each part prints its key
        self.stdout.write(
            f"{len(result.resealed)} signed charts re-sealed under key {key_id}; "
            f"{result.current} were already sealed with it."
        )
        if result.refused:
            ids = ", ".join(map(str, result.refused))
            self.stderr.write(f"Not re-sealed, they do not match their signature: {ids}")
            raise CommandError(
                f"{len(result.refused)} signed charts do not match their signature "
                "(audit log: mismatch); they keep their old seal."
            )
        self.stdout.write(self.style.SUCCESS("Every signed chart is sealed with the current key."))
