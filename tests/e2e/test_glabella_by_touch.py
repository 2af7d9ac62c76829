"""A 5-point glabella placed by hand with touch taps (issue 17, finding 7), on a
tablet in landscape (1180 × 820) and in portrait (820 × 1180).

The standard pattern (REFERENCE.md: BOTOX Cosmetic glabellar lines, 5 sites × 4 U:
2 per corrugator, 1 procerus), tapped on the zoomed glabella where an injector
would: each tap makes one point, in the muscle and on the side it is drawn on; the
point editor opens beside or below the diagram, never over the glabella; the saved
plan on the server holds the five points.

Doors: the plan editor's face diagram (static/js/face_diagram.js with face_zoom.js),
its point editor, and the plan's saving (planning.plans, checked on the server).
"""

import pytest
from playwright.sync_api import expect

from planning.face import REGIONS
from planning.models import TreatmentPlan
from planning.units import format_units
from tests.factories import PASSWORD

from .conftest import login
from .test_plan_diagram import new_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Where the sites are, in the diagram's units (400 × 520): the procerus between the
# brows, each corrugator medially (above the inner canthus) and in its middle third.
GLABELLA = [
    ("PROC", "C", (200, 168)),
    ("CORR", "R", (181, 159)),
    ("CORR", "R", (152, 154)),
    ("CORR", "L", (219, 159)),
    ("CORR", "L", (248, 154)),
]

# A finger lands about 2 mm (10 CSS px on a tablet) off where it aims: each tap here
# lands that far off, towards the midline (the procerus' towards the patient's left),
# where the neighbouring region or point is. Zoomed, 10 px is a fraction of a region.
FINGER_PX = 10

TO_SCREEN = """([x, y]) => {
  const svg = document.querySelector("[data-face-editor]");
  const p = new DOMPoint(x, y).matrixTransform(svg.getScreenCTM());
  return [p.x, p.y];
}"""


def on_screen(page, at):
    return page.evaluate(TO_SCREEN, list(at))


def finger(page, at):
    x, y = on_screen(page, at)
    return x + (FINGER_PX if at[0] <= 200 else -FINGER_PX), y


def stored(plan):
    return sorted(
        (p.muscle.code, p.side, format_units(p.units))
        for p in TreatmentPlan.objects.get(pk=plan.pk).points.select_related("muscle")
    )


@pytest.mark.parametrize(
    "viewport", [{"width": 1180, "height": 820}, {"width": 820, "height": 1180}], ids=str
)
def test_a_five_point_glabella_by_hand(page, injector, patient, viewport):
    page.set_viewport_size(viewport)
    plan = new_plan(injector, patient)
    login(page, injector.email, PASSWORD)
    page.goto(f"/planning/plans/{plan.pk}/")

    # Every region carries its code, the small ones too; none of them catches a tap.
    labels = set(page.locator(".face-region-label").all_text_contents())
    assert {r.muscle for r in REGIONS} <= labels
    assert {"CORR", "PROC", "DSUP", "NAS", "LLSAN", "DLI", "DSN"} <= labels

    page.get_by_role("button", name="Glabella").tap()
    svg = page.locator("[data-face-editor]")
    svg.scroll_into_view_if_needed()
    points = page.locator(".face-points .pt")
    for n, (muscle, side, at) in enumerate(GLABELLA, start=1):
        page.touchscreen.tap(*finger(page, at))
        assert points.count() == n, f"tap {n} ({muscle} {side}) made {points.count()} points"
        last = points.nth(n - 1)
        assert (last.get_attribute("data-muscle"), last.get_attribute("data-side")) == (
            muscle,
            side,
        )

    # Tapping a point opens its editor beside (landscape) or below (portrait) the
    # diagram: none of the five sites lies under it.
    page.touchscreen.tap(*finger(page, GLABELLA[0][2]))
    editor = page.locator("[data-point-editor]")
    expect(editor).to_be_visible()
    box = editor.bounding_box()
    for _, _, at in GLABELLA:
        x, y = on_screen(page, at)
        inside = (
            box["x"] <= x <= box["x"] + box["width"] and box["y"] <= y <= box["y"] + box["height"]
        )
        assert not inside, f"the point editor covers the site at {at}"
    editor.get_by_role("button", name="Done").tap()

    with page.expect_navigation():
        page.get_by_test_id("save-plan").tap()
    expect(page.locator(".alert-success")).to_contain_text("Plan saved", use_inner_text=True)
    assert stored(plan) == [
        ("CORR", "L", "4"),
        ("CORR", "L", "4"),
        ("CORR", "R", "4"),
        ("CORR", "R", "4"),
        ("PROC", "C", "4"),
    ]
