"""Direction of pull (issue 21): a few cells of the movement map record which way the
muscle pulls (planning.pull), shown wherever the map is summarised."""

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string

from charting.reports.patient_history import _map_rows
from planning.models import Expression, MovementMap, Muscle, Observation
from planning.movement import CellInput, save_observations
from planning.pull import DIRECTIONS, Direction, direction_refusal
from tests.factories import make_plan

pytestmark = pytest.mark.django_db


def map_url(visit):
    return f"/planning/visits/{visit.pk}/map/"


def stored(visit):
    return {
        f"{o.expression.code}.{o.muscle.code}.{o.side}": (o.grade, o.direction)
        for o in Observation.objects.filter(movement_map__visit=visit).select_related(
            "expression", "muscle"
        )
    }


def test_the_cells_that_take_a_direction_are_defined_once_and_exist():
    examined = {
        (e.code, m.code)
        for e in Expression.objects.prefetch_related("muscles")
        for m in e.muscles.all()
    }
    assert set(DIRECTIONS) <= examined
    assert DIRECTIONS["BROWS", "FRONTL"] == (Direction.TAIL_UP, Direction.FLAT)
    assert DIRECTIONS["REST", "DAO"] == DIRECTIONS["GRIMACE", "DAO"]


def test_the_page_shows_a_select_only_where_direction_applies(injector_client, visit):
    page = injector_client.get(map_url(visit)).content.decode()
    for key in ("BROWS.FRONTL.R", "BROWS.FRONTL.L", "REST.DAO.R", "GRIMACE.DAO.L"):
        assert f'name="d:{key}"' in page
    assert page.count('name="d:') == 6  # three cell pairs, nowhere else
    assert 'name="d:BROWS.FRONT.R"' not in page
    assert '<option value="tail_up"' in page and "Tail spikes up" in page


def test_a_direction_is_saved_shown_again_and_summarised(injector_client, visit):
    posted = {
        "g:BROWS.FRONTL.R": "3",
        "d:BROWS.FRONTL.R": "tail_up",
        "g:BROWS.FRONTL.L": "2",
        "d:BROWS.FRONTL.L": "flat",
        "g:GRIMACE.DAO.R": "2",
        "d:GRIMACE.DAO.R": "corner_down",
    }
    assert injector_client.post(map_url(visit), posted).status_code == 302
    assert stored(visit) == {
        "BROWS.FRONTL.R": (3, "tail_up"),
        "BROWS.FRONTL.L": (2, "flat"),
        "GRIMACE.DAO.R": (2, "corner_down"),
    }
    page = injector_client.get(map_url(visit)).content.decode()
    assert '<option value="tail_up" selected>' in page
    summary = page.split('data-testid="direction-summary"')[1].split("</ul>")[0]
    assert "Frontalis (lateral), raise brows: Patient&#x27;s R tail spikes up · " in summary
    assert "Patient&#x27;s L flat" in summary
    assert "Depressor anguli oris, grimace: Patient&#x27;s R corner pulls down" in summary


def test_a_direction_where_it_does_not_apply_is_refused_at_every_door(
    injector_client, visit, injector
):
    """Doors of planning.pull.direction_refusal:
    - the movement-map page (planning.movement.check_cells): a clear message on the
      page, status 400, nothing saved;
    - a second tab or a double submit: the same page, so the same refusal; a valid
      post sent twice saves once;
    - save_observations called directly (the demo, any caller): refused, all or nothing;
    - Observation.full_clean: the Django admin's door (Observation is not registered
      in the admin today; a registration would call full_clean) and any other form.
    """
    bad = {"g:FROWN.CORR.R": "2", "d:FROWN.CORR.R": "tail_up"}
    response = injector_client.post(map_url(visit), bad)
    assert response.status_code == 400
    page = response.content.decode()
    assert "A direction of pull is recorded only for the lateral frontalis" in page
    assert "not for Corrugator supercilii in Frown." in page
    assert stored(visit) == {}

    wrong_choice = {"g:REST.DAO.L": "1", "d:REST.DAO.L": "tail_up"}
    response = injector_client.post(map_url(visit), wrong_choice)
    assert response.status_code == 400
    assert "choose the direction “Corner pulls down” or “Neutral”" in response.content.decode()

    ungraded = {"g:BROWS.FRONTL.R": "", "d:BROWS.FRONTL.R": "tail_up"}
    response = injector_client.post(map_url(visit), ungraded)
    assert response.status_code == 400
    assert "Grade this cell before recording its direction." in response.content.decode()
    assert stored(visit) == {}

    good = {"g:BROWS.FRONTL.R": "3", "d:BROWS.FRONTL.R": "tail_up"}
    for _ in range(2):  # double submit
        assert injector_client.post(map_url(visit), good).status_code == 302
    assert stored(visit) == {"BROWS.FRONTL.R": (3, "tail_up")}

    with pytest.raises(ValidationError) as refused:
        save_observations(
            visit=visit, by=injector, cells=[CellInput("FROWN", "CORR", "L", 2, "", "flat")]
        )
    assert "not for Corrugator supercilii in Frown" in " ".join(refused.value.messages)

    assert Observation not in admin.site._registry
    observation = Observation(
        movement_map=MovementMap.objects.get(visit=visit),
        expression=Expression.objects.get(code="FROWN"),
        muscle=Muscle.objects.get(code="CORR"),
        side="L",
        grade=2,
        direction=Direction.FLAT,
    )
    with pytest.raises(ValidationError) as refused:
        observation.full_clean()
    assert "direction" in refused.value.message_dict


def test_the_rule_allows_no_direction_anywhere():
    assert (
        direction_refusal(expression_code="FROWN", muscle_code="CORR", direction="", graded=True)
        is None
    )
    assert (
        direction_refusal(
            expression_code="BROWS", muscle_code="FRONTL", direction="tail_up", graded=True
        )
        is None
    )


def test_the_plan_and_the_pdf_map_say_the_directions(injector_client, visit, injector):
    save_observations(
        visit=visit,
        by=injector,
        cells=[
            CellInput("BROWS", "FRONTL", "R", 3, "", "tail_up"),
            CellInput("BROWS", "FRONTL", "L", 1, "", "flat"),
        ],
    )
    plan = make_plan(visit=visit, by=injector)
    page = injector_client.get(plan.get_absolute_url()).content.decode()
    directions = page.split('data-testid="plan-directions"')[1].split("</ul>")[0]
    assert "Frontalis (lateral), raise brows: Patient&#x27;s R tail spikes up" in directions

    expressions = list(Expression.objects.all())
    rows = _map_rows(list(Observation.objects.all()), expressions, list(Muscle.objects.all()))
    (row,) = rows
    assert row.directions == ["Raise brows: Patient's R tail spikes up · Patient's L flat"]
    html = render_to_string("pdf/_movement_map.html", {"rows": rows, "expressions": expressions})
    assert "Pull · Raise brows: Patient&#x27;s R tail spikes up · Patient&#x27;s L flat" in html
