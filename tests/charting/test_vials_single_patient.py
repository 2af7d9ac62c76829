"""Vials are single-patient (REFERENCE: one reconstituted vial serves one patient's
treatment and its touch-up within the use-by) [label: single-dose vials].

The rule is ``charting.lots.vial_patient_refusal``: a vial any injection of another
patient's chart uses (signed or not) is refused, with a message that names no one.
The doors that put a vial on a patient, each tested here:

- the chart's save (``charting.chart.save_chart``, ``_ChartChanges.given_and_vial``),
  and the chart form posted with another patient's vial id;
- the vials the chart page and the touch-up form offer (``charting.lots.usable_vials``);
- signing (``charting.signing.signing_refusals``/``checklist``), the authority: a vial
  put in two charts at once (two tabs, two rooms) is caught whichever is signed first,
  a treatment's and a touch-up's (signed with the review);
- the touch-up (``charting.reviews.touchups._usable_vial``), and the touch-up form
  posted with another patient's vial id; the form pre-selects only the patient's own
  vial of the cycle, never the first vial of the clinic;
- the Django admin: injections are not editable there (no admin for them);
- the demo data: no vial is drawn into two patients' charts.

The same patient's chart and touch-up use their vial within its use-by; a touch-up
two weeks later opens a new vial (no reconstituted vial lasts that long).
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from charting.chart import ChartErrors, ChartInput, InjectionInput, save_chart
from charting.errors import ChartingError
from charting.lots import (
    OTHER_PATIENT_VIAL,
    usable_vials,
    vial_patient_refusal,
    vials_used_for_other_patients,
)
from charting.models import Injection, Treatment
from charting.reviews.errors import ReviewError, ReviewErrors
from charting.reviews.review import open_review, sign_review
from charting.reviews.touchups import add_touch_up
from charting.signing import sign_treatment
from planning.models import Muscle
from tests.factories import (
    PASSWORD,
    PatientFactory,
    botox,
    charted_treatment,
    graded_review,
    make_vial,
    signed_treatment,
    touch_up,
)
from tests.factories.reviews import two_weeks_after

pytestmark = pytest.mark.django_db


@pytest.fixture
def other(location):
    """Patient B; the cast's ``patient`` (Maya Lockwood) is patient A."""
    return PatientFactory(first_name="Noor", last_name="Halvorsen", home_location=location)


@pytest.fixture
def vial(injector):
    """Patient A's vial."""
    return make_vial(by=injector)


def _rows(treatment, vial) -> ChartInput:
    """The chart form of ``treatment`` with every row drawn from ``vial``."""
    return ChartInput(
        version=treatment.version,
        rows=[
            InjectionInput(key=f"i{pk}", injection_id=pk, units=str(units), vial_id=vial.pk)
            for pk, units in treatment.injections.values_list("pk", "units")
        ],
    )


def _form(treatment, vial) -> dict:
    """The chart page's form as posted, every row naming ``vial``."""
    form = {"version": treatment.version, "wasted_units": "0"}
    for i in treatment.injections.all():
        form[f"u-{i.pk}"], form[f"v-{i.pk}"] = "4", str(vial.pk)
    return form


def _now(patient) -> dict:
    """``usable_vials``' arguments for ``patient`` now."""
    return {"product": botox(), "at": timezone.now(), "patient_id": patient.pk}


# The rule


def test_a_vial_of_one_patient_is_refused_for_another_naming_no_one(injector, patient, other, vial):
    charted_treatment(patient=patient, injector=injector, vial=vial)
    assert vial_patient_refusal(vial=vial, patient_id=patient.pk) is None  # A's own vial
    refusal = vial_patient_refusal(vial=vial, patient_id=other.pk)
    assert refusal.startswith("This vial (lot ") and refusal.endswith(OTHER_PATIENT_VIAL)
    assert "Maya" not in refusal and "Lockwood" not in refusal
    fresh = make_vial(by=injector)
    assert vial_patient_refusal(vial=fresh, patient_id=other.pk) is None  # unused: anyone's


def test_the_vials_of_other_patients_are_one_query_however_many(
    injector, patient, other, django_assert_num_queries
):
    vials = [make_vial(by=injector) for _ in range(4)]
    for v in vials[:3]:
        charted_treatment(patient=PatientFactory(), injector=injector, vial=v)
    with django_assert_num_queries(1):
        used = vials_used_for_other_patients(vial_ids=[v.pk for v in vials], patient_id=other.pk)
    assert used == {v.pk for v in vials[:3]}
    product = botox()
    with django_assert_num_queries(1):
        offered = usable_vials(product=product, at=timezone.now(), patient_id=other.pk)
    assert [v.pk for v in offered] == [vials[3].pk]


