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

from . import demo_story
from .models import ClosedDay, Location, OpeningHours, Patient, Room, TimeOff, User, WorkingHours
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
            name=place.name,
            defaults={
                "address": place.address,
                "phone": place.phone,
                "time_zone": place.time_zone,
                "closed_weekdays": place.closed_weekdays,
            },
        )[0]
        for place in demo_story.LOCATIONS
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
    _hours_and_rooms(locations)
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


def _hours_and_rooms(locations: list[Location]) -> None:
    """Each location's opening hours per weekday and its rooms, and each injector's
    working hours from the rota (``clinic.demo_story``: the location's hours that day,
    with a lunch break on a full day), through the models' own checks."""
    places = {place.name: place for place in demo_story.LOCATIONS}
    by_name = {location.name: location for location in locations}
    time = datetime.time.fromisoformat
    for location in locations:
        place = places[location.name]
        for weekday, opens, closes in place.hours:
            _saved(
                OpeningHours(
                    location=location, weekday=weekday, opens_at=time(opens), closes_at=time(closes)
                ),
                location=location,
                weekday=weekday,
            )
        for name in place.rooms:
            _saved(Room(location=location, name=name), location=location, name=name)
    lunch = tuple(time(t) for t in demo_story.LUNCH)
    for email, days in demo_story.ROTA.items():
        injector = User.objects.get(email=email)
        for weekday, place in days.items():
            opens, closes = next((time(o), time(c)) for d, o, c in place.hours if d == weekday)
            full_day = opens <= lunch[0] and lunch[1] <= closes and closes >= time("16:00")
            _saved(
                WorkingHours(
                    injector=injector,
                    location=by_name[place.name],
                    weekday=weekday,
                    starts_at=opens,
                    ends_at=closes,
                    break_starts_at=lunch[0] if full_day else None,
                    break_ends_at=lunch[1] if full_day else None,
                ),
                injector=injector,
                weekday=weekday,
            )


def _saved(row, **key) -> None:
    """Save ``row`` after its checks (``full_clean``), unless one with ``key`` exists."""
    if type(row).objects.filter(**key).exists():
        return
    row.full_clean()
    row.save()


def _holidays_and_leave(locations: list[Location]) -> None:
    """The story's holiday at both locations and the second injector's course, inside
    the demo's booked weeks (``clinic.demo_story``: the book and the reviews keep off
    them, asking ``clinic.hours``)."""
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    after, reason = demo_story.HOLIDAY
    for location in locations:
        ClosedDay.objects.get_or_create(
            location=location,
            day=monday + datetime.timedelta(days=after),
            defaults={"reason": reason},
        )
    email, first, last, why = demo_story.LEAVE
    TimeOff.objects.get_or_create(
        injector=User.objects.get(email=email),
        first_day=monday + datetime.timedelta(days=first),
        defaults={"last_day": monday + datetime.timedelta(days=last), "reason": why},
    )
