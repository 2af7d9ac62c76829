"""The PDFs' face diagram (charting.reports.diagram): an <img> of the diagram's
print variant, hostile text escaped inside it, the print stylesheet inside the
SVG, and none of the plan screen's tap targets."""

from __future__ import annotations

import base64
from decimal import Decimal
from html.parser import HTMLParser
from xml.etree import ElementTree

from django.contrib.staticfiles import finders

from charting.reports.diagram import face_svg
from planning.models import InjectionPoint, Muscle
from tests.hostile import ATTRIBUTE, SCRIPT, assert_shown_as_text

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE_CODE = f"{ATTRIBUTE}{SCRIPT}"


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def test_the_pdf_diagram_is_an_image_of_the_print_variant_with_hostile_text_escaped():
    muscle = Muscle(code=HOSTILE_CODE, name="Corrugator", paired=True)
    points = [
        InjectionPoint(muscle=muscle, side="L", x=Decimal("0.6"), y=Decimal("0.3"),
                       units=Decimal("4")),
        InjectionPoint(muscle=muscle, side="R", x=Decimal("0.4"), y=Decimal("0.3"),
                       units=Decimal("2.5")),
    ]  # fmt: skip
    img = face_svg(points=points, diagram_id=ATTRIBUTE)
    tags = Tags()
    tags.feed(img)
    ((tag, attrs),) = tags.found
    assert tag == "img" and attrs["class"] == "face" and attrs["alt"] == "Face diagram"
    head, data = attrs["src"].split(",", 1)
    assert head == "data:image/svg+xml;base64"
    svg = base64.b64decode(data).decode("utf-8")
    assert_shown_as_text(svg, HOSTILE_CODE)  # the points (planning/face_points.jinja)
    assert_shown_as_text(svg, ATTRIBUTE)  # the title's id (the Django template)
    root = ElementTree.fromstring(svg)  # noqa: S314 - our own markup: still well formed
    with open(finders.find("css/pdf-face.css"), encoding="utf-8") as css:
        assert root.find(f"{SVG}style").text == css.read()  # escaped, and read back whole
    classes = [element.get("class", "") for element in root.iter()]
    assert "face-regions" not in classes and "face-region" not in " ".join(classes)
    assert "face-region-label" not in classes and classes.count("face-side-label side-L") == 1
    dots = [e for e in root.iter(f"{SVG}g") if e.get("class", "").startswith("pt ")]
    assert [d.get("data-muscle") for d in dots] == [HOSTILE_CODE, HOSTILE_CODE]
