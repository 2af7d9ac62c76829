"""Sign-in lockout: per account and address, per account alone, with a back-off.

django-axes records each failed sign-in (user name, address, browser) and asks
this module two things:

- how many failures count (``LockoutHandler.get_failures``): an account locks when
  one address has failed ``AXES_FAILURE_LIMIT`` times for it, or when all
  addresses together have failed ``AXES_ACCOUNT_FAILURE_LIMIT`` times (so rotating
  addresses, or forging them, does not help);
- how long a lockout lasts (``cool_off``): ``AXES_COOLOFF_MINUTES`` for the
  first, doubled for every further ``AXES_FAILURE_LIMIT`` failures of the account,
  up to ``AXES_COOLOFF_MAX_HOURS``.

The settings are in config/settings.py ("Sign-in protection"); an admin unlocks an
account by deleting its access attempts (Django admin, or ``axes_reset_username``).
"""

from __future__ import annotations

import datetime

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def account_failures(username: str | None) -> int:
    """The account's failures on record, from every address (rows expire by themselves)."""
    if not username:
        return 0
    found = AccessAttempt.objects.filter(username=username).aggregate(n=Sum("failures_since_start"))
    return found["n"] or 0


def cool_off(request=None) -> datetime.timedelta:
    """How long a lockout lasts (AXES_COOLOFF_TIME): doubles with the account's failures."""
    username = get_client_username(request) if request is not None else None
    beyond = max(0, account_failures(username) - settings.AXES_FAILURE_LIMIT)
    doublings = min(beyond // settings.AXES_FAILURE_LIMIT, 16)
    return min(settings.AXES_COOLOFF_FIRST * 2**doublings, settings.AXES_COOLOFF_LONGEST)


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with the account's own limit (AXES_HANDLER).

    Axes compares one number with ``AXES_FAILURE_LIMIT``. With
    ``AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]`` it finds
    the pair's failures and the account's; the account's are scaled so that they
    reach the limit exactly when they reach ``AXES_ACCOUNT_FAILURE_LIMIT``."""

    def get_failures(self, request, credentials=None) -> int:
        pair, account = [
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        ]
        limit = settings.AXES_FAILURE_LIMIT
        return max(pair, account * limit // settings.AXES_ACCOUNT_FAILURE_LIMIT)

    def reset_user_attempts(self, request, credentials=None) -> int:
        """A sign-in that succeeds clears its own address's failures only: the
        account's failures from other addresses (someone else guessing) stay and
        expire by themselves."""
        pair = self.filter_user_attempts(request, credentials)[0]
        count, _ = pair.delete()
        return count
