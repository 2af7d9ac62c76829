"""Factories for test data. Invented values only."""

import datetime

import factory
from django.contrib.auth.models import Group

from clinic.models import Location, Patient, User

PASSWORD = "test-pass-2026-long"


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Test Location {n}")
    time_zone = "America/New_York"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"staff{n}@test.clinic")
    first_name = factory.Sequence(lambda n: f"Staff{n}")
    last_name = "Tester"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
        if create:
            self.save()


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    first_name = factory.Sequence(lambda n: f"Pat{n}")
    last_name = factory.Sequence(lambda n: f"Example{n}")
    date_of_birth = datetime.date(1985, 4, 12)
    sex = "F"
    phone = factory.Sequence(lambda n: f"(555) 010-{n % 10000:04d}")
    chart_number = factory.Sequence(lambda n: f"T-{n:06d}")
