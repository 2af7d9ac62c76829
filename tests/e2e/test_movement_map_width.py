"""The movement map fits its window: no sideways scroll on a laptop (1300 x 900) or
a landscape tablet (1180 x 820), with or without the previous map's column. At
1300 px it was up to 57 px too wide: each side's grades, direction of pull and note
stayed on one line."""

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, make_visit

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width,height", [(1300, 900), (1180, 820)])
def test_the_movement_map_has_no_sideways_scroll(page, injector, patient, width, height):
    visit = make_visit(patient=patient, injector=injector, screened=True)
    page.set_viewport_size({"width": width, "height": height})
    login(page, injector.email, PASSWORD)
    for query in ("", "?compare=previous"):
        page.goto(f"/planning/visits/{visit.pk}/map/{query}")
        expect(page.get_by_test_id("save-map")).to_be_visible()
        scroll, inner = page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
        assert scroll <= inner, f"{scroll - inner} px too wide at {width} px ({query or 'map'})"
        # The grade buttons keep their 44 px tap targets.
        sizes = page.locator(".mm-grade").evaluate_all(
            "els => els.map(e => [e.offsetWidth, e.offsetHeight])"
        )
        assert sizes and min(min(s) for s in sizes) >= 44
