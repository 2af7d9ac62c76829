"""Once a visit's treatment is signed, its baseline is locked like the chart (issue 17,
finding 3): screening, movement map and its cells, plans and their points, photos.

The lock is ``Visit.locked_at``, set by ``charting.signing.seal``; a touch-up's
review visit is never locked. Doors, each refused after signing and allowed before:

- the movement-map page POST (and the page shows the map read-only);
- the photos page's upload POST (and the page has no upload form);
- the screening page POST, "no change" and acknowledgment (the page has no form);
- the plan editor's save POST of a draft of the visit, and starting a new plan;
- the model functions: planning.movement.save_observations,
  planning.screening.record_screening / confirm_no_change / acknowledge,
  planning.photos.store_photo / store_photos, planning.plans.start_plan /
  save_plan / finalize_plan;
- the ORM (the model layer, planning.models.locking): QuerySet update, delete,
  bulk_create, and save/delete of an instance;
- raw SQL on PostgreSQL (triggers, migration planning/0008): INSERT, UPDATE,
  DELETE of the rows, and clearing ``locked_at``.

And the review still compares against the baseline as signed.
"""

import html
import json

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from charting.reviews.review import open_review
from charting.reviews.screens import residual_grid, review_rows
from charting.signing import sign_treatment
from planning.models import (
    InjectionPoint,
    MovementMap,
    Observation,
    Photo,
    Screening,
    TreatmentPlan,
    Visit,
)
from planning.models.locking import VisitLockedError, locked_message
from planning.movement import CellInput, save_observations
from planning.photos import store_photo, store_photos
from planning.plans import finalize_plan, save_plan, start_plan
from planning.screening import acknowledge, confirm_no_change, record_screening
from tests.factories import (
    PASSWORD,
    charted_treatment,
    jpeg_bytes,
    make_plan,
    make_vial,
    touched_up_review,
    upload,
)
from tests.factories.planning import ALL_NO
from tests.factories.reviews import two_weeks_after

pytestmark = pytest.mark.django_db


@pytest.fixture
def treatment(patient, injector):
    """A charted treatment, not yet signed; its visit has a baseline map (left
    corrugator 3), a clear screening, a final plan, a draft plan and a photo."""
    treatment = charted_treatment(patient=patient, injector=injector)
    make_plan(visit=treatment.visit, by=injector, points=[("CORR", "L", 4)])
    store_photo(visit=treatment.visit, by=injector, upload=upload(jpeg_bytes((60, 80))))
    return treatment


def sign(treatment, injector):
    return sign_treatment(treatment=treatment, by=injector, password=PASSWORD).treatment


def grades(visit):
    return {
        f"{o.expression.code}.{o.muscle.code}.{o.side}": o.grade
        for o in Observation.objects.filter(movement_map__visit=visit).select_related(
            "expression", "muscle"
        )
    }


def text(response) -> str:
    return html.unescape(response.content.decode())


def draft(visit):
    return TreatmentPlan.objects.drafts().get(visit=visit)


# --- the lock itself -------------------------------------------------------------------


def test_signing_locks_the_treatment_visit(treatment, injector):
    assert Visit.objects.get(pk=treatment.visit_id).locked_at is None
    signed = sign(treatment, injector)
    assert Visit.objects.get(pk=treatment.visit_id).locked_at == signed.signed_at


def test_a_touch_up_does_not_lock_its_review_visit(patient, injector):
    vial = make_vial(by=injector)
    treatment = charted_treatment(patient=patient, injector=injector, vial=vial)
    review = touched_up_review(treatment=sign(treatment, injector), injector=injector, vial=vial)
    assert Visit.objects.get(pk=review.visit_id).locked_at is None


def test_a_stale_copy_of_the_visit_does_not_unlock_it(treatment, injector):
    stale = Visit.objects.get(pk=treatment.visit_id)
    sign(treatment, injector)
    stale.status = "completed"
    stale.save()
    assert Visit.objects.get(pk=stale.pk).locked_at is not None


# --- the pages ---------------------------------------------------------------------------


def map_post(client, visit, corr_left: str):
    url = reverse("planning:movement_map", args=[visit.pk])
    return client.post(url, {"g:FROWN.CORR.L": corr_left, "g:FROWN.CORR.R": "2"}, follow=True)


