"""Python's cyclic garbage collector in a web process (issue 22).

A page's objects (a plan with its forty points, each point pointing back at its
plan; the request and its lazy attributes) are freed by the collector, not at once,
so a web process runs it about once a page. Each run walks the young objects, and
every so often one walks the whole heap: the code, settings, URL patterns and
reference data loaded at start, which never become garbage, walked again and again
(on a long-lived worker, a pause of tens of milliseconds in some request).

``settle`` is called once the application is loaded (``config.wsgi``): every view
module is imported (the URL patterns import them), then what the process holds is
frozen out of the collector's way (``gc.freeze``: never walked, never freed), and
the first generation collected after 5,000 new objects instead of 700, so most
pages' objects are gone before a collection starts and a page pays for about one
collection in seven. Garbage is still collected: only when, not whether.
"""

from __future__ import annotations

import gc

# New container objects before the youngest generation is collected; then every
# 20th collection of one generation collects the next (Python's defaults: 700, 10, 10).
THRESHOLDS = (5000, 20, 20)


def settle() -> None:
    """Load the views, freeze what is loaded, collect less often."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every URLconf and its views
    gc.collect()  # what start-up left behind goes now, not frozen
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
