"""Staff: everyone who signs in, by email address."""

from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models

from ..roles import Role


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A member of staff; signs in with their email address."""

    # The audit log's way from a row to its patient (audit.subjects).
    audit_patient = None

    username = None
    first_name = models.CharField("first name", max_length=150)
    last_name = models.CharField("last name", max_length=150)
    email = models.EmailField("email address", unique=True)
    title = models.CharField(
        max_length=40, blank=True, help_text="Shown after the name, e.g. MD, NP, RN."
    )
    default_location = models.ForeignKey(
        "clinic.Location", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    must_change_password = models.BooleanField(
        default=False,
        help_text="Set when an admin typed the password: the user chooses their own at the "
        "next sign-in.",
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    objects = UserManager()

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return self.display_name(
            first_name=self.first_name, last_name=self.last_name, email=self.email, title=self.title
        )

    @staticmethod
    def display_name(*, first_name: str, last_name: str, email: str, title: str) -> str:
        """How a staff member is named on the pages: "Ana Ruiz, RN" (the e-mail without
        a name); from plain values too, for lists read with ``values()``."""
        name = User.full_name_of(first_name=first_name, last_name=last_name) or email
        return f"{name}, {title}" if title else name

    @staticmethod
    def full_name_of(*, first_name: str, last_name: str) -> str:
        """``get_full_name`` from plain values (lists read with ``values()``)."""
        return f"{first_name} {last_name}".strip()

    @cached_property
    def roles(self) -> frozenset[str]:
        """The user's role names (one query, then cached for the request)."""
        names = set(self.groups.values_list("name", flat=True))
        if self.is_superuser:
            names.add(Role.ADMIN)
        return frozenset(names & set(Role.values))

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    @property
    def role_label(self) -> str:
        labels = [Role(r).label for r in Role.values if r in self.roles]
        return " · ".join(labels) or "No role"
