"""The contraindication rules of planning/screening.py, one by one."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from planning.choices import Outcome, VisitKind, VisitStatus
from planning.models import Product, Screening
from planning.screening import (
    QUESTIONS,
    acknowledge,
    blocks_for_product,
    confirm_no_change,
    evaluate,
    last_toxin_date,
    screening_state,
)
from tests.factories import ALL_NO, PatientFactory, make_visit, screen

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)
BLOCKS = [q.code for q in QUESTIONS if q.level == "block" and not q.products]
WARNS = [q.code for q in QUESTIONS if q.level == "warn"]


def answers(*yes):
    return {**ALL_NO, **dict.fromkeys(yes, True)}


def test_all_no_is_clear(patient):
    result = evaluate(answers=answers(), patient=patient, on=TODAY)
    assert result.outcome == Outcome.CLEAR
    assert result.findings == []


@pytest.mark.parametrize("code", BLOCKS)
def test_each_block_answer_blocks(patient, code):
    result = evaluate(answers=answers(code), patient=patient, on=TODAY)
    assert result.outcome == Outcome.BLOCK
    assert [f.code for f in result.findings] == [code]
    assert result.findings[0].source == "label"


def test_the_block_answers_are_the_label_ones():
    assert set(BLOCKS) == {"toxin_hypersensitivity", "infection_at_site"}


@pytest.mark.parametrize("code", WARNS)
def test_each_warn_answer_warns(patient, code):
    result = evaluate(answers=answers(code), patient=patient, on=TODAY)
    assert result.outcome == Outcome.WARN
    assert [(f.code, f.level) for f in result.findings] == [(code, "warn")]


def test_practice_warnings_say_so(patient):
    result = evaluate(answers=answers("keloids", "body_image_concern"), patient=patient, on=TODAY)
    assert {f.source for f in result.findings} == {"practice"}


def test_a_block_outranks_warnings(patient):
    result = evaluate(
        answers=answers("pregnant_or_breastfeeding", "infection_at_site"), patient=patient, on=TODAY
    )
    assert result.outcome == Outcome.BLOCK


def test_info_answers_neither_warn_nor_block(patient):
    result = evaluate(answers=answers("prior_filler"), patient=patient, on=TODAY)
    assert result.outcome == Outcome.CLEAR
    assert [f.level for f in result.findings] == ["info"]


def test_cows_milk_allergy_blocks_dysport_only(patient):
    dysport = Product.objects.get(code="dysport")
    botox = Product.objects.get(code="botox-cosmetic")
    milk = answers("cows_milk_allergy")
    assert evaluate(answers=milk, patient=patient, on=TODAY, product=dysport).outcome == "block"
    assert evaluate(answers=milk, patient=patient, on=TODAY, product=botox).outcome == "clear"
    # Product not chosen yet: the visit is not blocked, the restriction is listed.
    unknown = evaluate(answers=milk, patient=patient, on=TODAY)
    assert unknown.outcome == Outcome.CLEAR
    assert unknown.findings[0].products == ("dysport",)


def test_blocks_for_product_on_a_stored_screening(patient, injector):
    visit = make_visit(patient=patient, injector=injector)
    screening = screen(visit, injector, yes=["cows_milk_allergy"])
    dysport = Product.objects.get(code="dysport")
    xeomin = Product.objects.get(code="xeomin")
    assert [f["code"] for f in blocks_for_product(screening=screening, product=dysport)] == [
        "cows_milk_allergy"
    ]
    assert blocks_for_product(screening=screening, product=xeomin) == []
    state = screening_state(visit=visit)
    assert not state.blocked
    assert [f["code"] for f in state.restrictions] == ["cows_milk_allergy"]


def assert_found_today_only(patient, outcome, code, words):
    """All answers no: TODAY the one finding is ``code`` (its message says ``words``)
    with ``outcome``; the day after, the screening is clear."""
    result = evaluate(answers=answers(), patient=patient, on=TODAY)
    assert result.outcome == outcome
    assert [f.code for f in result.findings] == [code]
    assert words in result.findings[0].message
    later = evaluate(answers=answers(), patient=patient, on=TODAY + datetime.timedelta(days=1))
    assert later.outcome == Outcome.CLEAR


def test_under_18_from_date_of_birth():
    minor = PatientFactory(date_of_birth=datetime.date(2008, 6, 2))  # 18 tomorrow
    assert_found_today_only(minor, Outcome.BLOCK, "under_18", "Age 17")


def test_toxin_within_90_days_from_our_own_records(patient, injector):
    treated = make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT)
    treated.date = TODAY - datetime.timedelta(days=89)
    treated.save()
    # Day 90 (tomorrow) is outside the window.
    assert_found_today_only(patient, Outcome.WARN, "toxin_in_our_records", "89 days ago")


def test_last_toxin_date_ignores_consultations_cancelled_and_later_visits(patient, injector):
    def visit(days_before, kind, status=VisitStatus.COMPLETED):
        v = make_visit(patient=patient, injector=injector, kind=kind, status=status)
        v.date = TODAY - datetime.timedelta(days=days_before)
        v.save()

    visit(10, VisitKind.CONSULTATION)
    visit(20, VisitKind.TREATMENT, VisitStatus.CANCELLED)
    visit(-5, VisitKind.TREATMENT)  # after the day asked about
    assert last_toxin_date(patient=patient, before=TODAY) is None
    visit(120, VisitKind.TREATMENT)
    visit(60, VisitKind.TREATMENT)
    assert last_toxin_date(patient=patient, before=TODAY) == TODAY - datetime.timedelta(days=60)
    other = PatientFactory()
    assert last_toxin_date(patient=other, before=TODAY) is None


def test_record_screening_stores_outcome_findings_and_who(patient, injector):
    visit = make_visit(patient=patient, injector=injector)
    screening = screen(visit, injector, yes=["neuromuscular_disease"], medicines="none")
    screening.refresh_from_db()
    assert screening.outcome == Outcome.WARN
    assert screening.answered_by == injector
    assert screening.findings[0]["code"] == "neuromuscular_disease"
    assert screening.answers["neuromuscular_disease"] is True
    assert not screening.allows_planning


def test_acknowledgment_records_who_and_when_and_needs_a_note(patient, injector):
    visit = make_visit(patient=patient, injector=injector)
    screening = screen(visit, injector, yes=["existing_ptosis"])
    with pytest.raises(ValidationError):
        acknowledge(screening=screening, by=injector, note="   ")
    acknowledge(screening=screening, by=injector, note="Mild ptosis documented; low dose.")
    screening.refresh_from_db()
    assert screening.acknowledged_by == injector
    assert screening.acknowledged_at is not None
    assert screening.allows_planning


def test_a_blocked_screening_cannot_be_acknowledged_into_planning(patient, injector):
    visit = make_visit(patient=patient, injector=injector)
    screening = screen(visit, injector, yes=["toxin_hypersensitivity", "keloids"])
    with pytest.raises(ValidationError):
        acknowledge(screening=screening, by=injector, note="Go ahead")
    assert not screening.allows_planning


def test_a_new_screening_clears_a_block(patient, injector):
    visit = make_visit(patient=patient, injector=injector)
    first = screen(visit, injector, yes=["infection_at_site"])
    assert screening_state(visit=visit).blocked
    screen(visit, injector, at=first.answered_at + datetime.timedelta(hours=1))
    state = screening_state(visit=visit)
    assert not state.blocked and state.allows_planning


def test_an_older_screening_is_not_reused_silently(patient, injector):
    before = make_visit(patient=patient, injector=injector, days_ago=30)
    old = screen(before, injector, yes=["prior_facial_surgery"])
    today = make_visit(patient=patient, injector=injector)
    state = screening_state(visit=today)
    assert state.needs_screening and state.previous == old
    assert not state.allows_exam
    confirmed = confirm_no_change(visit=today, by=injector, previous=old)
    assert confirmed.confirms == old
    assert confirmed.visit == today
    assert confirmed.answers == old.answers
    state = screening_state(visit=today)
    assert state.current == confirmed and state.needs_acknowledgment


def test_confirming_reruns_the_rules_for_today(patient, injector):
    before = make_visit(patient=patient, injector=injector, days_ago=30, kind=VisitKind.TREATMENT)
    old = screen(before, injector)
    assert old.outcome == Outcome.CLEAR
    today = make_visit(patient=patient, injector=injector)
    confirmed = confirm_no_change(visit=today, by=injector, previous=old)
    # The treatment 30 days ago is now inside the 90-day window.
    assert confirmed.outcome == Outcome.WARN
    assert [f["code"] for f in confirmed.findings] == ["toxin_in_our_records"]


def test_a_screening_of_another_patient_cannot_be_confirmed(patient, injector):
    stranger_visit = make_visit(patient=PatientFactory(), injector=injector, days_ago=3)
    foreign = screen(stranger_visit, injector)
    visit = make_visit(patient=patient, injector=injector)
    with pytest.raises(ValidationError):
        confirm_no_change(visit=visit, by=injector, previous=foreign)
    assert not Screening.objects.filter(visit=visit).exists()


def test_missing_answers_are_refused(patient):
    incomplete = dict(ALL_NO)
    incomplete.pop("infection_at_site")
    with pytest.raises(ValueError, match="infection_at_site"):
        evaluate(answers=incomplete, patient=patient, on=TODAY)
