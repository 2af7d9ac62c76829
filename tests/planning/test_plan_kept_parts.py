"""A read-only plan's kept parts (``{% kept %}``: clinic.fragments.kept_part, issue 22,
fourteenth session): its bar, diagram, panel and point table drawn once per process
from plain values and kept, the dose checks still computed on every view.

Doors of the rule "a kept part is what the page drawn from its rows would show": the
plan page (GET, a second read from the kept copy, ``?aids=1``), a second tab (the same
plan read again), another record changing the plan's dose checks (a later final plan of
the same ingredient), reference data changed under it (the product's name, renamed in
the database as the admin's save or any other door would leave the row),
and a plan with typed text in its drawn parts (a kept segment's reason: never kept). A
page that can change (a draft, a refused save) is drawn from its rows every time."""

import re
from decimal import Decimal

import pytest
from django.template import engines
from django.utils import timezone

from clinic import fragments
from planning.choices import PlanStatus, VisitKind
from planning.keeps import keep_segment
from planning.models import Muscle, Product, TreatmentPlan
from planning.views.plan_page import PlanShown, ProductShown
from tests.factories import GLABELLAR, make_plan, make_visit
from tests.hostile import ATTRIBUTE, SCRIPT, assert_shown_as_text

pytestmark = pytest.mark.django_db

# What differs between two reads of any page: the tokens, the nonces, the session's clock.
TOKEN = re.compile(r'(csrfmiddlewaretoken" value|data-csrf|nonce|data-session-[a-z-]+)="[^"]*"')


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return TOKEN.sub("csrf", response.content.decode())


def _final_plan(patient, injector, points=GLABELLAR, days_ago=0):
    visit = make_visit(
        patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True,
        days_ago=days_ago,
    )  # fmt: skip
    return make_plan(visit=visit, by=injector, points=points, final=True)


def test_a_kept_plan_page_is_the_page_drawn_from_its_rows(injector_client, injector, patient):
    """The kept parts equal what the rows draw, on the first read, the second (kept)
    and with the planning aids shown. Seen red with the stand-in's version one more
    than the plan's (the kept bar said version 2 where the rows say 1)."""
    plan = _final_plan(patient, injector)
    url = plan.get_absolute_url()
    fragments.kept_part.cache_clear()
    first = _page(injector_client, url)
    response = injector_client.get(url)
    assert response.context["keep_parts"] is True
    assert fragments.kept_part.cache_info().hits == 3  # bar, diagram and panel, table
    second = TOKEN.sub("csrf", response.content.decode())
    with fragments.drawn_from_rows():
        from_rows = _page(injector_client, url)
        aids_from_rows = _page(injector_client, url + "?aids=1")
    assert first == second == from_rows
    assert _page(injector_client, url + "?aids=1") == aids_from_rows
    for shown in (
        'data-testid="plan-status">Final</span>',
        'data-testid="plan-total">20 U',
        'data-testid="points-table"',
        f'href="/planning/visits/{plan.visit_id}/plan/?new=1"',
        "Final plan: read only.",
    ):
        assert shown in second


def test_a_kept_plan_shows_what_changed_around_it(injector_client, injector, patient):
    """Never stale: another final plan of the same ingredient on the same day adds a
    dose check to this one (the ceiling's window), and the product renamed in the
    database (as the admin's save leaves the row; no signal is relied on) renames it in
    the plan bar and the panel: each is another kept part. Seen
    red with the parts kept by their place in the template alone, not their values
    (the new finding was not shown)."""
    plan = _final_plan(patient, injector)
    url = plan.get_absolute_url()
    before = _page(injector_client, url)
    codes = set(re.findall(r'data-code="([^"]+)"', before))
    other = make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT)
    make_plan(visit=other, by=injector, points=[("MASS", "L", 100), ("MASS", "R", 100)] * 2,
              final=True)  # fmt: skip
    after = _page(injector_client, url)
    with fragments.drawn_from_rows():
        assert after == _page(injector_client, url)
    assert set(re.findall(r'data-code="([^"]+)"', after)) - codes  # a new finding
    Product.objects.filter(pk=plan.product_id).update(brand=SCRIPT)
    renamed = _page(injector_client, url)
    assert_shown_as_text(renamed, SCRIPT)
    assert renamed.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 2  # bar and panel


