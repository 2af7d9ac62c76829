"""A movement map cell's note is shown whole on the tablet (issue 17, finding 9e):
the note wraps inside its cell instead of running past a one-line field."""

import pytest

from planning.movement import CellInput, save_observations
from tests.factories import PASSWORD, make_visit

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = (
    "Pulls harder on the patient's left after the 2024 filler; patient reports a heavier "
    "brow by evening and wants the lateral tail kept mobile."
)


@pytest.mark.parametrize("width", [820, 1180])
def test_a_long_note_is_shown_whole(page, injector, patient, width):
    visit = make_visit(patient=patient, injector=injector, screened=True)
    save_observations(visit=visit, by=injector, cells=[CellInput("FROWN", "CORR", "L", 2, NOTE)])
    page.set_viewport_size({"width": width, "height": 820 if width > 820 else 1180})
    login(page, injector.email, PASSWORD)
    page.goto(f"/planning/visits/{visit.pk}/map/")
    note = page.locator('textarea[name="n:FROWN.CORR.L"]')
    assert note.input_value() == NOTE
    note.scroll_into_view_if_needed()
    size = note.evaluate(
        "n => ({sw: n.scrollWidth, cw: n.clientWidth, sh: n.scrollHeight, ch: n.clientHeight})"
    )
    cell = note.evaluate("n => n.closest('.mm-grades').clientWidth")
    # Nothing of the note is hidden: no horizontal overflow, and tall enough for it all;
    # on a line of its own, the width of its cell (whose grade buttons wrap to two rows
    # of 44 px buttons at tablet widths).
    assert size["sw"] <= size["cw"] + 1 and size["sh"] <= size["ch"] + 1, size
    assert size["cw"] >= 0.8 * cell and size["cw"] >= 3 * 44, (size, cell)
