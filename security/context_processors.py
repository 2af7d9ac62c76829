from django.conf import settings

from .sessions import clock_for, now_ts


def session_clock(request):
    """When the signed-in session ends, for the warning on every page."""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if user is None or session is None or not user.is_authenticated:
        return {}
    clock = clock_for(session)
    if clock is None:
        return {}
    return {
        "session_clock": {
            "now": now_ts(),
            "ends_at": clock.ends_at,
            "absolute_ends_at": clock.absolute_ends_at,
            "warning": settings.SESSION_IDLE_WARNING,
        }
    }