def test_the_movement_map_page_saves_before_signing(treatment, injector_client):
    response = map_post(injector_client, treatment.visit, "1")
    assert "Movement map saved." in text(response)
    assert grades(treatment.visit)["FROWN.CORR.L"] == 1


def test_the_movement_map_page_is_read_only_after_signing(treatment, injector, injector_client):
    sign(treatment, injector)
    before = grades(treatment.visit)
    response = map_post(injector_client, treatment.visit, "0")
    assert response.status_code == 200
    assert locked_message("movement map") in text(response)
    assert "Movement map saved." not in text(response)
    assert grades(treatment.visit) == before
    page = injector_client.get(reverse("planning:movement_map", args=[treatment.visit_id]))
    assert page.status_code == 200 and page.context["may_edit"] is False
    assert 'data-testid="save-map"' not in text(page)
    assert 'data-testid="visit-locked"' in text(page)


def photo_post(client, visit):
    url = reverse("planning:photos", args=[visit.pk])
    return client.post(url, {"files": [upload(jpeg_bytes((60, 80)))]}, follow=True)


def test_the_photos_page_uploads_before_signing(treatment, injector_client):
    response = photo_post(injector_client, treatment.visit)
    assert "1 photo saved." in text(response)
    assert Photo.objects.for_visit(treatment.visit).count() == 2


def test_the_photos_page_takes_no_upload_after_signing(treatment, injector, injector_client):
    sign(treatment, injector)
    response = photo_post(injector_client, treatment.visit)
    assert response.status_code == 200
    assert locked_message("photos") in text(response)
    assert Photo.objects.for_visit(treatment.visit).count() == 1
    assert 'data-testid="photo-form"' not in text(response)
    assert 'data-testid="photos-locked"' in text(response)


def screening_post(client, visit):
    url = reverse("planning:screening", args=[visit.pk])
    answers = {f"q_{code}": "no" for code in ALL_NO}
    return client.post(url, {**answers, "medicines": "None"}, follow=True)


def test_the_screening_page_screens_before_signing(treatment, injector_client):
    response = screening_post(injector_client, treatment.visit)
    assert "Screening saved" in text(response)
    assert Screening.objects.filter(visit=treatment.visit).count() == 2


def test_the_screening_page_has_no_form_after_signing(treatment, injector, injector_client):
    sign(treatment, injector)
    response = screening_post(injector_client, treatment.visit)
    assert response.status_code == 200
    assert locked_message("screening") in text(response)
    assert Screening.objects.filter(visit=treatment.visit).count() == 1
    assert 'data-testid="screening-form"' not in text(response)
    assert 'data-testid="screening-locked"' in text(response)


def plan_post(client, plan):
    point = {"muscle": "CORR", "side": "L", "units": "2", "x": "0.6", "y": "0.3"}
    body = {"points": json.dumps([point]), "version": plan.version, "action": "save"}
    return client.post(plan.get_absolute_url(), body)


def test_the_plan_editor_saves_a_draft_before_signing(treatment, injector_client):
    plan = draft(treatment.visit)
    assert plan_post(injector_client, plan).status_code == 302
    assert [p.units for p in plan.points.all()] == [2]


def test_the_plan_editor_refuses_a_draft_of_a_signed_visit(treatment, injector, injector_client):
    plan = draft(treatment.visit)
    sign(treatment, injector)
    response = plan_post(injector_client, plan)
    assert response.status_code == 400
    assert locked_message("plan") in text(response)
    assert [p.units for p in plan.points.all()] == [4]
    # what was posted is shown, and the editor's script is told it is read only (it has
    # no row to add points with there: offering to edit stopped it with an error)
    assert response.context["plan_data"]["readonly"] is True
    assert response.context["plan_data"]["points"][0]["units"] == "2"


def test_the_plan_editor_shows_a_draft_of_a_signed_visit_read_only(
    treatment, injector, injector_client
):
    plan = draft(treatment.visit)
    assert 'data-testid="save-plan"' in text(injector_client.get(plan.get_absolute_url()))
    sign(treatment, injector)
    page = text(injector_client.get(plan.get_absolute_url()))
    assert 'data-testid="save-plan"' not in page and 'data-testid="finalize-plan"' not in page


# --- the model functions -----------------------------------------------------------------


