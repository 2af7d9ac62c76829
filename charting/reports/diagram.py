"""The plan screen's face diagram (issue 5's SVG template), ready for a PDF.

WeasyPrint draws SVG with the SVG's own styles only, so the print styles of the
diagram (static/css/pdf-face.css, ours) go inside the SVG as a ``<style>``
element. The points' data passes through the template's autoescaping.

The SVG reaches the report as an ``<img>`` with a ``data:`` URL, not inline:
inline, every element of every diagram joined the document's style cascade and
each diagram's ``<style>`` became a stylesheet of the whole report (40 of them in
a 40-session history); as an image it is parsed by WeasyPrint's SVG renderer
alone. Same drawing, same size (``.diagram img`` in pdf.css); the history
renders about a tenth faster.
"""

from __future__ import annotations

import base64
import re
from functools import cache

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

FACE_DIAGRAM = "planning/_face_diagram.html"
STYLES = "css/pdf-face.css"
REGIONS = re.compile(r'<g class="face-regions">.*?</g>', re.S)
LABELS = re.compile(r'<text class="face-region-label"[^>]*>.*?</text>', re.S)


@cache
def _styles() -> str:
    with open(finders.find(STYLES), encoding="utf-8") as css:
        return css.read()


def face_svg(*, points, diagram_id: str | int = "pdf") -> SafeString:
    """The diagram with ``points`` (objects with .x .y .units .side .muscle.code)."""
    svg = render_to_string(FACE_DIAGRAM, {"points": points, "diagram_id": diagram_id})
    # The tap targets of the plan screen (muscle regions and their labels) are not
    # printed: they are for the editor, and WeasyPrint's SVG would fill them solid.
    svg = REGIONS.sub("", svg)
    svg = LABELS.sub("", svg)
    head_end = svg.index(">", svg.index("<svg")) + 1
    svg = svg[:head_end] + f"<style>{_styles()}</style>" + svg[head_end:]
    src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    # Base64 of our own markup (no quote can end the attribute): safe to place as is.
    return mark_safe(f'<img class="face" alt="Face diagram" src="{src}">')  # noqa: S308  # nosec B308 B703
