"""The plan screen's face diagram (issue 5's SVG template), ready for a PDF.

WeasyPrint draws SVG with the SVG's own styles only, so the template's print
variant (``print_styles``) places the diagram's print stylesheet
(static/css/pdf-face.css, ours) inside the SVG as a ``<style>`` element, and
leaves out the plan screen's tap targets (the muscle regions and their labels),
which WeasyPrint's SVG would fill solid. Every value passes through the
template's autoescaping (in the SVG's XML, the stylesheet's quotes become
entities and read back as quotes).

The SVG reaches the report as an ``<img>`` with a ``data:`` URL, not inline:
inline, every element of every diagram joined the document's style cascade and
each diagram's ``<style>`` became a stylesheet of the whole report (40 of them in
a 40-treatment history); as an image it is parsed by WeasyPrint's SVG renderer
alone. Same drawing, same size (``.diagram img`` in pdf.css); the history
renders about a tenth faster.
"""

from __future__ import annotations

import base64
from functools import cache

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString

FACE_DIAGRAM = "planning/_face_diagram.html"
STYLES = "css/pdf-face.css"


@cache
def _styles() -> str:
    with open(finders.find(STYLES), encoding="utf-8") as css:
        return css.read()


def face_svg(
    *, points, diagram_id: str | int = "pdf", numbered: bool = False, kept=()
) -> SafeString:
    """The diagram with ``points`` (objects with .x .y .units .side .muscle.code), as
    an ``<img>`` of its print variant; ``numbered``: each dot shows its number in
    ``points``, the row of the table printed beside it; ``kept``: the plan's PlanKeep
    rows (with their muscles), hatched as on the plan page (planning.keeps)."""
    context = {
        "points": points,
        "kept": kept,
        "diagram_id": diagram_id,
        "print_styles": _styles(),
        "numbered": numbered,
    }
    svg = render_to_string(FACE_DIAGRAM, context)
    src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return format_html('<img class="face" alt="Face diagram" src="{}">', src)
