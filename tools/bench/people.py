"""Bench staff, locations and patients: invented, deterministic for a seed."""

from __future__ import annotations

import datetime
import random

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from clinic.models import Location, Patient, User
from clinic.roles import Role

from . import rows

BENCH_PASSWORD = "bench-pass-2026"  # noqa: S105 - invented bench login, local only
BENCH_DOMAIN = "bench.clinic"
LOCATIONS = ["Bench North", "Bench Central", "Bench South"]
INJECTORS = 20

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
    return {
        "locations": locations,
        "injectors": users[:INJECTORS],
        "desk": users[INJECTORS],
        "admin": users[-1],
    }


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