def test_a_plan_with_typed_text_in_its_diagram_is_drawn_every_time(
    injector_client, injector, patient
):
    """A kept segment's reason is typed text, drawn in the diagram: such a plan's parts
    are never kept (no patient text is kept in a process); the reason is escaped."""
    visit = make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True)
    plan = make_plan(visit=visit, by=injector, points=GLABELLAR)
    keep_segment(
        plan=plan, muscle=Muscle.objects.get(code="FRONTL"), side="R", reason=ATTRIBUTE,
        by=injector,
    )  # fmt: skip
    TreatmentPlan.objects.filter(pk=plan.pk).update(
        status=PlanStatus.FINAL, finalized_at=timezone.now()
    )
    fragments.kept_part.cache_clear()
    response = injector_client.get(plan.get_absolute_url())
    assert response.context["keep_rows"] is True and response.context["keep_parts"] is False
    assert fragments.kept_part.cache_info().currsize == 0
    html = response.content.decode()
    assert_shown_as_text(html, ATTRIBUTE)
    assert 'data-testid="face-kept"' in html


def test_a_draft_of_a_signed_visit_is_kept_as_the_page_drawn_from_its_rows(
    injector_client, injector, patient
):
    """The other read-only plan: a draft whose visit's treatment is signed (the visit
    locked). Its kept bar says Draft and its diagram "The visit is signed". Seen red
    with the stand-in always final (the kept diagram said "Final plan")."""
    visit = make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True)
    plan = make_plan(visit=visit, by=injector, points=GLABELLAR)
    visit.lock(at=timezone.now())
    url = plan.get_absolute_url()
    fragments.kept_part.cache_clear()
    kept = _page(injector_client, url)
    assert _page(injector_client, url) == kept and fragments.kept_part.cache_info().hits == 3
    with fragments.drawn_from_rows():
        assert _page(injector_client, url) == kept
    assert 'data-testid="plan-status">Draft</span>' in kept
    assert "The visit is signed: read only." in kept and 'data-testid="finalize-plan"' not in kept


def test_a_draft_is_drawn_from_its_rows(injector_client, injector, patient):
    visit = make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True)
    plan = make_plan(visit=visit, by=injector, points=GLABELLAR)
    fragments.kept_part.cache_clear()
    response = injector_client.get(plan.get_absolute_url())
    assert response.context["keep_parts"] is False
    assert fragments.kept_part.cache_info().currsize == 0
    assert 'data-testid="finalize-plan"' in response.content.decode()


def _template(body: str):
    return engines["django"].from_string("{% load kept_parts %}" + body)


PLAN = PlanShown(
    1, 2, ProductShown("Botox", "onabotulinumtoxinA", "100 U + 2.5 mL"), 100, Decimal("2.5"),
    True, "Final", 3,
)  # fmt: skip


def test_a_kept_part_reads_only_its_key():
    """What a kept part reads that its key does not hold is an error, not a blank: a
    name, an attribute of a stand-in; a model row in the key (equal to any row with
    its primary key, whatever it holds) is refused. Not kept, the same block reads the
    page's context. Seen red with the part drawn from a plain ``Context`` (an unknown
    name drew a blank), and with the parts kept by their place alone (v3 for v4)."""
    fragments.kept_part.cache_clear()
    reads_other = _template("{% kept when=True plan=plan %}{{ other }}{% endkept %}")
    with pytest.raises(fragments.PartMissing):
        reads_other.render({"plan": PLAN, "other": "secret"})
    not_kept = _template("{% kept when=keep plan=plan %}{{ other }}{% endkept %}")
    assert not_kept.render({"keep": False, "plan": PLAN, "other": "secret"}) == "secret"
    with pytest.raises(fragments.PartMissing):
        _template("{% kept when=True plan=plan %}{{ plan.notes }}{% endkept %}").render(
            {"plan": PLAN}
        )
    with pytest.raises(TypeError, match="not plain"):
        _template("{% kept when=True plan=plan %}{{ plan.pk }}{% endkept %}").render(
            {"plan": Product(pk=1, brand="Botox")}
        )
    drawn = _template(
        "{% kept when=True plan=plan %}{{ plan.product.brand }} v{{ plan.version }}{% endkept %}"
    )
    assert drawn.render({"plan": PLAN}) == "Botox v3"
    assert drawn.render({"plan": PLAN._replace(version=4)}) == "Botox v4"  # another key
    assert drawn.render({"plan": PLAN}) == "Botox v3"
    assert fragments.kept_part.cache_info().hits == 1
