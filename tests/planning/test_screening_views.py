"""The screening screen: answers, errors at the field, acknowledgment, 'no change'."""

import html
import re

import pytest
from django.urls import reverse

from planning.models import Observation, Screening
from planning.screening import QUESTIONS
from tests.factories import PatientFactory, make_visit, screen

pytestmark = pytest.mark.django_db


def all_answers(**yes):
    data = {f"q_{q.code}": "no" for q in QUESTIONS}
    data.update({f"q_{code}": "yes" for code in yes})
    return data


@pytest.fixture
def visit(patient, injector):
    return make_visit(patient=patient, injector=injector)


def test_a_clear_screening_is_saved(injector_client, visit, injector):
    url = reverse("planning:screening", args=[visit.pk])
    response = injector_client.post(url, {**all_answers(), "medicines": "None"})
    assert response.status_code == 302
    screening = Screening.objects.get(visit=visit)
    assert screening.outcome == "clear" and screening.answered_by == injector
    page = injector_client.get(url)
    assert "Clear" in page.content.decode()


def outcome_badge(page) -> tuple[list[str], str]:
    """The classes and the text of the page's screening outcome."""
    found = re.search(
        r'<span class="([^"]*)" data-testid="screening-outcome">(.*?)</span>',
        page.content.decode(),
        re.S,
    )
    assert found, "no screening outcome on the page"
    return found.group(1).split(), " ".join(html.unescape(found.group(2)).split())


def test_a_clear_screening_shows_a_green_clear(injector_client, visit, injector):
    screen(visit, injector)
    page = injector_client.get(reverse("planning:screening", args=[visit.pk]))
    classes, text = outcome_badge(page)
    assert text == "Clear" and "text-bg-success" in classes


def test_a_product_blocked_screening_is_not_a_green_clear(injector_client, visit, injector):
    url = reverse("planning:screening", args=[visit.pk])
    response = injector_client.post(url, all_answers(cows_milk_allergy=True), follow=True)
    assert Screening.objects.get(visit=visit).outcome == "clear"  # other products may be used
    classes, text = outcome_badge(response)
    assert "text-bg-success" not in classes and "text-bg-warning" in classes
    assert text == (
        "Clear except for: Dysport — Cow's-milk protein allergy: Dysport "
        "(abobotulinumtoxinA) must not be used."
    )
    said = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert said == [("warning", "Screening saved: Clear except for: Dysport.")]


def test_an_unanswered_question_is_marked_and_nothing_is_lost(injector_client, visit):
    data = all_answers(pregnant_or_breastfeeding=True)
    del data["q_infection_at_site"]
    data["allergies"] = "Penicillin"
    response = injector_client.post(reverse("planning:screening", args=[visit.pk]), data)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["q_infection_at_site"] == ["Answer yes or no."]
    html = response.content.decode()
    assert 'value="Penicillin"' in html
    # The "yes" already given is still checked.
    assert 'id="id_q_pregnant_or_breastfeeding_0" value="yes" checked' in html
    assert not Screening.objects.exists()


def test_an_answer_outside_yes_no_is_refused(injector_client, visit):
    data = all_answers()
    data["q_toxin_hypersensitivity"] = "maybe"
    response = injector_client.post(reverse("planning:screening", args=[visit.pk]), data)
    assert response.status_code == 400
    assert "q_toxin_hypersensitivity" in response.context["form"].errors
    assert not Screening.objects.exists()


def test_a_block_is_shown_on_every_clinical_screen_and_stops_the_exam(
    injector_client, visit, injector
):
    screen(visit, injector, yes=["toxin_hypersensitivity"])
    for name in ("visit_detail", "screening", "movement_map", "photos"):
        response = injector_client.get(reverse(f"planning:{name}", args=[visit.pk]))
        assert response.status_code == 200
        assert "Not treatable today" in response.content.decode(), name
        assert "Hypersensitivity to botulinum toxin" in response.content.decode(), name
    response = injector_client.post(
        reverse("planning:movement_map", args=[visit.pk]), {"g:FROWN.CORR.L": "2"}
    )
    assert response.status_code == 302
    assert not Observation.objects.exists()


def test_warnings_need_a_written_acknowledgment(injector_client, visit, injector):
    screen(visit, injector, yes=["neuromuscular_disease"])
    url = reverse("planning:screening_acknowledge", args=[visit.pk])
    empty = injector_client.post(url, {"note": ""})
    assert empty.status_code == 400
    assert "Write what you discussed" in empty.content.decode()
    response = injector_client.post(url, {"note": "Discussed risks; stable myasthenia."})
    assert response.status_code == 302
    screening = Screening.objects.get(visit=visit)
    assert screening.acknowledged_by == injector and screening.acknowledged_at
    page = injector_client.get(reverse("planning:screening", args=[visit.pk]))
    assert "Acknowledged by" in page.content.decode()


def test_the_earlier_screening_is_offered_for_confirmation(
    injector_client, patient, injector, visit
):
    earlier = make_visit(patient=patient, injector=injector, days_ago=40)
    old = screen(earlier, injector, yes=["keloids"])
    page = injector_client.get(reverse("planning:screening", args=[visit.pk]))
    assert page.context["screening"].previous == old
    assert "cannot be used silently" in page.content.decode()
    response = injector_client.post(
        reverse("planning:screening_confirm", args=[visit.pk]), {"previous": old.pk}
    )
    assert response.status_code == 302
    confirmed = Screening.objects.get(visit=visit)
    assert confirmed.confirms == old and confirmed.answered_by == injector


def test_confirming_another_patients_screening_is_not_found(injector_client, visit, injector):
    other = make_visit(patient=PatientFactory(), injector=injector, days_ago=3)
    foreign = screen(other, injector)
    response = injector_client.post(
        reverse("planning:screening_confirm", args=[visit.pk]), {"previous": foreign.pk}
    )
    assert response.status_code == 404
    assert not Screening.objects.filter(visit=visit).exists()


def test_front_desk_cannot_post_a_screening(desk_client, visit):
    response = desk_client.post(reverse("planning:screening", args=[visit.pk]), all_answers())
    assert response.status_code == 403
    assert not Screening.objects.exists()
