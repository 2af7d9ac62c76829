"""The movement map: saving and editing cells, bad cells, asymmetry, compare, queries."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from planning.models import Expression, MovementMap, Muscle, Observation
from planning.movement import (
    CellInput,
    baseline_observations,
    build_grid,
    expressions_with_muscles,
    save_observations,
    strongest_grades,
    summarize,
)
from tests.factories import grade, make_photo, make_visit
from tests.queries import audit_event, joined_read

pytestmark = pytest.mark.django_db


def map_url(visit, **query):
    url = reverse("planning:movement_map", args=[visit.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def cells_of(visit):
    return {
        f"{o.expression.code}.{o.muscle.code}.{o.side}": (o.grade, o.note)
        for o in Observation.objects.filter(movement_map__visit=visit).select_related(
            "expression", "muscle"
        )
    }


def test_saving_the_grid_stores_one_row_per_graded_cell(injector_client, visit):
    response = injector_client.post(
        map_url(visit),
        {
            "g:FROWN.CORR.L": "3",
            "g:FROWN.CORR.R": "2",
            "n:FROWN.CORR.R": "weaker tail",
            "g:FROWN.PROC.C": "2",
            "g:SQUINT.OOC.L": "",  # not graded
            "notes": "Strong frown.",
        },
    )
    assert response.status_code == 302
    assert cells_of(visit) == {
        "FROWN.CORR.L": (3, ""),
        "FROWN.CORR.R": (2, "weaker tail"),
        "FROWN.PROC.C": (2, ""),
    }
    assert MovementMap.objects.get(visit=visit).notes == "Strong frown."


def test_editing_changes_and_clears_cells(injector_client, visit, injector):
    grade(visit, injector, {"FROWN.CORR.L": 3, "FROWN.CORR.R": 2, "BROWS.FRONT.L": 1})
    response = injector_client.post(
        map_url(visit),
        {"g:FROWN.CORR.L": "1", "g:FROWN.CORR.R": "2", "g:BROWS.FRONT.L": ""},
    )
    assert response.status_code == 302
    assert cells_of(visit) == {"FROWN.CORR.L": (1, ""), "FROWN.CORR.R": (2, "")}


def test_the_page_shows_stored_grades(injector_client, visit, injector):
    grade(visit, injector, {"FROWN.CORR.L": 3})
    html = injector_client.get(map_url(visit)).content.decode()
    assert 'id="g-FROWN.CORR.L-3" value="3" checked' in html
    assert 'id="g-FROWN.CORR.R-x" value="" checked' in html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("g:FROWN.CORR.L", "7", "Choose a grade from 0 to 3."),
        ("g:FROWN.CORR.L", "-1", "Choose a grade from 0 to 3."),
        ("g:FROWN.PROC.L", "2", "The procerus is charted midline only."),
        ("g:FROWN.MASS.L", "2", "Frown does not examine the masseter."),
        ("g:FROWN.XYZ.L", "2", "Unknown muscle"),
    ],
)
def test_bad_cells_are_refused_with_a_message_and_nothing_entered_is_lost(
    injector_client, visit, field, value, message
):
    response = injector_client.post(
        map_url(visit), {"g:SQUINT.OOC.L": "2", "g:SQUINT.OOC.R": "1", field: value}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    # What was entered is still there, and nothing was saved.
    assert 'id="g-SQUINT.OOC.L-2" value="2" checked' in html
    assert 'id="g-SQUINT.OOC.R-1" value="1" checked' in html
    assert not Observation.objects.exists()


def test_a_note_needs_a_grade(injector_client, visit):
    response = injector_client.post(
        map_url(visit), {"g:FROWN.CORR.L": "", "n:FROWN.CORR.L": "twitch"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Grade this cell before adding a note." in html
    assert ">twitch</textarea>" in html  # the note kept, in its textarea


def test_save_observations_is_all_or_nothing(visit, injector):
    with pytest.raises(ValidationError) as caught:
        save_observations(
            visit=visit,
            by=injector,
            cells=[
                CellInput("FROWN", "CORR", "L", 2),
                CellInput("FROWN", "CORR", "C", 2),
            ],
        )
    assert "FROWN.CORR.C" in caught.value.message_dict
    assert not Observation.objects.exists()


def test_the_database_holds_the_cell_invariants(visit, injector):
    movement = grade(visit, injector, {"FROWN.CORR.L": 2})
    frown = Expression.objects.get(code="FROWN")
    corr = Muscle.objects.get(code="CORR")
    with pytest.raises(IntegrityError), transaction.atomic():
        Observation.objects.create(
            movement_map=movement, expression=frown, muscle=corr, side="L", grade=1
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Observation.objects.create(
            movement_map=movement, expression=frown, muscle=corr, side="R", grade=4
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Observation.objects.create(
            movement_map=movement, expression=frown, muscle=corr, side="X", grade=1
        )
    midline = Observation(
        movement_map=movement,
        expression=frown,
        muscle=Muscle.objects.get(code="PROC"),
        side="L",
        grade=1,
    )
    with pytest.raises(ValidationError, match="charted on C only"):
        midline.full_clean()


def test_asymmetry_per_row_and_per_muscle(visit, injector):
    grade(
        visit,
        injector,
        {
            "FROWN.CORR.L": 3,
            "FROWN.CORR.R": 2,  # L stronger by 1: highlighted
            "REST.CORR.L": 0,
            "REST.CORR.R": 0,  # even
            "BROWS.FRONT.L": 1,
            "BROWS.FRONT.R": 3,  # R stronger by 2
            "SQUINT.OOC.L": 2,  # right side not graded: not comparable
            "FROWN.PROC.C": 3,  # midline: never asymmetric
        },
    )
    expressions = list(expressions_with_muscles())
    groups = build_grid(
        expressions=expressions,
        observations=Observation.objects.filter(movement_map__visit=visit),
    )
    rows = {(g.expression.code, r.muscle.code): r for g in groups for r in g.rows}
    assert rows["FROWN", "CORR"].asymmetric and rows["FROWN", "CORR"].stronger == "L"
    assert rows["FROWN", "CORR"].difference == 1
    assert not rows["REST", "CORR"].asymmetric
    assert rows["BROWS", "FRONT"].difference == -2 and rows["BROWS", "FRONT"].stronger == "R"
    assert not rows["SQUINT", "OOC"].asymmetric
    assert rows["FROWN", "PROC"].difference is None
    summary = {s.muscle.code: s for s in summarize(groups)}
    assert (summary["CORR"].left, summary["CORR"].right) == (3, 2)
    assert summary["CORR"].asymmetric and summary["CORR"].stronger == "L"
    assert (summary["FRONT"].left, summary["FRONT"].right) == (1, 3)
    assert (summary["OOC"].left, summary["OOC"].right) == (2, None)
    assert not summary["OOC"].asymmetric
    assert "PROC" not in summary  # midline muscles have no L/R
    assert not summary["MASS"].graded


def test_the_summary_reads_rest_only_where_the_muscle_was_graded_at_rest_alone(visit, injector):
    """One rule for how strongly a muscle moves: the map's summary, the plan's
    suggestions and the review's "was" (strongest_grades) agree."""
    movement_map = grade(visit, injector, {"REST.CORR.L": 3, "FROWN.CORR.L": 1, "REST.DAO.R": 2})
    groups = build_grid(
        expressions=list(expressions_with_muscles()),
        observations=Observation.objects.filter(movement_map__visit=visit),
    )
    summary = {s.muscle.code: s for s in summarize(groups)}
    assert summary["CORR"].left == 1  # it moves: the higher grade at rest is not how it moves
    assert summary["DAO"].right == 2  # graded at rest alone
    baseline = strongest_grades(baseline_observations(movement_map))
    for s in summary.values():
        for side, shown in (("L", s.left), ("R", s.right)):
            assert baseline.get((s.muscle.pk, side)) == shown


