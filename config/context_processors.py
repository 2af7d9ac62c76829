from django.conf import settings

from clinic.models import Location

from .navigation import menu_for


def site(request):
    """What the base layout shows on every page: the clinic's name, the menu, locations."""
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    location = request.location.get() if signed_in and hasattr(request, "location") else None
    return {
        "clinic_name": settings.CLINIC_NAME,
        "active_location": location,
        "menu": menu_for(user, request.path) if signed_in else [],
        # Lazy: queried only when the navigation is rendered.
        "locations": Location.objects.active() if signed_in else [],
    }
