from __future__ import annotations

from .models import Location

SESSION_KEY = "active_location_id"


class ActiveLocationMiddleware:
    """Sets ``request.location``: the location the user works at right now.

    Chosen in the navigation bar and kept in the session; falls back to the
    user's default location, then the first active one. Loaded lazily so pages
    that do not show it run no query for it. A page that lists the locations itself
    (the day view, the week view, the reviews-due filter) reads them first with
    ``request.location.active()``: the active location is then picked from that list,
    and the navigation bar shows it too, one query for the three.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.location = _LazyLocation(request)
        return self.get_response(request)


class _LazyLocation:
    def __init__(self, request):
        self._request = request
        self._loaded = False
        self._value = None
        self._active: list[Location] | None = None

    def get(self) -> Location | None:
        if not self._loaded:
            if self._active is not None:
                self._value = pick_location(self._request, self._active)
            else:
                self._value = resolve_location(self._request)
            self._loaded = True
        return self._value

    def active(self) -> list[Location]:
        """The active locations by name (query: once a request). Shared: not to be changed."""
        if self._active is None:
            self._active = list(Location.objects.active())
        return self._active

    def active_if_read(self) -> list[Location] | None:
        """The active locations when this request has read them (``active()``), else None."""
        return self._active


def resolve_location(request) -> Location | None:
    """The active location for a page that does not list the locations: the rule is
    ``pick_location``'s, over only the locations it may choose first (one query; a
    second, the first active one by name, only when neither is active)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    wanted = [pk for pk in (_pk(request.session.get(SESSION_KEY)), user.default_location_id) if pk]
    if wanted:
        chosen = pick_location(request, list(Location.objects.active().filter(pk__in=wanted)))
        if chosen is not None:
            return chosen
    return Location.objects.active().first()


def pick_location(request, active: list[Location]) -> Location | None:
    """The rule: the session's choice, else the user's default, else the first by name,
    among ``active`` (the active locations, or those of them it may choose first)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    by_pk = {location.pk: location for location in active}
    for wanted in (request.session.get(SESSION_KEY), user.default_location_id):
        if wanted and _pk(wanted) in by_pk:
            return by_pk[_pk(wanted)]
    return active[0] if active else None


def _pk(value) -> int | None:
    """A session's or column's id as the lookup ``pk=value`` reads it."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


HEALTHZ_PATH = "/healthz"


class HealthzMiddleware:
    """Answers ``/healthz`` before any middleware reads the session or the user.

    With the database down, a request carrying a session cookie would fail in
    the session, user or audit middleware (a 500) before the view could say
    503; a probe needs neither, so it is answered here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == HEALTHZ_PATH:
            from django.urls import resolve

            return resolve(HEALTHZ_PATH).func(request)
        return self.get_response(request)


class NoStoreMiddleware:
    """No page or file the app itself serves is kept by a browser or a proxy:
    patient data is on most of them (photos, PDFs, exports, charts, the book).
    Static files are served before this (whitenoise) and keep their own caching."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "private, no-store"
        return response
