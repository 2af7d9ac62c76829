from __future__ import annotations

from .models import Location

SESSION_KEY = "active_location_id"


class ActiveLocationMiddleware:
    """Sets ``request.location``: the location the user works at right now.

    Chosen in the navigation bar and kept in the session; falls back to the
    user's default location, then the first active one. Loaded lazily so pages
    that do not show it run no query for it.
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

    def get(self) -> Location | None:
        if not self._loaded:
            self._value = resolve_location(self._request)
            self._loaded = True
        return self._value


def resolve_location(request) -> Location | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    locations = Location.objects.active()
    chosen = request.session.get(SESSION_KEY)
    if chosen:
        location = locations.filter(pk=chosen).first()
        if location:
            return location
    if user.default_location_id:
        location = locations.filter(pk=user.default_location_id).first()
        if location:
            return location
    return locations.first()


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
