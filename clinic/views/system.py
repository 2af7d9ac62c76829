from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from ..access import id_from, role_required
from ..middleware import SESSION_KEY
from ..models import Location
from ..roles import Role


@role_required(*Role.values)
def home(request):
    return render(request, "clinic/home.html")


@require_POST
@role_required(*Role.values)
def switch_location(request):
    location = Location.objects.active().filter(pk=id_from(request.POST.get("location"))).first()
    if location is None:
        messages.error(request, "Choose one of the clinic's active locations.")
    else:
        request.session[SESSION_KEY] = location.pk
        messages.info(request, f"You are now working at {location.name}.")
    target = request.POST.get("next", "")
    # Only a path of this site; anything else (even a bare word, which redirect()
    # would try as a view name) goes home.
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        target = "home"
    return redirect(target)


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """The state of the database and (when configured) Redis. No patient data."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as exc:  # any failure of the database is "down"
        checks["database"] = f"error: {type(exc).__name__}"
    if settings.REDIS_URL:
        checks["redis"] = _redis_state(settings.REDIS_URL)
    else:
        checks["redis"] = "not configured"
    healthy = all(v in ("ok", "not configured") for v in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks},
        status=200 if healthy else 503,
    )


def _redis_state(url: str) -> str:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
        return "ok"
    except redis.RedisError as exc:
        return f"error: {type(exc).__name__}"


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)
