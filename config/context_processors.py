from django.conf import settings

from clinic.models import Location

from .navigation import menu_for


def site(request):
    """What the base layout shows on every page: the clinic's name, the menu, locations."""
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    lazy = getattr(request, "location", None) if signed_in else None
    if lazy is not None:
        # One query for both: the active location is picked from the active ones.
        location, locations = lazy.get(), lazy.active()
    else:
        # Lazy: queried only when the navigation is rendered.
        location, locations = None, Location.objects.active() if signed_in else []
    return {
        "clinic_name": settings.CLINIC_NAME,
        "active_location": location,
        "menu": menu_for(user, request.path) if signed_in else [],
        "locations": locations,
    }