def test_the_vials_offered_to_a_patient_are_theirs_or_unused(injector, patient, other, vial):
    charted_treatment(patient=patient, injector=injector, vial=vial)
    fresh = make_vial(by=injector)
    for_a = {v.pk: v.used_for_patient for v in usable_vials(**_now(patient))}
    for_b = {v.pk: v.used_for_patient for v in usable_vials(**_now(other))}
    assert for_a == {vial.pk: True, fresh.pk: False}
    assert for_b == {fresh.pk: False}


# The chart's save


def test_the_chart_save_refuses_another_patients_vial(injector, patient, other, vial):
    charted_treatment(patient=patient, injector=injector, vial=vial)
    chart_b = charted_treatment(patient=other, injector=injector, vial=False)
    with pytest.raises(ChartErrors) as refused:
        save_chart(treatment=chart_b, data=_rows(chart_b, vial), by=injector)
    assert set(refused.value.errors) == {f"i{pk}-vial" for pk in _ids(chart_b)}
    assert all(m.endswith(OTHER_PATIENT_VIAL) for m in refused.value.errors.values())
    assert not Injection.objects.filter(treatment=chart_b, vial__isnull=False).exists()
    assert Treatment.objects.get(pk=chart_b.pk).version == 1  # nothing saved


def test_the_same_patients_chart_saves_with_its_vial(injector, patient, vial):
    chart_a = charted_treatment(patient=patient, injector=injector, vial=vial)
    save_chart(treatment=chart_a, data=_rows(chart_a, vial), by=injector)
    assert Treatment.objects.get(pk=chart_a.pk).version == 2


def test_another_patients_vial_posted_to_the_chart_form_is_a_field_message(
    injector_client, injector, patient, other, vial
):
    charted_treatment(patient=patient, injector=injector, vial=vial)
    chart_b = charted_treatment(patient=other, injector=injector, vial=False)
    url = reverse("charting:chart_save", args=[chart_b.visit_id])
    response = injector_client.post(url, _form(chart_b, vial))
    assert response.status_code == 422
    page = response.content.decode()
    assert '<div class="invalid-feedback">This vial (lot ' in page
    assert OTHER_PATIENT_VIAL in page and "Lockwood" not in page
    shared = injector_client.post(url, {**_form(chart_b, vial), "vial_all": str(vial.pk)})
    assert shared.status_code == 422 and OTHER_PATIENT_VIAL in shared.content.decode()
    assert not Injection.objects.filter(treatment=chart_b, vial__isnull=False).exists()


def test_the_chart_page_does_not_offer_another_patients_vial(
    injector_client, injector, patient, other, vial
):
    charted_treatment(patient=patient, injector=injector, vial=vial)
    fresh = make_vial(by=injector)
    chart_b = charted_treatment(patient=other, injector=injector, vial=False)
    response = injector_client.get(reverse("charting:chart", args=[chart_b.visit_id]))
    assert [v.pk for v in response.context["vials"]] == [fresh.pk]


# Signing, the authority


def test_signing_refuses_a_vial_another_patients_chart_saved_meanwhile(
    injector_client, injector, patient, other, vial
):
    """A's chart and B's chart were saved with the same vial at once (two rooms): neither
    save saw the other. Whichever is signed first is refused, until one changes vial."""
    chart_a = charted_treatment(patient=patient, injector=injector, vial=vial)
    chart_b = charted_treatment(patient=other, injector=injector, vial=vial)
    for chart in (chart_a, chart_b):
        with pytest.raises(ChartingError, match=OTHER_PATIENT_VIAL):
            sign_treatment(treatment=chart, by=injector, password=PASSWORD)
        assert not Treatment.objects.get(pk=chart.pk).is_signed
    page = injector_client.get(reverse("charting:chart", args=[chart_a.visit_id]))
    assert any(p.endswith(OTHER_PATIENT_VIAL) for p in page.context["checklist"])
    save_chart(treatment=chart_b, data=_rows(chart_b, make_vial(by=injector)), by=injector)
    assert sign_treatment(treatment=chart_a, by=injector, password=PASSWORD).treatment.is_signed


def test_signing_refuses_a_vial_already_signed_into_another_patient(injector, patient, other, vial):
    signed_treatment(patient=patient, injector=injector, vial=vial)
    chart_b = charted_treatment(patient=other, injector=injector, vial=vial)  # another tab
    with pytest.raises(ChartingError, match=OTHER_PATIENT_VIAL):
        sign_treatment(treatment=chart_b, by=injector, password=PASSWORD)
    assert not Treatment.objects.get(pk=chart_b.pk).is_signed


# The touch-up


@pytest.fixture
def review(injector, patient, vial):
    """A's treatment signed with ``vial`` today, its review graded, no touch-up yet."""
    treatment = signed_treatment(patient=patient, injector=injector, vial=vial)
    return graded_review(treatment=treatment, injector=injector)