def rule_calls(visit, injector):
    plan = draft(visit)
    screening = Screening.objects.filter(visit=visit).first()
    photo = upload(jpeg_bytes((60, 80)))
    return {
        "save_observations": lambda: save_observations(
            visit=visit, by=injector, cells=[CellInput("FROWN", "CORR", "L", 0)]
        ),
        "record_screening": lambda: record_screening(visit=visit, by=injector, answers=ALL_NO),
        "confirm_no_change": lambda: confirm_no_change(
            visit=visit, by=injector, previous=screening
        ),
        "acknowledge": lambda: acknowledge(screening=screening, by=injector, note="Discussed."),
        "store_photo": lambda: store_photo(visit=visit, by=injector, upload=photo),
        "store_photos": lambda: store_photos(visit=visit, by=injector, uploads=[photo]),
        "start_plan": lambda: start_plan(
            visit=visit,
            product=plan.product,
            vial_units=plan.vial_units,
            diluent_ml=plan.diluent_ml,
            by=injector,
        ),
        "save_plan": lambda: save_plan(plan=plan, points=[], expected_version=plan.version),
        "finalize_plan": lambda: finalize_plan(
            plan=plan, points=[], expected_version=plan.version, by=injector
        ),
    }


WHAT = {
    "save_observations": "movement map",
    "store_photo": "photos",
    "store_photos": "photos",
    "start_plan": "plan",
    "save_plan": "plan",
    "finalize_plan": "plan",
}


@pytest.mark.parametrize("door", list(WHAT))
def test_each_rule_refuses_after_signing(treatment, injector, door):
    sign(treatment, injector)
    with pytest.raises(VisitLockedError) as refused:
        rule_calls(treatment.visit, injector)[door]()
    assert refused.value.message == locked_message(WHAT[door])


@pytest.mark.parametrize("door", ["record_screening", "confirm_no_change", "acknowledge"])
def test_the_screening_rules_refuse_after_signing(treatment, injector, door):
    sign(treatment, injector)
    with pytest.raises(VisitLockedError) as refused:
        rule_calls(treatment.visit, injector)[door]()
    assert refused.value.message == locked_message("screening")


def test_the_rules_work_before_signing(patient, injector):
    treatment = charted_treatment(patient=patient, injector=injector)
    visit = treatment.visit
    make_plan(visit=visit, by=injector, points=[("CORR", "L", 4)])
    calls = rule_calls(visit, injector)
    calls["save_observations"]()
    calls["record_screening"]()
    calls["store_photos"]()
    calls["save_plan"]()
    calls["start_plan"]()
    assert grades(visit)["FROWN.CORR.L"] == 0
    assert Screening.objects.filter(visit=visit).count() == 2
    assert Photo.objects.for_visit(visit).count() == 1
    assert TreatmentPlan.objects.filter(visit=visit).count() == 3


# --- the ORM (model layer) -----------------------------------------------------------------


def orm_writes(visit):
    obs = Observation.objects.filter(movement_map__visit=visit)
    points = InjectionPoint.objects.filter(plan__visit=visit)
    return {
        "observation update": lambda: obs.update(grade=0),
        "observation delete": lambda: obs.delete(),
        "observation save": lambda: obs.first().save(),
        "observation instance delete": lambda: obs.first().delete(),
        "observation bulk_create": lambda: Observation.objects.bulk_create(
            [Observation(movement_map=obs.first().movement_map, **_cell_of(obs.last()))]
        ),
        "observation bulk_update": lambda: Observation.objects.bulk_update(list(obs), ["grade"]),
        "map update": lambda: MovementMap.objects.filter(visit=visit).update(notes="changed"),
        "screening update": lambda: Screening.objects.filter(visit=visit).update(notes="x"),
        "screening save": lambda: Screening.objects.filter(visit=visit).first().save(),
        "plan update": lambda: TreatmentPlan.objects.filter(visit=visit).update(notes="x"),
        "point update": lambda: points.update(units=1),
        "point delete": lambda: points.delete(),
        "photo delete": lambda: Photo.objects.filter(visit=visit).delete(),
        "photo save": lambda: Photo.objects.filter(visit=visit).first().save(),
    }


def _cell_of(observation):
    return {
        "expression_id": observation.expression_id,
        "muscle_id": observation.muscle_id,
        "side": "R" if observation.side == "L" else "L",
        "grade": 1,
    }


