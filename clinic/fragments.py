"""The one way Python code makes HTML: a fragment template, autoescaped.

Pages are Django templates. The parts drawn hundreds of times a page (the day
grid's slots and bookings, the movement map's cells, the face diagram's points,
table rows) are Jinja2 templates under ``templates/fragments/`` (the
"fragments" engine in settings): compiled once and kept by the engine, every
value escaped as it is written. A view or template tag hands a fragment plain
data and places what comes back; the fragment loops itself, one render per
column or set of rows, not one per cell.

Any app may use this module (clinic is the bottom floor).
"""

from __future__ import annotations

from django.template import engines
from markupsafe import Markup


def render_fragment(name: str, /, **context) -> Markup:
    """``templates/fragments/<name>`` rendered with ``context``.

    The result is the engine's own markup type (``Markup``: what Jinja2 gives a
    rendered template, recognised by Django's templates and ``format_html`` through
    its ``__html__``), so a page places it as is and nothing here declares a
    string safe by hand: the template escaped each value it wrote."""
    template = engines["fragments"].env.get_template(name)
    return template.make_module(context).__html__()