def test_a_touch_up_refuses_another_patients_vial(review, injector, other):
    b_vial = make_vial(by=injector)
    charted_treatment(patient=other, injector=injector, vial=b_vial)
    with pytest.raises(ReviewErrors) as refused:
        touch_up(review=review, vial=b_vial, by=injector)
    assert refused.value.errors["vial"].endswith(OTHER_PATIENT_VIAL)
    review.refresh_from_db()
    assert review.touch_up_id is None


def test_the_touch_up_uses_the_cycles_vial_within_its_use_by(review, injector, vial):
    injection = touch_up(review=review, vial=vial, by=injector)
    assert injection.vial_id == vial.pk
    sign_review(review=review, by=injector, password=PASSWORD)
    review.refresh_from_db()
    assert review.touch_up.is_signed


def test_a_touch_up_two_weeks_later_opens_a_new_vial(review, injector, vial):
    later = timezone.now() + datetime.timedelta(days=14)
    corr = Muscle.objects.get(code="CORR")
    with pytest.raises(ReviewErrors) as refused:
        add_touch_up(
            review=review,
            muscle_id=corr.pk,
            side="L",
            units="2",
            vial_id=vial.pk,
            by=injector,
            now=later,
        )
    assert "usable until" in refused.value.errors["vial"]


def test_signing_the_touch_up_refuses_a_vial_another_patients_chart_took_meanwhile(
    review, injector, other
):
    fresh = make_vial(by=injector)
    touch_up(review=review, vial=fresh, by=injector)
    charted_treatment(patient=other, injector=injector, vial=fresh)  # another room, at once
    with pytest.raises(ReviewError, match=OTHER_PATIENT_VIAL):
        sign_review(review=review, by=injector, password=PASSWORD)
    review.refresh_from_db()
    assert not review.is_signed and not review.touch_up.is_signed


def test_another_patients_vial_posted_to_the_touch_up_form_is_a_field_message(
    review, injector, injector_client, other
):
    b_vial = make_vial(by=injector)
    charted_treatment(patient=other, injector=injector, vial=b_vial)
    corr = Muscle.objects.get(code="CORR")
    url = reverse("reviews:touch_up", args=[review.pk])
    response = injector_client.post(
        url, {"target": f"{corr.pk}:L", "units": "2", "vial": b_vial.pk}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert '<div class="invalid-feedback">This vial (lot ' in page
    assert OTHER_PATIENT_VIAL in page and "Halvorsen" not in page
    unknown = injector_client.post(
        url, {"target": f"{corr.pk}:L", "units": "2", "vial": "99999999"}
    )
    assert unknown.status_code == 400 and b"Choose the vial (lot)" in unknown.content
    review.refresh_from_db()
    assert review.touch_up_id is None


def test_the_touch_up_form_pre_selects_the_cycles_own_vial_only(
    review, injector, injector_client, other, vial
):
    b_vial, unused = make_vial(by=injector), make_vial(by=injector)
    charted_treatment(patient=other, injector=injector, vial=b_vial)
    response = injector_client.get(reverse("reviews:touch_up", args=[review.pk]))
    assert {v.pk for v in response.context["vials"]} == {vial.pk, unused.pk}  # not B's
    assert response.context["default_vial"] == vial
    assert f'<option value="{vial.pk}" selected>' in response.content.decode()


def test_the_touch_up_form_pre_selects_nothing_without_a_vial_of_the_patients_own(
    injector, injector_client, patient, other
):
    """Treated three days ago (its vial long past use-by): the clinic's vials, one of
    them another patient's, are not chosen for the injector."""
    then = timezone.now() - datetime.timedelta(days=3)
    old = make_vial(by=injector, at=then - datetime.timedelta(minutes=10))
    chart = charted_treatment(patient=patient, injector=injector, vial=old, started_at=then)
    sign_treatment(treatment=chart, by=injector, password=PASSWORD, now=then)
    review = open_review(treatment=chart, by=injector, on=two_weeks_after(chart))
    b_vial = make_vial(by=injector)
    charted_treatment(patient=other, injector=injector, vial=b_vial)
    unused = make_vial(by=injector)
    response = injector_client.get(reverse("reviews:touch_up", args=[review.pk]))
    assert [v.pk for v in response.context["vials"]] == [unused.pk]
    assert response.context["default_vial"] is None
    page = response.content.decode()
    assert (
        f'<option value="{unused.pk}">' in page
        and " selected>" not in page.split('id="id_vial"')[1].split("</select>")[0]
    )


# The admin and the demo


def test_injections_are_not_editable_in_the_admin():
    assert Injection not in admin.site._registry
    assert Treatment not in admin.site._registry


def test_the_demo_draws_no_vial_into_two_patients():
    call_command("seed_demo", verbosity=0)
    shared = (
        Injection.objects.values("vial")
        .annotate(patients=Count("treatment__visit__patient", distinct=True))
        .filter(patients__gt=1)
    )
    assert Injection.objects.filter(vial__isnull=False).count() > 10
    assert list(shared) == []


def _ids(treatment) -> list[int]:
    return list(treatment.injections.values_list("pk", flat=True))
