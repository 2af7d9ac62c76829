from django.core.management.base import BaseCommand, CommandError

from tools.bench.generate import BenchDataRefused, make_bench_data


class Command(BaseCommand):
    help = (
        "Fill an empty database with invented bench data: N patients with 1-12 treatment "
        "cycles each over ten years (plans, signed charts, reviews, touch-ups, audit "
        "events), 20 injectors, 3 locations, two years of appointments."
    )

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, required=True)
        parser.add_argument("--seed", type=int, default=11)

    def handle(self, *args, patients: int, seed: int, **options):
        try:
            summary = make_bench_data(
                patients=patients, seed=seed, verbosity=options["verbosity"], out=self.stdout
            )
        except BenchDataRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(summary))
