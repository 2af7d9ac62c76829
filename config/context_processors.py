from django.conf import settings

from clinic.models import Location

from .navigation import menu_for


def site(request):
    """What the base layout shows on every page: the clinic's name, the menu, locations."""
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    lazy = getattr(request, "location", None) if signed_in else None
    location = lazy.get() if lazy is not None else None
    # The list the page read already (the day view's), else lazy: queried only when
    # the navigation is rendered.
    read = lazy.active_if_read() if lazy is not None else None
    return {
        "clinic_name": settings.CLINIC_NAME,
        "active_location": location,
        "menu": menu_for(user, request.path) if signed_in else [],
        "locations": read if read is not None else Location.objects.active() if signed_in else [],
    }