def test_the_page_highlights_asymmetric_rows(injector_client, visit, injector):
    grade(visit, injector, {"FROWN.CORR.L": 3, "FROWN.CORR.R": 1, "SQUINT.OOC.L": 2})
    response = injector_client.get(map_url(visit))
    html = response.content.decode()
    assert 'class="mm-row is-asymmetric" data-muscle="CORR"' in html
    assert "L +2" in html
    assert 'class="mm-chip is-asymmetric" data-summary="CORR"' in html
    assert 'class="mm-row" data-muscle="OOC"' in html


def test_compare_with_previous_shows_the_last_earlier_map(
    injector_client, patient, injector, visit
):
    oldest = make_visit(patient=patient, injector=injector, days_ago=200)
    grade(oldest, injector, {"FROWN.CORR.L": 1})
    last = make_visit(patient=patient, injector=injector, days_ago=100)
    grade(last, injector, {"FROWN.CORR.L": 3, "FROWN.CORR.R": 2})
    grade(visit, injector, {"FROWN.CORR.L": 1})
    response = injector_client.get(map_url(visit, compare="previous"))
    assert response.context["previous"].visit == last
    rows = {
        (g.expression.code, r.muscle.code): r for g in response.context["groups"] for r in g.rows
    }
    assert rows["FROWN", "CORR"].previous == {"L": 3, "R": 2}
    assert rows["FROWN", "CORR"].cells["L"]["grade"] == 1
    assert "Previous map" in response.content.decode()


