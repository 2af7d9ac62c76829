"""A form that creates a record stores one, however often it is submitted.

Every such form carries a one-time token (``token_field``, or ``new_token`` for a
form written by hand), made when the form is rendered. The view does its work inside
``submit_once``: the first submit of a token claims it (a row whose unique index
makes a racing second submit wait) and records where the record it made is; a
later submit of the same token finds that address, and the view lands there with a
message instead of storing the record again. A submit that stores nothing (a
refused form, an error) gives its token back, so the corrected form goes through.

A form sent without a token (or with one that is not ours) is handled as before,
without this guard: it is never refused for it.

Doors: the new-patient form, the booking form (every kind, the review too), the
"Book review" page's times (the suggested one and each tapped one), the addendum under
a signed chart, the waitlist's "Add to waitlist" and its one-tap booking of a freed time,
the desk's "Send the form" (intake link), the complete record and its release log, the
patient summary's and the referral letter's PDF buttons."""

from __future__ import annotations

import datetime
import hashlib
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django import forms
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from .models import FormSubmit

FIELD = "submit_token"
# A claimed token is kept a week (a form left open longer is submitted unguarded);
# beat's daily task forgets older ones.
KEEP_DAYS = 7
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def new_token() -> str:
    """A fresh token for one rendered form."""
    return secrets.token_urlsafe(24)


def token_field() -> forms.CharField:
    """The hidden field a form that creates a record declares as ``submit_token``."""
    return forms.CharField(widget=forms.HiddenInput, required=False, initial=new_token)


@dataclass
class Submit:
    key: str | None
    earlier: str = ""  # the address of the record an earlier submit of this form made
    url: str = ""

    def stored(self, url: str) -> None:
        """Say where the record this submit made is (the next submit lands there)."""
        self.url = url


def _key(request: HttpRequest) -> str | None:
    token = request.POST.get(FIELD, "")
    if not request.user.is_authenticated or not _TOKEN.fullmatch(token):
        return None
    # The person and the form's address are part of the key: a token is one form's.
    raw = f"{request.user.pk}\n{request.path}\n{token}".encode()
    return hashlib.sha256(raw).hexdigest()


@contextmanager
def submit_once(request: HttpRequest) -> Iterator[Submit]:
    """Run the body of a creating form's submit once per token, in one transaction.

    ``submit.earlier`` is set when an earlier submit of the form already stored its
    record (the body redirects there); otherwise the body stores the record and
    calls ``submit.stored(url)``. Nothing stored (the form refused): the token is
    free again. An exception in the body rolls back the record and the claim."""
    key = _key(request)
    submit = Submit(key)
    with transaction.atomic():
        if key is not None:
            try:
                with transaction.atomic():  # a racing submit waits here for the first
                    FormSubmit.objects.create(key=key, user=request.user, url="")
            except IntegrityError:
                submit.earlier = (
                    FormSubmit.objects.filter(key=key).values_list("url", flat=True).first()
                ) or ""
        yield submit
        if key is not None and not submit.earlier:
            if submit.url:
                FormSubmit.objects.filter(key=key).update(url=submit.url)
            else:
                FormSubmit.objects.filter(key=key).delete()


def forget_old_submits(*, now: datetime.datetime | None = None) -> int:
    """Delete the claims older than ``KEEP_DAYS``; the number deleted."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=KEEP_DAYS)
    deleted, _ = FormSubmit.objects.filter(created_at__lt=cutoff).delete()
    return deleted