ORM_DOORS = [
    "observation update",
    "observation delete",
    "observation save",
    "observation instance delete",
    "observation bulk_create",
    "observation bulk_update",
    "map update",
    "screening update",
    "screening save",
    "plan update",
    "point update",
    "point delete",
    "photo delete",
    "photo save",
]


@pytest.mark.parametrize("door", ORM_DOORS)
def test_the_orm_refuses_after_signing(treatment, injector, door):
    sign(treatment, injector)
    with pytest.raises(VisitLockedError):
        orm_writes(treatment.visit)[door]()


def test_the_orm_writes_before_signing(treatment):
    writes = orm_writes(treatment.visit)
    for door in ("observation update", "map update", "screening update", "plan update"):
        writes[door]()
    writes["photo save"]()
    assert set(grades(treatment.visit).values()) == {0}


# --- raw SQL on PostgreSQL (the triggers) ---------------------------------------------------

RAW_SQL = {
    "observation update": "UPDATE planning_observation SET grade = 0 WHERE movement_map_id IN "
    "(SELECT id FROM planning_movementmap WHERE visit_id = %s)",
    "observation delete": "DELETE FROM planning_observation WHERE movement_map_id IN "
    "(SELECT id FROM planning_movementmap WHERE visit_id = %s)",
    # the right corrugator at rest (the baseline grades only the left one at rest)
    "observation insert": "INSERT INTO planning_observation "
    "(movement_map_id, expression_id, muscle_id, side, grade, note) "
    "SELECT o.movement_map_id, o.expression_id, o.muscle_id, 'R', 1, '' "
    "FROM planning_observation o JOIN planning_movementmap m ON m.id = o.movement_map_id "
    "JOIN planning_expression e ON e.id = o.expression_id "
    "WHERE m.visit_id = %s AND e.code = 'REST' AND o.side = 'L'",
    "map update": "UPDATE planning_movementmap SET notes = 'x' WHERE visit_id = %s",
    "screening update": "UPDATE planning_screening SET notes = 'x' WHERE visit_id = %s",
    "plan update": "UPDATE planning_treatmentplan SET notes = 'x' WHERE visit_id = %s",
    "point update": "UPDATE planning_injectionpoint SET units = 1 WHERE plan_id IN "
    "(SELECT id FROM planning_treatmentplan WHERE visit_id = %s)",
    # a draft's points (a final plan's never change, signed or not: planning/0016)
    "draft point update": "UPDATE planning_injectionpoint SET units = 1 WHERE plan_id IN "
    "(SELECT id FROM planning_treatmentplan WHERE visit_id = %s AND status = 'draft')",
    "photo update": "UPDATE planning_photo SET moment = '' WHERE visit_id = %s",
    "photo delete": "DELETE FROM planning_photo WHERE visit_id = %s",
    "unlock": "UPDATE planning_visit SET locked_at = NULL WHERE id = %s",
    "delete visit": "DELETE FROM planning_visit WHERE id = %s",
}


def run_sql(sql, visit_id) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [visit_id])
        return cursor.rowcount


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("the triggers are PostgreSQL's")


@pytest.mark.parametrize("door", list(RAW_SQL))
def test_raw_sql_is_refused_after_signing(postgres, treatment, injector, door):
    sign(treatment, injector)
    with pytest.raises(DatabaseError, match="signed and locked"):
        run_sql(RAW_SQL[door], treatment.visit_id)


@pytest.mark.parametrize(
    "door", ["observation update", "map update", "draft point update", "photo update"]
)
def test_raw_sql_writes_before_signing(postgres, treatment, door):
    assert run_sql(RAW_SQL[door], treatment.visit_id) >= 1


# --- the review ----------------------------------------------------------------------------


def test_the_review_compares_against_the_baseline_as_signed(treatment, injector, injector_client):
    sign(treatment, injector)
    map_post(injector_client, treatment.visit, "0")
    review = open_review(treatment=treatment, by=injector, on=two_weeks_after(treatment))
    injections, _, findings, _ = review_rows(review)
    rows = {
        row.muscle.code: row
        for row in residual_grid(review=review, injections=injections, findings=findings)[1]
    }
    assert {c.side: c.baseline for c in rows["CORR"].cells} == {"L": 3, "R": 2}
