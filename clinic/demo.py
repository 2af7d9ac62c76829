"""Invented demo data for the clinic app: staff, locations, patients.

Every name, number and address here is made up. ``seed`` is idempotent: a
second run finds what the first made and adds nothing.
"""

from __future__ import annotations

import datetime
import random

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from .models import ClosedDay, Location, Patient, TimeOff, User
from .patients import DEMO_PATIENTS, chart_number_for
from .roles import Role

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - documented demo login, refused in production # nosec B105

DEMO_USERS = [
    # email, first, last, title, role
    ("injector@demo.clinic", "Irene", "Castellano", "NP", Role.INJECTOR),
    ("frontdesk@demo.clinic", "Frank", "Delgado", "", Role.FRONT_DESK),
    ("admin@demo.clinic", "Alma", "Whitfield", "", Role.ADMIN),
    ("injector2@demo.clinic", "Jonah", "Brightwater", "MD", Role.INJECTOR),
]

DEMO_LOCATIONS = [  # name, address, phone, zone, closed weekdays (0 = Monday)
    ("Riverside Clinic", "12 Mill Lane, Springfield", "(555) 010-2000", "America/New_York", "6"),
    (
        "Hillcrest Studio",
        "480 Summit Road, Springfield",
        "(555) 010-3000",
        "America/New_York",
        "56",
    ),
]

FIRST = [
    "Ava",
    "Maya",
    "Lena",
    "Sofia",
    "Noor",
    "Clara",
    "Ines",
    "Hana",
    "Rosa",
    "Elena",
    "Priya",
    "Tessa",
    "Mila",
    "Jade",
    "Nadia",
    "Olivia",
    "Grace",
    "Leo",
    "Samuel",
    "Marcus",
]
LAST = [
    "Abernathy",
    "Bellweather",
    "Castor",
    "Dunmore",
    "Everly",
    "Fairbanks",
    "Galloway",
    "Hartwell",
    "Ivers",
    "Jessup",
    "Kingsley",
    "Lockwood",
    "Marchetti",
    "Northcott",
    "Okafor",
    "Pemberton",
    "Quill",
    "Ravensworth",
    "Stroud",
    "Thistlewood",
]


@transaction.atomic
def seed(out) -> None:
    locations = [
        Location.objects.get_or_create(
            name=name,
            defaults={"address": address, "phone": phone, "time_zone": tz, "closed_weekdays": shut},
        )[0]
        for name, address, phone, tz, shut in DEMO_LOCATIONS
    ]
    for i, (email, first, last, title, role) in enumerate(DEMO_USERS):
        user, created = User.objects.get_or_create(
            email=email,
            defaults={
                "first_name": first,
                "last_name": last,
                "title": title,
                "default_location": locations[i % 2 if role == Role.INJECTOR else 0],
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=role))
    _holidays_and_leave(locations)
    rng = random.Random(2026)  # repeatable invented demo data, no secret
    made = 0
    for n in range(DEMO_PATIENTS):
        first, last = FIRST[n % len(FIRST)], LAST[(n * 7 + n // 20) % len(LAST)]
        dob = datetime.date(1962, 1, 1) + datetime.timedelta(days=rng.randrange(0, 365 * 40))
        _, created = Patient.objects.get_or_create(
            chart_number=chart_number_for(n + 1),
            defaults={
                "first_name": first,
                "last_name": last,
                "date_of_birth": dob,
                "sex": Patient.Sex.MALE if first in {"Leo", "Samuel", "Marcus"} else "F",
                "phone": f"(555) 01{n // 10}-{1000 + n * 37:04d}",
                "email": f"{first.lower()}.{last.lower()}@example.com",
                "home_location": locations[n % 2],
                "front_desk_notes": "Prefers mornings." if n % 5 == 0 else "",
            },
        )
        made += created
    out.write(f"clinic: {len(locations)} locations, {len(DEMO_USERS)} staff, {made} new patients")
    # The appointment book: a realistic week at both locations (clinic/demo_schedule.py).
    from .demo_schedule import seed as seed_schedule

    seed_schedule(out)


def _holidays_and_leave(locations: list[Location]) -> None:
    """Christmas Day closed at both locations; the second injector on a course next
    Monday and Tuesday, inside the demo's booked weeks (clinic.hours keeps the demo
    week's bookings and the reviews it books off them)."""
    today = timezone.localdate()
    christmas = datetime.date(today.year, 12, 25)
    if christmas < today:
        christmas = christmas.replace(year=today.year + 1)
    for location in locations:
        ClosedDay.objects.get_or_create(
            location=location, day=christmas, defaults={"reason": "Christmas Day"}
        )
    first = today - datetime.timedelta(days=today.weekday()) + datetime.timedelta(days=7)
    TimeOff.objects.get_or_create(
        injector=User.objects.get(email="injector2@demo.clinic"),
        first_day=first,
        defaults={"last_day": first + datetime.timedelta(days=1), "reason": "training course"},
    )