def test_compare_without_an_earlier_map_says_so(injector_client, visit):
    response = injector_client.get(map_url(visit, compare="previous"))
    assert response.context["previous"] is None
    assert "no earlier movement map" in response.content.decode()


def full_map(expressions) -> dict[str, int]:
    return {
        f"{e.code}.{m.code}.{side}": (i % 4)
        for i, (e, m, side) in enumerate(
            (e, m, side) for e in expressions for m in e.muscles.all() for side in m.graded_sides
        )
    }


@pytest.mark.parametrize("prior_maps", [1, 10])
def test_query_count_is_constant(
    prior_maps, injector_client, patient, injector, visit, django_assert_num_queries
):
    expressions = list(expressions_with_muscles())
    for n in range(prior_maps):
        earlier = make_visit(
            patient=patient, injector=injector, days_ago=30 * (n + 1), screened=True
        )
        grade(earlier, injector, full_map(expressions))
        make_photo(visit=earlier, expression=expressions[n % len(expressions)])
    grade(visit, injector, full_map(expressions))
    for expression in expressions[:3]:
        make_photo(visit=visit, expression=expression)
    # 1 session, 2 user, 3 the user's roles, 4 the visit with patient/location/injector,
    # its latest screening and its photos (one statement: clinic.joined_read), 6 expressions,
    # 7 their muscles, 8 the map with its observations (one join), 9 (none: with 4),
    # 10 the previous map, 11 its observations, 12 the active location, 13 the location menu.
    # The read is audited: the event (audit_event()); the view hands over the visit's patient.
    with django_assert_num_queries(13 - 2 + joined_read(2) + audit_event()):
        response = injector_client.get(map_url(visit, compare="previous"))
    assert response.status_code == 200
    assert len(response.context["groups"]) == 11


def test_the_strongest_grade_is_the_moving_one_and_rest_only_alone(visit, injector):
    """The one baseline rule (plan suggestions and the review's "was"): a muscle's
    strongest grade in any expression but rest; its rest grade only when nothing
    else was graded."""
    from planning.movement import baseline_observations, latest_map, strongest_grades

    grade(visit, injector, {"REST.CORR.L": 3, "FROWN.CORR.L": 1, "REST.CORR.R": 2})
    movement_map = latest_map(visit=visit)
    strongest = strongest_grades(baseline_observations(movement_map))
    corr = Muscle.objects.get(code="CORR").pk
    assert strongest[(corr, "L")] == 1  # frowning, not the resting tone
    assert strongest[(corr, "R")] == 2  # graded at rest alone
    assert latest_map(visit=visit, before_visit=True) is None
