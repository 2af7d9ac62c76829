"""The plan page and its live preview write every text a person typed escaped.

Doors: the draft page (notes, a kept segment's reason, a template's name), the page
after a refused save (the posted notes and acknowledgment, shown back), a final plan's
page (its notes and acknowledgment as text), the live preview (the product's name, as
an admin typed it)."""

import json

import pytest

from planning.choices import VisitKind
from planning.face import default_position
from planning.models import PlanTemplate, Product, TreatmentPlan
from tests.factories import make_plan, make_visit

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script>'
SHOWN = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"


@pytest.fixture
def visit(patient, injector):
    return make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True)


def point(muscle="PROC", side="C", units="4"):
    x, y = default_position("PROC", "C")
    return {"muscle": muscle, "side": side, "units": units, "x": str(x), "y": str(y)}


def test_typed_text_is_escaped_on_a_draft_plan_and_after_a_refused_save(
    injector_client, visit, injector
):
    plan = make_plan(visit=visit, by=injector, points=[("PROC", "C", 4)])
    PlanTemplate.objects.create(name=f"Brow {HOSTILE}", product=plan.product)
    kept = injector_client.post(
        f"/planning/plans/{plan.pk}/keep/",
        {"muscle": "FRONTL", "side": "R", "reason": f"tail {HOSTILE}", "action": "keep"},
    )
    assert kept.status_code == 302
    TreatmentPlan.objects.filter(pk=plan.pk).update(notes=f"Notes {HOSTILE}")

    page = injector_client.get(plan.get_absolute_url()).content.decode()
    assert HOSTILE not in page
    assert f"Brow {SHOWN}" in page  # the templates menu
    assert f"tail {SHOWN}" in page  # the kept segment
    assert f"Notes {SHOWN}</textarea>" in page

    refused = injector_client.post(
        plan.get_absolute_url(),
        {
            "points": json.dumps([point(), point(muscle="NOPE")]),
            "version": TreatmentPlan.objects.get(pk=plan.pk).version,
            "notes": f"Posted {HOSTILE}",
            "acknowledgment": f"Said {HOSTILE}",
            "action": "save",
        },
    )
    assert refused.status_code == 400
    html = refused.content.decode()
    assert HOSTILE not in html
    assert f"Posted {SHOWN}</textarea>" in html
    assert f"Said {SHOWN}</textarea>" in html
    assert "&quot;muscle&quot;: &quot;NOPE&quot;" in html  # the posted points, kept as text


def test_typed_text_is_escaped_on_a_final_plan_and_in_the_preview(injector_client, visit, injector):
    final = make_plan(visit=visit, by=injector, points=[("PROC", "C", 4)], final=True)
    TreatmentPlan.objects.filter(pk=final.pk).update(
        notes=f"Notes {HOSTILE}", acknowledgment=f"Said {HOSTILE}"
    )
    page = injector_client.get(final.get_absolute_url()).content.decode()
    assert HOSTILE not in page
    assert f'<p class="mb-1">Notes {SHOWN}</p>' in page
    assert f"Acknowledged: “Said {SHOWN}”" in page

    draft = make_plan(visit=visit, by=injector, points=[("PROC", "C", 4)])
    Product.objects.filter(pk=draft.product_id).update(brand=f"Brand {HOSTILE}")
    preview = injector_client.post(
        f"/planning/plans/{draft.pk}/preview/",
        {"points": json.dumps([point(muscle=HOSTILE)]), "version": draft.version},
    )
    assert preview.status_code == 200
    panel = preview.content.decode()
    assert 'data-testid="plan-panel"' in panel
    assert HOSTILE not in panel
    assert f"Brand {SHOWN} · " in panel  # a name the admin typed
