"""Charting from the plan, saving what was given, and the chart page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from charting.chart import (
    ChartErrors,
    ChartInput,
    InjectionInput,
    StaleChart,
    chart_from_plan,
    save_chart,
)
from charting.errors import ChartingError
from charting.models import Injection, LotStatus, Treatment
from planning.models import Muscle
from tests.factories import (
    GLABELLAR,
    charted_treatment,
    make_lot,
    make_plan,
    make_vial,
    screen,
    signed_treatment,
    treatment_visit,
)
from tests.queries import audit_event

pytestmark = pytest.mark.django_db


def test_chart_from_plan_copies_every_point(injector, patient):
    visit, plan = treatment_visit(patient=patient, injector=injector)
    treatment = chart_from_plan(visit=visit, plan=plan, by=injector)
    rows = list(treatment.injections.values_list("muscle__code", "side", "units", "planned_units"))
    assert [r[:2] for r in rows] == [
        (p.muscle.code, p.side) for p in plan.points.select_related("muscle")
    ]
    assert all(r[2] == r[3] == Decimal("4") for r in rows)
    assert treatment.product == plan.product
    with pytest.raises(ChartingError, match="already charted"):
        chart_from_plan(visit=visit, plan=plan, by=injector)


def test_a_blocked_screening_stops_charting(injector, patient):
    visit, plan = treatment_visit(patient=patient, injector=injector)
    from django.utils import timezone

    screen(visit, injector, yes=["infection_at_site"], at=timezone.now())
    with pytest.raises(ChartingError, match="blocks treatment"):
        chart_from_plan(visit=visit, plan=plan, by=injector)
    assert not Treatment.objects.exists()


def test_a_draft_plan_is_not_charted(injector, patient):
    visit, _ = treatment_visit(patient=patient, injector=injector)
    draft = make_plan(visit=visit, by=injector, points=GLABELLAR)
    with pytest.raises(ChartingError, match="Finalize"):
        chart_from_plan(visit=visit, plan=draft, by=injector)


def _input(treatment, **units_by_index):
    ids = list(treatment.injections.values_list("pk", "units", "vial_id"))
    return ChartInput(
        version=treatment.version,
        rows=[
            InjectionInput(
                key=f"i{pk}",
                injection_id=pk,
                units=str(units_by_index.get(f"u{n}", u)),
                vial_id=vial,
            )
            for n, (pk, u, vial) in enumerate(ids)
        ],
    )


def test_saving_changes_units_and_bumps_the_version(injector, patient):
    treatment = charted_treatment(patient=patient, injector=injector)
    save_chart(treatment=treatment, data=_input(treatment, u0="5.5"), by=injector)
    treatment.refresh_from_db()
    assert treatment.version == 2
    assert treatment.injections.first().units == Decimal("5.5")


def test_one_bad_row_saves_nothing(injector, patient):
    treatment = charted_treatment(patient=patient, injector=injector)
    data = _input(treatment, u0="6", u1="2.3")
    data.wasted_units = "1"
    with pytest.raises(ChartErrors) as refused:
        save_chart(treatment=treatment, data=data, by=injector)
    assert list(refused.value.errors.values()) == ["Units go in steps of 0.5 U (e.g. 2, 2.5, 3)."]
    treatment.refresh_from_db()
    assert treatment.version == 1 and treatment.wasted_units == 0
    assert treatment.injections.first().units == Decimal("4")


def test_a_vial_past_use_by_or_of_a_recalled_lot_is_refused(injector, patient):
    import datetime

    from django.utils import timezone

    treatment = charted_treatment(patient=patient, injector=injector, vial=False)
    old = make_vial(
        by=injector, lot=make_lot(number="OLD"), at=timezone.now() - datetime.timedelta(hours=25)
    )
    recalled = make_vial(
        by=injector, lot=make_lot(number="RC", status=LotStatus.RECALLED, note="n")
    )
    data = _input(treatment)
    data.rows[0].vial_id, data.rows[1].vial_id = old.pk, recalled.pk
    with pytest.raises(ChartErrors) as refused:
        save_chart(treatment=treatment, data=data, by=injector)
    messages = " ".join(refused.value.errors.values())
    assert "usable until" in messages and "recalled" in messages
    assert not Injection.objects.filter(vial__isnull=False).exists()


def test_skip_a_point_and_add_one(injector, patient):
    treatment = charted_treatment(patient=patient, injector=injector)
    vial = treatment.injections.first().vial
    data = _input(treatment)
    data.rows[2].skip = True
    nasalis = Muscle.objects.get(code="NAS")
    data.added = [
        InjectionInput(key="add-0", units="2", muscle_id=nasalis.pk, side="L", vial_id=vial.pk)
    ]
    save_chart(treatment=treatment, data=data, by=injector)
    codes = list(treatment.injections.values_list("muscle__code", "side", "point"))
    assert ("PROC", "C") not in [c[:2] for c in codes]
    assert ("NAS", "L", None) in codes


def test_an_added_point_must_match_the_muscles_sides(injector, patient):
    treatment = charted_treatment(patient=patient, injector=injector)
    data = _input(treatment)
    proc = Muscle.objects.get(code="PROC")
    data.added = [InjectionInput(key="add-0", units="2", muscle_id=proc.pk, side="L")]
    with pytest.raises(ChartErrors) as refused:
        save_chart(treatment=treatment, data=data, by=injector)
    assert "add-0-side" in refused.value.errors


def test_two_tabs_do_not_overwrite_each_other(injector, patient):
    treatment = charted_treatment(patient=patient, injector=injector)
    first_tab, second_tab = _input(treatment, u0="6"), _input(treatment, u0="3")
    save_chart(treatment=treatment, data=first_tab, by=injector)
    with pytest.raises(StaleChart, match="changed by"):
        save_chart(treatment=treatment, data=second_tab, by=injector)
    assert treatment.injections.first().units == Decimal("6")


def test_the_second_tab_sees_a_clear_message_and_keeps_its_input(
    injector_client, injector, patient
):
    treatment = charted_treatment(patient=patient, injector=injector)
    injection = treatment.injections.first()
    url = reverse("charting:chart_save", args=[treatment.visit_id])
    form = {"version": 1, f"u-{injection.pk}": "6", "wasted_units": "0"}
    for i in treatment.injections.exclude(pk=injection.pk):
        form[f"u-{i.pk}"] = "4"
    assert injector_client.post(url, form).status_code == 302
    response = injector_client.post(url, {**form, f"u-{injection.pk}": "7.5"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "changed by" in page and 'value="7.5"' in page
    injection.refresh_from_db()
    assert injection.units == Decimal("6")


def test_the_chart_form_shows_errors_next_to_the_field(injector_client, injector, patient):
    treatment = charted_treatment(patient=patient, injector=injector)
    injection = treatment.injections.first()
    url = reverse("charting:chart_save", args=[treatment.visit_id])
    form = {"version": 1, "wasted_units": "0"}
    for i in treatment.injections.all():
        form[f"u-{i.pk}"] = "4"
    form[f"u-{injection.pk}"] = "0"
    response = injector_client.post(url, form)
    assert response.status_code == 422
    assert "Units must be more than 0." in response.content.decode()


def _chart_queries(client, treatment, django_assert_num_queries, expected):
    url = reverse("charting:chart", args=[treatment.visit_id])
    client.get(url)
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.status_code == 200
    return response


# session, user, roles; visit and people with the chart (one query: charting.access);
# screening; consent; injections with
# muscles, vials and lots; adverse events; usable vials; muscles; screening again (the
# product's restrictions); which of the chart's vials other patients' charts use (the
# checklist: vials are single-patient); lots of the vial form; active location; location
# list; the visit's report jobs (the reports card, reports.context_processors.visit_reports);
# the dose rules (planning.dose_rules): the final plan's points, the dose history in one
# statement (planning.treatment_history.history: signed charts and final plans around
# the day, the last main session, its touch-up, the patient-reported doses), the
# product's ranges and limits with their muscles (4; cached outside a transaction);
# what is left in the vials drawn from (waste at signing);
# +1 the segments the plan keeps (planning.keeps: hatched on the diagram, listed);
# +audit_event(): the read is audited (the view hands its visit's patient over).
OPEN_CHART_QUERIES = 16 + 6 + 1 + 1 + audit_event()


@pytest.mark.parametrize("points", [5, 60])
def test_the_open_chart_has_a_constant_query_count(
    injector_client, injector, patient, django_assert_num_queries, points
):
    visit, plan = treatment_visit(
        patient=patient, injector=injector, points=[("FRONT", "L", 2)] * points
    )
    treatment = chart_from_plan(visit=visit, plan=plan, by=injector)
    vial = make_vial(by=injector)
    treatment.injections.update(vial=vial)
    response = _chart_queries(
        injector_client, treatment, django_assert_num_queries, OPEN_CHART_QUERIES
    )
    assert response.content.decode().count('data-testid="injection-row"') == points


def test_the_chart_page_is_refused_to_the_front_desk(desk_client, injector, patient):
    treatment = charted_treatment(patient=patient, injector=injector)
    assert desk_client.get(reverse("charting:chart", args=[treatment.visit_id])).status_code == 403


def test_adverse_events_are_recorded_and_other_needs_a_note(injector_client, injector, patient):
    treatment = charted_treatment(patient=patient, injector=injector)
    url = reverse("charting:adverse_event", args=[treatment.visit_id])
    response = injector_client.post(url, {"kind": "other", "severity": "mild", "note": ""})
    assert response.status_code == 422 and "Describe what happened." in response.content.decode()
    response = injector_client.post(url, {"kind": "bruise", "severity": "mild", "note": "L brow"})
    assert response.status_code == 302
    assert list(treatment.adverse_events.values_list("kind", "note")) == [("bruise", "L brow")]


def test_the_aftercare_sheet_prints_and_emails(injector_client, injector, patient, mailoutbox):
    patient.email = "maya@example.com"
    patient.save()
    treatment = signed_treatment(patient=patient, injector=injector)
    page = injector_client.get(reverse("charting:aftercare", args=[treatment.visit_id]))
    assert "Stay upright for about four hours." in page.content.decode()
    assert "data-print" in page.content.decode()
    injector_client.post(reverse("charting:aftercare_email", args=[treatment.visit_id]))
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["maya@example.com"]
    assert "eyelid droops" in mailoutbox[0].body
    assert "two-week review" in mailoutbox[0].body


def test_no_email_on_file_is_a_clear_message(injector_client, injector, patient, mailoutbox):
    treatment = signed_treatment(patient=patient, injector=injector)
    response = injector_client.post(
        reverse("charting:aftercare_email", args=[treatment.visit_id]), follow=True
    )
    assert "no email address" in response.content.decode() and mailoutbox == []


def test_the_visit_steps_lead_to_the_chart(injector_client, injector, patient):
    visit, _ = treatment_visit(patient=patient, injector=injector)
    page = injector_client.get(reverse("planning:visit_detail", args=[visit.pk])).content.decode()
    assert reverse("charting:chart", args=[visit.pk]) in page
    start = injector_client.get(reverse("charting:chart", args=[visit.pk])).content.decode()
    assert 'data-testid="chart-from-plan"' in start
