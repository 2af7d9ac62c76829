"""Session lifetime: an idle timeout and an absolute lifetime.

On sign-in the session gets two clocks: when it started and when the user was
last active. ``SessionTimeoutMiddleware`` ends the session when either runs
out. Activity is written back at most once a minute
(``SESSION_ACTIVITY_RESOLUTION``) so ordinary pages cost no extra query.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

STARTED = "security_started_at"
ACTIVE = "security_active_at"


def now_ts() -> int:
    return int(timezone.now().timestamp())


def start_session_clock(sender=None, request=None, user=None, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[STARTED] = request.session[ACTIVE] = now_ts()


@dataclass(frozen=True)
class SessionClock:
    idle_ends_at: int
    absolute_ends_at: int

    @property
    def ends_at(self) -> int:
        return min(self.idle_ends_at, self.absolute_ends_at)


def clock_for(session) -> SessionClock | None:
    started, active = session.get(STARTED), session.get(ACTIVE)
    if started is None or active is None:
        return None
    return SessionClock(
        idle_ends_at=active + settings.SESSION_IDLE_TIMEOUT,
        absolute_ends_at=started + settings.SESSION_ABSOLUTE_LIFETIME,
    )


def expiry_reason(session, *, at: int) -> str | None:
    clock = clock_for(session)
    if clock is None:
        return None
    if at >= clock.absolute_ends_at:
        return "absolute lifetime"
    if at >= clock.idle_ends_at:
        return "idle timeout"
    return None


def touch(session, *, at: int, force: bool = False) -> None:
    """Note activity; written only when the last note is older than the resolution."""
    active = session.get(ACTIVE)
    if active is None:
        session[STARTED] = session.get(STARTED, at)
        session[ACTIVE] = at
    elif force or at - active >= settings.SESSION_ACTIVITY_RESOLUTION:
        session[ACTIVE] = at


def end_sessions_of(user) -> int:
    """Sign ``user`` out everywhere: delete their stored sessions (database
    sessions; decoded one by one, which a clinic's few hundred allow). Used by the
    lost-phone reset, so the lost phone's open session cannot enrol a new
    authenticator without the password."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    mine = [
        s.pk
        for s in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if s.get_decoded().get("_auth_user_id") == str(user.pk)
    ]
    Session.objects.filter(pk__in=mine).delete()
    return len(mine)
