"""Brow landmarks on the face diagram (issue 21): the brow's peak and tail per side,
small and labelled, drawn wherever the diagram is (plan, chart, injection-map PDF),
catching no tap."""

import base64
import re

import pytest

from charting.reports.diagram import face_svg
from planning.face import BROW_LANDMARKS, HEIGHT, WIDTH, regions_at, render_svg
from tests.factories import make_plan

pytestmark = pytest.mark.django_db


def test_a_peak_and_a_tail_per_side_the_patients_right_on_the_viewers_left():
    by = {(m.key, m.side): m for m in BROW_LANDMARKS}
    assert set(by) == {(k, s) for k in ("brow_peak", "brow_tail") for s in ("R", "L")}
    peak, tail = by["brow_peak", "R"], by["brow_tail", "R"]
    assert tail.x < peak.x < WIDTH / 2  # the tail lateral: further left on the viewer's left
    assert peak.y < tail.y  # the peak is the brow's highest point
    assert by["brow_peak", "L"].x == WIDTH - peak.x and by["brow_tail", "L"].y == tail.y


def test_the_marks_catch_no_tap_and_are_drawn_on_the_plan_and_the_pdf(
    injector_client, visit, injector
):
    svg = render_svg()
    group = re.search(r'<g class="face-landmarks"([^>]*)>(.*?)</g>\n', svg, re.S)
    assert group, "the landmarks group is drawn"
    assert 'pointer-events="none"' in group.group(1) and 'aria-hidden="true"' in group.group(1)
    for key in ("brow_peak-R", "brow_peak-L", "brow_tail-R", "brow_tail-L"):
        assert f'data-landmark="{key}"' in svg
    assert re.findall(r'font-size="5"[^>]*>(peak|tail)</text>', svg).count("peak") == 2
    # The printed diagram (the injection map and history PDFs) has them too.
    img = str(face_svg(points=[]))
    printed = base64.b64decode(img.split("base64,")[1].split('"')[0]).decode()
    assert 'data-landmark="brow_tail-R"' in printed and 'class="face-region ' not in printed
    # The plan page's diagram.
    plan = make_plan(visit=visit, by=injector)
    page = injector_client.get(plan.get_absolute_url()).content.decode()
    assert 'data-landmark="brow_peak-R"' in page


def test_the_static_file_is_the_diagram_with_its_landmarks():
    from django.contrib.staticfiles import finders

    with open(finders.find("img/face_front.svg"), encoding="utf-8") as f:
        assert 'data-landmark="brow_peak-L"' in f.read()


def test_no_mark_lies_on_a_frontalis_region_a_tap_there_is_the_regions():
    # The peak and tail sit on the brow, below the forehead's regions: a tap on them
    # reaches whatever region lies beneath (pointer-events none), never a landmark.
    for m in BROW_LANDMARKS:
        hits = {r.muscle for r in regions_at(m.x / WIDTH, m.y / HEIGHT)}
        assert not hits & {"FRONT", "FRONTL"}
