"""The injector's private iCal address and the feed behind it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from ..access import role_required
from ..ical import build_feed
from ..models.appointments import CalendarFeed, new_feed_token
from ..roles import Role


@role_required(Role.INJECTOR)
def calendar_feed_settings(request):
    feed, _ = CalendarFeed.objects.get_or_create(injector=request.user)
    url = request.build_absolute_uri(feed.get_absolute_url())
    return render(request, "clinic/calendar_feed.html", {"feed": feed, "feed_url": url})


@role_required(Role.INJECTOR)
@require_POST
def calendar_feed_rotate(request):
    feed, _ = CalendarFeed.objects.get_or_create(injector=request.user)
    feed.token, feed.rotated_at = new_feed_token(), timezone.now()
    feed.save(update_fields=["token", "rotated_at"])
    messages.success(request, "New calendar address made. The old one no longer works.")
    return redirect("calendar_feed_settings")


@login_not_required
@never_cache
@require_GET
def calendar_feed(request, token: str):
    """Public by design: the secret token is the key. Wrong token: 404."""
    feed = (
        CalendarFeed.objects.select_related("injector")
        .filter(token=token, injector__is_active=True)
        .first()
    )
    if feed is None or Role.INJECTOR not in feed.injector.roles:
        raise Http404("No such calendar.")
    body = build_feed(injector=feed.injector, host=request.get_host().split(":")[0])
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="appointments.ics"'
    return response
