""" "What if I dislike an effect?" answered from the cycle's review (issue 20): a table
of stored findings → the sentence the patient reads, and the summary of a reviewed
treatment saying it (doors: the summary page and PDF, which share ``build_summary``;
the email is sent at signing, before any review)."""

from __future__ import annotations

import pytest

from charting.reports.patient_summary import Wording, build_summary
from charting.reports.review_answer import Seen, dislike_answer, review_sentences
from tests.factories import make_vial, signed_treatment
from tests.factories.reviews import graded_review, touched_up_review

pytestmark = pytest.mark.django_db

NEXT = "about the next date"
TABLE = [
    pytest.param(
        [Seen("CORR", "R", 2), Seen("CORR", "L", 0), Seen("PROC", "C", 0)],
        [
            "At your review your right frown muscle still moved; your next treatment adds units "
            "on that side."
        ],
        id="one side still moves",
    ),
    pytest.param(
        [Seen("FRONT", "R", 3), Seen("FRONT", "L", 1)],
        [
            "At your review your right forehead muscle still moved; your next treatment adds "
            "units on that side."
        ],
        id="the right brow still moved",
    ),
    pytest.param(
        [Seen("CORR", "R", 0), Seen("CORR", "L", 2, topped_up=True)],
        [
            "At your review your left frown muscle still moved and had a top-up; your next "
            "treatment starts from those units with the top-up on that side."
        ],
        id="touched up",
    ),
    pytest.param(
        [Seen("CORR", "R", 2), Seen("CORR", "L", 3)],
        [
            "At your review your frown muscle still moved on both sides; your next treatment "
            "adds units on both sides."
        ],
        id="both sides",
    ),
    pytest.param(
        [Seen("PROC", "C", 2)],
        [
            "At your review your muscle between the brows still moved; your next treatment adds "
            "units to it."
        ],
        id="midline",
    ),
    pytest.param(
        [Seen("CORR", "R", 1), Seen("CORR", "L", 0), Seen("PROC", "C", 1)],
        [
            "At your review the treated muscles had relaxed as planned; your next treatment "
            "keeps the same units unless you tell us otherwise."
        ],
        id="settled",
    ),
    pytest.param(
        [Seen("CORR", "L", 2), Seen("CORR", "R", 0), Seen("OOC", "L", 2), Seen("OOC", "R", 2)],
        [
            "At your review your left frown muscle still moved; your next treatment adds "
            "units on that side.",
            "At your review your muscle around the eye still moved on both sides; your next "
            "treatment adds units on both sides.",
        ],
        id="two muscles, right before left",
    ),
]


@pytest.mark.parametrize(("findings", "sentences"), TABLE)
def test_the_review_findings_say_how_the_next_treatment_changes(findings, sentences):
    wording = Wording(rows=[])  # the shipped defaults
    assert review_sentences(findings, wording=wording) == sentences
    answer = dislike_answer(findings=findings, wording=wording, review_date="r", next_date=NEXT)
    assert answer.startswith(sentences[0]) and answer.endswith(f"from about {NEXT}.")


def test_without_a_review_the_general_answer_stays():
    answer = dislike_answer(
        findings=None, wording=Wording(rows=[]), review_date="R", next_date=NEXT
    )
    assert answer.startswith("Tell us at your review on R, or call us.")


def test_a_reviewed_treatment_summary_answers_from_its_findings(patient, injector):
    treatment = signed_treatment(patient=patient, injector=injector)
    general = dict(build_summary(visit=treatment.visit).questions)["What if I dislike an effect?"]
    assert general.startswith("Tell us at your review")
    graded_review(treatment=treatment, injector=injector)  # left corrugator 2, the rest 0
    answer = dict(build_summary(visit=treatment.visit).questions)["What if I dislike an effect?"]
    assert answer.startswith(
        "At your review your left frown muscle still moved; your next treatment adds units on "
        "that side."
    )


def test_a_touch_up_at_the_review_is_said(patient, injector):
    treatment = signed_treatment(patient=patient, injector=injector)
    vial = make_vial(by=injector, product=treatment.product)
    touched_up_review(treatment=treatment, injector=injector, vial=vial)
    answer = dict(build_summary(visit=treatment.visit).questions)["What if I dislike an effect?"]
    assert "your left frown muscle still moved and had a top-up" in answer
