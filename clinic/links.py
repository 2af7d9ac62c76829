"""Links for pages that list many rows: each URL pattern is reversed once, then
each row's id goes in its place. ``reverse()`` per row was a good part of the
day view's and the reviews-due list's time (docs/benchmarks.md)."""

from __future__ import annotations

from django.urls import get_script_prefix, reverse

PLACEHOLDER = 7_700_000_000_007  # an id no row has, replaced in the reversed URL


class Links:
    def __init__(self):
        self._patterns: dict[str, tuple[str, str]] = {}

    def __call__(self, name: str, pk: int) -> str:
        """``reverse(name, args=[pk])``."""
        if name not in self._patterns:
            before, after = reverse(name, args=[PLACEHOLDER]).split(str(PLACEHOLDER))
            self._patterns[name] = (before, after)
        before, after = self._patterns[name]
        return f"{before}{int(pk)}{after}"


_KEPT: dict[str, Links] = {}  # per script prefix


def kept_links() -> Links:
    """``Links`` kept for the life of the process, one per script prefix (what
    ``reverse`` writes before every URL): each pattern reversed once per process."""
    prefix = get_script_prefix()
    links = _KEPT.get(prefix)
    if links is None:
        links = _KEPT[prefix] = Links()
    return links
