"""Bench staff, locations and patients: invented, deterministic for a seed."""

from __future__ import annotations

import datetime
import random

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from clinic.models import Location, OpeningHours, Patient, User, WorkingHours
from clinic.roles import Role

from . import rows

BENCH_PASSWORD = "bench-pass-2026"  # noqa: S105 - invented bench login, local only
BENCH_DOMAIN = "bench.clinic"
LOCATIONS = ["Bench North", "Bench Central", "Bench South"]
INJECTORS = 20
# Every location is open every day from 08:00 to 20:00 (the schedule books every day,
# packed from 09:00: at most 12 appointments of at most 45 minutes, so by 18:00 with
# the default turnover of 0); every injector works
# there every day, the even ones from 08:00 and the odd ones from 09:00 (so the day
# grid shades an hour of some columns, as a real rota does). Invented.
OPENS, CLOSES = datetime.time(8), datetime.time(20)

SYLLABLES = [
    "an", "bel", "cor", "da", "el", "fa", "gri", "ha", "is", "jo", "ka", "lu", "mar",
    "ne", "or", "pa", "qui", "ro", "sa", "ta", "ul", "ve", "wen", "xa", "yo", "zel",
    "mi", "ri", "to", "li", "ber", "son", "ton", "ley", "wood", "field", "ford", "ham",
]  # fmt: skip


def invented_name(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


def email(role: str, n: int) -> str:
    return f"{role}-{n:02d}@{BENCH_DOMAIN}"


def make_staff() -> dict:
    """3 locations, 20 injectors, 2 front desk, 1 admin (one password hash for all)."""
    locations = rows.create(
        Location,
        [Location(name=name, phone=f"(555) 020-{i:04d}") for i, name in enumerate(LOCATIONS)],
    )
    password = make_password(BENCH_PASSWORD)
    people = []
    for i in range(INJECTORS):
        people.append(("injector", i + 1, Role.INJECTOR, "NP" if i % 3 else "MD", locations[i % 3]))
    people += [
        ("desk", 1, Role.FRONT_DESK, "", locations[0]),
        ("desk", 2, Role.FRONT_DESK, "", locations[1]),
        ("admin", 1, Role.ADMIN, "", locations[0]),
    ]
    users = rows.create(
        User,
        [
            User(
                email=email(kind, n),
                first_name=f"{kind.capitalize()}{n:02d}",
                last_name="Bench",
                title=title,
                password=password,
                default_location=location,
            )
            for kind, n, _, title, location in people
        ],
    )
    for user, (_, _, role, _, _) in zip(users, people, strict=True):
        user.groups.add(Group.objects.get(name=role))
    make_hours(locations, users[:INJECTORS])
    return {
        "locations": locations,
        "injectors": users[:INJECTORS],
        "desk": users[INJECTORS],
        "admin": users[-1],
    }


def make_hours(locations, injectors) -> None:
    """Opening hours per weekday for each location and working hours per weekday for
    each injector at their location (``clinic.hours`` reads both on every day view,
    booking and free-slot search)."""
    rows.create(
        OpeningHours,
        [
            OpeningHours(location=location, weekday=weekday, opens_at=OPENS, closes_at=CLOSES)
            for location in locations
            for weekday in range(7)
        ],
    )
    rows.create(
        WorkingHours,
        [
            WorkingHours(
                injector=injector,
                location_id=injector.default_location_id,
                weekday=weekday,
                starts_at=datetime.time(8 + i % 2),
                ends_at=CLOSES,
            )
            for i, injector in enumerate(injectors)
            for weekday in range(7)
        ],
    )


def make_patients(*, start: int, count: int, rng: random.Random, locations) -> list[Patient]:
    today = datetime.date.today()
    patients = []
    for n in range(start, start + count):
        phone = f"(555) {rng.randint(100, 999)}-{rng.randint(0, 9999):04d}"
        patients.append(
            Patient(
                first_name=invented_name(rng, rng.choice((1, 2, 2))),
                last_name=invented_name(rng, rng.choice((2, 2, 3))),
                date_of_birth=today - datetime.timedelta(days=rng.randint(20 * 365, 75 * 365)),
                sex=rng.choice("FFFFMX"),
                phone=phone,
                phone_digits="".join(c for c in phone if c.isdigit()),
                email=f"p{n}@example.invalid",
                chart_number=f"B-{n:07d}",
                home_location=locations[n % len(locations)],
            )
        )
    return rows.create(Patient, patients)
