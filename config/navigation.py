"""The site's navigation bar: each entry names the roles that see it. It names
pages of every floor, so it lives with the project, above them all."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from clinic.roles import Role


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    roles: frozenset[str]
    group: str = ""  # shown inside a drop-down of that name


MENU: list[MenuItem] = [
    # Daily work first, administration last (the bar fits a 1180 px tablet).
    MenuItem("Home", "home", frozenset(Role)),
    MenuItem("Patients", "patient_list", frozenset(Role)),
    MenuItem("Day", "schedule_day", frozenset(Role)),
    MenuItem("My day", "my_day", frozenset({Role.INJECTOR})),
    MenuItem("Reviews", "reviews_due", frozenset(Role)),
    MenuItem("Waitlist", "waitlist", frozenset({Role.FRONT_DESK, Role.ADMIN})),
    MenuItem("Lots", "charting:lot_list", frozenset({Role.INJECTOR, Role.ADMIN})),
    MenuItem("Lot recall", "charting:lot_recall", frozenset({Role.ADMIN}), "Admin"),
    MenuItem("Reports", "reports:job_list", frozenset({Role.INJECTOR, Role.ADMIN})),
    MenuItem("Outcomes", "reviews:outcomes", frozenset({Role.ADMIN}), "Admin"),
    # The front desk's figures: the desk's own work; the admin finds them under Admin.
    MenuItem("Figures", "front_desk_figures", frozenset({Role.FRONT_DESK})),
    MenuItem("Front-desk figures", "front_desk_figures", frozenset({Role.ADMIN}), "Admin"),
    MenuItem("Audit log", "audit:event_list", frozenset({Role.ADMIN}), "Admin"),
    MenuItem("Staff", "admin:clinic_user_changelist", frozenset({Role.ADMIN}), "Admin"),
    MenuItem("Admin site", "admin:index", frozenset({Role.ADMIN}), "Admin"),
]


def menu_for(user, current_path: str) -> list[dict]:
    items = []
    for item in MENU:
        if not user.has_role(*item.roles):
            continue
        url = reverse(item.url_name)
        active = current_path == url or (url != "/" and current_path.startswith(url))
        items.append({"label": item.label, "url": url, "active": active, "group": item.group})
    # Plain entries first, then the drop-downs, as the bar shows them.
    items.sort(key=lambda entry: bool(entry["group"]))
    return items
