"""The one way Python code makes HTML: a fragment template, autoescaped.

Pages are Django templates. The parts drawn hundreds of times a page (the day
grid's slots and bookings, the movement map's cells, the face diagram's points,
table rows) are Jinja2 templates under ``templates/fragments/`` (the
"fragments" engine in settings): compiled once and kept by the engine, every
value escaped as it is written. A view or template tag hands a fragment plain
data and places what comes back; the fragment loops itself, one render per
column or set of rows, not one per cell.

Markup that is a function of its inputs alone is drawn once per process and kept
(``kept``, ``render_kept``; issue 22): the movement map's rows without a note, a
read-only plan's point rows, diagram points and totals, the dose checks' items and
the patient's other plans (their values from the dose rules and the records, never
typed text). The inputs are the key, and the fragment is handed only those inputs
(plain hashable values: strings, numbers, decimals, tuples of them), so it cannot
draw from anything the key does not hold; a changed template (development's reload)
is another template or macro, so nothing kept outlives it.

Any app may use this module (clinic is the bottom floor).
"""

from __future__ import annotations

from functools import lru_cache

from django.template import engines
from markupsafe import Markup

# Entries kept per process: the bench's reference data makes about 60 movement-map
# rows with up to 25 pairs of grades each, a plan three entries (its points' rows and
# dots, its totals); a bound for a process's life (an entry is 1-15 KB of markup).
KEPT = 4096


def render_fragment(name: str, /, **context) -> Markup:
    """``templates/fragments/<name>`` rendered with ``context``.

    The result is the engine's own markup type (``Markup``: what Jinja2 gives a
    rendered template, recognised by Django's templates and ``format_html`` through
    its ``__html__``), so a page places it as is and nothing here declares a
    string safe by hand: the template escaped each value it wrote."""
    template = engines["fragments"].env.get_template(name)
    return template.make_module(context).__html__()


def render_kept(name: str, /, **context) -> Markup:
    """``render_fragment`` kept (``kept``): every value of ``context`` is plain and
    hashable, and it is all the fragment reads (an undefined name is an error there)."""
    template = engines["fragments"].env.get_template(name)
    return kept(_render, template, tuple(sorted(context.items())))


def _render(template, items: tuple) -> Markup:
    return template.make_module(dict(items)).__html__()


@lru_cache(maxsize=KEPT)
def kept(draw, *args) -> Markup:
    """``draw(*args)`` once per process per distinct ``args``, then as kept: for markup
    that is a function of ``args`` alone (a fragment's macro or template handed the
    plain values that are its key; no patient text: notes and errors are drawn on
    every read)."""
    return draw(*args)
