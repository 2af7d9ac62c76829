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

import dataclasses
import datetime
from contextlib import contextmanager
from decimal import Decimal
from functools import lru_cache

from django.template import Context, engines
from django.utils.safestring import SafeString
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


# --- Kept parts of a Django template page (issue 22, fourteenth session) -------------

# Parts per process: a read-only plan's drawn body is 40-50 KB (its diagram's drawing
# included), so these have a bound of their own, smaller than the fragments'.
KEPT_PARTS = 256

# The leaf values a kept part's key may hold (and tuples of them, named or not): values
# that are equal only when they are drawn the same. A model row is not one of them (it
# equals any row of its table with the same primary key, whatever it now holds).
PLAIN = (str, int, float, Decimal, datetime.date, type(None))


class PartMissing(Exception):
    """A kept part read a name or an attribute that its key does not hold. Not a
    ``KeyError`` or ``AttributeError``, which the template language turns into a blank:
    a kept part that reads anything else fails loudly, in the tests first."""


class Shown:
    """Base of the plain stand-ins a page hands a kept part in place of its model rows
    (a ``NamedTuple`` subclassed with ``__slots__ = ()``): the same markup reads the
    same attribute names from either, and an attribute the stand-in does not hold is
    ``PartMissing``, not a blank."""

    __slots__ = ()

    def __getattr__(self, name: str):
        if name.startswith("__"):  # probes (copy, pickle): not the markup's reads
            raise AttributeError(name)
        raise PartMissing(f"{type(self).__name__} holds no {name!r}")


class _PartContext(Context):
    """A kept part's context: the values of its key and nothing else."""

    def __getitem__(self, key):
        for values in reversed(self.dicts):
            if key in values:
                return values[key]
        raise PartMissing(f"a kept part read {key!r}, which its key does not hold")


def plain(value) -> bool:
    """Whether ``value`` is a plain value (``PLAIN``), or a tuple or a frozen dataclass
    of plain values (equal when their values are)."""
    if isinstance(value, tuple):
        return all(map(plain, value))
    if dataclasses.is_dataclass(value) and value.__dataclass_params__.frozen:
        return all(plain(getattr(value, f.name)) for f in dataclasses.fields(value))
    return isinstance(value, PLAIN)


def draw_part(nodelist, template, items: tuple) -> SafeString:
    """``nodelist`` (a ``{% kept %}`` block of ``template``) drawn from ``items`` alone."""
    for name, value in items:
        if not plain(value):
            raise TypeError(f"a kept part's {name!r} is not plain: {type(value).__name__}")
    context = _PartContext(dict(items))
    # as Template.render does: the template drawn is known to the render (DEBUG's
    # annotation of an error names it) and to the includes (their engine)
    with context.render_context.push_state(template), context.bind_template(template):
        return nodelist.render(context)


@lru_cache(maxsize=KEPT_PARTS)
def kept_part(node, template, items: tuple, where: tuple = ()) -> SafeString:
    """``node``'s block (``{% kept %}``) drawn once per process per distinct ``items``
    and ``where`` (the language and the script prefix: how numbers and links are
    written), then as kept. ``node`` is one place in one compiled template: a changed
    template (development's reload) is another node, so nothing kept outlives it."""
    return draw_part(node.nodelist, template, items)


class _Keeping:
    """Whether kept parts are kept (``{% kept %}``): on, except for a caller that
    compares them with the page drawn from its rows (``drawn_from_rows``)."""

    on = True


keeping = _Keeping()


@contextmanager
def drawn_from_rows():
    """Within: every ``{% kept %}`` block drawn from its page's context (its rows), as
    a page that can change is drawn: what a kept part must equal."""
    keeping.on = False
    try:
        yield
    finally:
        keeping.on = True
