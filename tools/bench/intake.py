"""The pre-visit intake by link (issue 20): wall seconds, CPU seconds and queries of
each step, through the real pages, as the desk, the patient's phone and the injector.

    python -m tools.bench.intake [--rounds 5] [--selfie 3024x4032]

Per round: the desk sends the link (email + QR code), the patient opens it, gives
the date of birth, opens the form, sends it with a phone-sized selfie (a JPEG of
``--selfie`` pixels, cleaned by the photo pipeline), then the injector opens the
screening (pre-filled, the selfie's thumbnail inline) and saves it (confirming
the intake). Prints the median of each step. Needs a migrated PostgreSQL database
(DATABASE_URL); everything runs in one transaction rolled back at the end.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class _RollBack(Exception):
    pass


def phone_jpeg(width: int, height: int) -> bytes:
    """A phone-sized JPEG with texture (a flat colour would compress to nothing)."""
    from PIL import Image

    image = Image.effect_noise((width, height), 40).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88)
    return out.getvalue()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--selfie", default="3024x4032")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("set DATABASE_URL=postgres://... (a migrated database)")
    sys.path.insert(0, ROOT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from clinic.models import Appointment, Location, Patient, User
    from clinic.roles import Role
    from planning.models import Visit
    from planning.screening_questions import QUESTIONS

    from .pages import client_for

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.INTAKE_DOB_RATE_PER_ADDRESS = "100000/h"
    width, height = (int(v) for v in args.selfie.split("x"))
    selfie = phone_jpeg(width, height)
    steps: dict[str, list[tuple[float, float, int]]] = {}

    def step(name, call):
        with CaptureQueriesContext(connection) as queries:
            wall, cpu = time.perf_counter(), time.process_time()
            response = call()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if response.status_code >= 400:
            raise SystemExit(f"{name}: {response.status_code}")
        steps.setdefault(name, []).append((wall, cpu, len(queries)))
        return response

    answers = {f"q_{q.code}": "no" for q in QUESTIONS}
    try:
        with transaction.atomic():
            location = Location.objects.filter(is_active=True).first() or Location.objects.create(
                name="Bench Clinic"
            )
            desk = User.objects.create_user("intake-desk@bench.invalid", first_name="Desk")
            desk.groups.add(Group.objects.get(name=Role.FRONT_DESK))
            injector = User.objects.create_user("intake-inj@bench.invalid", first_name="Inj")
            injector.groups.add(Group.objects.get(name=Role.INJECTOR))
            desk_client, injector_client = client_for(desk), client_for(injector)
            for n in range(args.rounds):
                patient = Patient.objects.create(
                    first_name="Bench",
                    last_name=f"Intake{n:04d}",
                    date_of_birth=datetime.date(1980, 1, 1),
                    chart_number=f"BENCH-INTAKE-{n:04d}",
                    email=f"intake{n}@bench.invalid",
                )
                starts = timezone.now() + datetime.timedelta(hours=3 + n)  # one each hour
                appointment = Appointment.objects.create(
                    patient=patient, injector=injector, location=location, kind="consultation",
                    starts_at=starts, ends_at=starts + datetime.timedelta(minutes=30),
                )  # fmt: skip
                visit = Visit.objects.create(
                    patient=patient, injector=injector, location=location, created_by=injector
                )
                sent = step(
                    "desk: send the link (email, QR)",
                    lambda a=appointment: desk_client.post(
                        f"/appointments/{a.pk}/intake/", secure=True
                    ),
                )
                url = sent.content.decode().split('data-testid="intake-url">')[1]
                path = "/p/" + url.split("/p/", 1)[1].split("<", 1)[0]
                phone = Client(HTTP_HOST="127.0.0.1")
                step(
                    "patient: open the link", lambda p=path, phone=phone: phone.get(p, secure=True)
                )
                step(
                    "patient: date of birth",
                    lambda phone=phone: phone.post(
                        "/p/start/", {"date_of_birth": "1980-01-01"}, secure=True
                    ),
                )
                step("patient: the form", lambda phone=phone: phone.get("/p/intake/", secure=True))
                step(
                    f"patient: send, selfie {width}x{height} ({len(selfie) // 1024} KB)",
                    lambda phone=phone: phone.post(
                        "/p/intake/",
                        {
                            **answers,
                            "bothers": ["frown"],
                            "bothers_text": "Frown",
                            "selfie": SimpleUploadedFile("s.jpg", selfie, "image/jpeg"),
                        },
                        secure=True,
                    ),
                )
                page = step(
                    "injector: screening, pre-filled",
                    lambda v=visit: injector_client.get(
                        f"/planning/visits/{v.pk}/screening/", secure=True
                    ),
                )
                intake_id = page.content.decode().split('name="intake" value="')[1].split('"')[0]
                step(
                    "injector: save, confirming the intake",
                    lambda v=visit, i=intake_id: injector_client.post(
                        f"/planning/visits/{v.pk}/screening/",
                        {**answers, "intake": i},
                        secure=True,
                    ),
                )
            raise _RollBack
    except _RollBack:
        pass
    print(f"{'step (median of ' + str(args.rounds) + ')':48} {'wall ms':>8} {'CPU ms':>8} {'q':>4}")
    for name, rows in steps.items():
        wall = statistics.median(r[0] for r in rows) * 1000
        cpu = statistics.median(r[1] for r in rows) * 1000
        print(f"{name:48} {wall:8.1f} {cpu:8.1f} {rows[0][2]:4d}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (all rolled back)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
