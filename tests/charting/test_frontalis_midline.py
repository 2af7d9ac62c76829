"""The central frontalis site in the chart: copied from the plan, added at the chair,
and counted in the totals at the midline."""

from decimal import Decimal

import pytest

from charting.chart import ChartErrors, ChartInput, InjectionInput, save_chart
from planning.dosing import totals_by_muscle_side
from planning.models import Muscle
from tests.factories import GLABELLAR, charted_treatment

pytestmark = pytest.mark.django_db

FOREHEAD = [("FRONT", "R", 4), ("FRONT", "R", 4), ("FRONT", "C", 4), ("FRONT", "L", 4)]
FOREHEAD += [("FRONT", "L", 4)]


def _as_charted(treatment) -> ChartInput:
    return ChartInput(
        version=treatment.version,
        rows=[
            InjectionInput(key=f"i{pk}", injection_id=pk, units=str(units), vial_id=vial)
            for pk, units, vial in treatment.injections.values_list("pk", "units", "vial_id")
        ],
    )


def test_the_central_site_is_charted_added_and_totalled(injector, patient):
    treatment = charted_treatment(patient=patient, injector=injector, points=FOREHEAD + GLABELLAR)
    copied = list(treatment.injections.values_list("muscle__code", "side"))
    assert copied.count(("FRONT", "C")) == 1
    vial = treatment.injections.first().vial
    front = Muscle.objects.get(code="FRONT")
    data = _as_charted(treatment)
    data.added = [
        InjectionInput(key="add-0", units="2", muscle_id=front.pk, side="C", vial_id=vial.pk)
    ]
    save_chart(treatment=treatment, data=data, by=injector)
    given = list(treatment.injections.select_related("muscle"))
    assert sorted(i.units for i in given if (i.muscle.code, i.side) == ("FRONT", "C")) == [2, 4]
    frontalis = next(t for t in totals_by_muscle_side(given) if t.muscle.code == "FRONT")
    assert (frontalis.left, frontalis.right, frontalis.centre) == (8, 8, 6)
    assert frontalis.total == Decimal("22") and frontalis.difference == 0


def test_a_midline_point_on_a_muscle_without_one_is_refused(injector, patient):
    treatment = charted_treatment(patient=patient, injector=injector)
    corr = Muscle.objects.get(code="CORR")
    data = _as_charted(treatment)
    data.added = [InjectionInput(key="add-0", units="2", muscle_id=corr.pk, side="C")]
    with pytest.raises(ChartErrors) as refused:
        save_chart(treatment=treatment, data=data, by=injector)
    assert "is charted R/L" in " ".join(refused.value.errors.values())
