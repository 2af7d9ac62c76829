"""The patient summary's sentences: the defaults, the placeholders each may use, and
the one way a sentence is filled.

The clinic edits the sentences in the Django admin (``reports.SummaryWording``);
these defaults are loaded by a migration and stand in for a row that is missing.
A sentence is filled by name only (``{your_side}``): no attribute, index, format
spec or conversion, and only the names its key allows, so a wording can never
reach into an object. The filled text is plain text; the page and the PDF escape it.
"""

from __future__ import annotations

import string

# The kinds of ``models.WordingKind`` (its values; this module sits below the models).
M, S, R, K, Q, A, T = "muscle", "short", "reason", "kept", "question", "answer", "timeline"

# (kind, key) -> default text. Muscles by their code (REFERENCE.md's exam table).
DEFAULTS: dict[tuple[str, str], str] = {
    (M, "FRONT"): "the muscle that lifts your eyebrows and creases your forehead",
    (M, "FRONTL"): "the outer part of the forehead muscle, which lifts the tails of your brows",
    (M, "CORR"): "the muscle that pulls the brows together when you frown",
    (M, "PROC"): "the small muscle between the brows that makes the line across your nose",
    (M, "DSUP"): "the small muscle that pulls the inner brow down",
    (M, "OOC"): "the ring muscle around the eye that makes crow's feet when you smile or squint",
    (M, "NAS"): "the muscle that makes bunny lines when you scrunch your nose",
    (M, "LLSAN"): "the muscle that lifts your upper lip and shows your gums when you smile",
    (M, "ZYG"): "the muscle that pulls your mouth up into a smile",
    (M, "RIS"): "the muscle that pulls the corner of your mouth sideways",
    (M, "OOR"): "the ring muscle of your lips that purses them and makes lip lines",
    (M, "DAO"): "the muscle that pulls the corners of your mouth down",
    (M, "DLI"): "the muscle that pulls your lower lip down",
    (M, "MENT"): "the chin muscle that dimples the chin when you pout",
    (M, "PLAT"): "the thin neck muscle that makes neck bands",
    (M, "MASS"): "the jaw muscle you clench with",
    (M, "DSN"): "the small muscle that pulls the tip of your nose down when you smile",
    (S, "FRONT"): "forehead muscle",
    (S, "FRONTL"): "outer forehead muscle",
    (S, "CORR"): "frown muscle",
    (S, "PROC"): "muscle between the brows",
    (S, "DSUP"): "inner brow muscle",
    (S, "OOC"): "muscle around the eye",
    (S, "NAS"): "nose muscle",
    (S, "LLSAN"): "lip-lifting muscle",
    (S, "ZYG"): "smile muscle",
    (S, "RIS"): "mouth-corner muscle",
    (S, "OOR"): "lip muscle",
    (S, "DAO"): "mouth-corner muscle",
    (S, "DLI"): "lower-lip muscle",
    (S, "MENT"): "chin muscle",
    (S, "PLAT"): "neck muscle",
    (S, "MASS"): "jaw muscle",
    (S, "DSN"): "nose-tip muscle",
    (R, "stronger"): "{Your_side} {short} pulls harder, so it gets {amount} more.",
    (R, "balance"): "{Your_side} gets {amount} more, to even out the two sides.",
    (R, "equal"): "Both sides get the same dose, {units} each.",
    (R, "one_side"): (
        "Only {your_side} is treated: {your_other_side} {short} moves less, so it is left as it is."
    ),
    (R, "one_side_plain"): "Only {your_side} is treated this time.",
    (R, "midline"): "{units} in the middle.",
    (K, "FRONT-lateral"): (
        "The outer part of your forehead muscle is left working, so the tails of your "
        "brows stay lifted."
    ),
    (K, "FRONT"): (
        "Your forehead muscle, which lifts your brows, is not treated, so your brows "
        "move as before."
    ),
    (K, "OOC"): (
        "The muscle around your eyes is not treated this time, so your smile lines stay as "
        "they are."
    ),
    (K, "CORR"): "Your frown muscle is not treated this time, so you can still frown.",
    (Q, "sides"): "How are my stronger and weaker sides dosed?",
    (Q, "brows"): "How is my brow movement kept?",
    (Q, "review"): "When is my review?",
    (Q, "when"): "What should I expect, and when?",
    (Q, "dislike"): "What if I dislike an effect?",
    (A, "sides-even"): (
        "Each treated muscle moves alike on both sides, so both sides get the same dose."
    ),
    (A, "brows-treated"): (
        "Your forehead is treated across its width; at your review on {review_date} we "
        "check that your brows sit where you want them."
    ),
    (A, "review"): (
        "Your review is on {review_date}, about two weeks after your treatment: we check "
        "each side and may add a small top-up where a side still moves."
    ),
    (A, "when"): (
        "The effect starts between {onset_from} and {onset_to}, is near full by your review "
        "on {review_date}, and then lasts {lasts}."
    ),
    (A, "dislike"): (
        "Tell us at your review on {review_date}, or call us. We note what you disliked and "
        "on which side, and change the units of that side at your next treatment, from "
        "about {next_date}."
    ),
    (A, "dislike-moved"): (
        "At your review {your_side} {short} still moved; your next treatment adds units on "
        "that side."
    ),
    (A, "dislike-topped-up"): (
        "At your review {your_side} {short} still moved and had a top-up; your next "
        "treatment starts from those units with the top-up on that side."
    ),
    (A, "dislike-moved-both"): (
        "At your review your {short} still moved on both sides; your next treatment adds "
        "units on both sides."
    ),
    (A, "dislike-moved-middle"): (
        "At your review your {short} still moved; your next treatment adds units to it."
    ),
    (A, "dislike-settled"): (
        "At your review the treated muscles had relaxed as planned; your next treatment "
        "keeps the same units unless you tell us otherwise."
    ),
    (A, "dislike-reviewed"): (
        "If you dislike an effect, call us: we note what and on which side, and change that "
        "side's units at your next treatment, from about {next_date}."
    ),
    (T, "first_48h"): (
        "Stay upright for about four hours, no strenuous exercise until the next day, and no "
        "massage or pressure on the treated areas for about a day. A small bruise, a little "
        "swelling or a headache can happen; they pass in days (paracetamol and ice help)."
    ),
    (T, "onset"): "The effect starts to show.",
    (T, "week2"): "The effect is near full: this is your review.",
    (T, "area"): "{area}: lasts about {lasts}; your next treatment from about {next_date}.",
    (T, "warning"): (
        "Call the clinic at once if an eyelid droops, or if you have trouble swallowing, "
        "speaking or breathing: seek care at once."
    ),
}

SIDE_NAMES = {"your_side", "Your_side", "your_other_side", "short", "amount", "units"}
# The placeholders each key may use; a kind's "*" holds for every key of it.
ALLOWED: dict[tuple[str, str], set[str]] = {
    (R, "stronger"): SIDE_NAMES,
    (R, "balance"): SIDE_NAMES,
    (R, "equal"): SIDE_NAMES,
    (R, "one_side"): SIDE_NAMES,
    (R, "one_side_plain"): SIDE_NAMES,
    (R, "midline"): {"units"},
    (A, "brows-treated"): {"review_date"},
    (A, "review"): {"review_date"},
    (A, "when"): {"review_date", "onset_from", "onset_to", "lasts"},
    (A, "dislike"): {"review_date", "next_date"},
    (A, "dislike-moved"): {"your_side", "short"},
    (A, "dislike-topped-up"): {"your_side", "short"},
    (A, "dislike-moved-both"): {"short"},
    (A, "dislike-moved-middle"): {"short"},
    (A, "dislike-reviewed"): {"next_date"},
    (T, "area"): {"area", "lasts", "next_date"},
}


def placeholders(text: str) -> list[tuple[str, str, str | None]]:
    """The fields of ``text``: (name, format spec, conversion); ValueError when the
    braces do not pair."""
    return [
        (name, spec or "", conversion)
        for _, name, spec, conversion in string.Formatter().parse(text)
        if name is not None
    ]


def check_placeholders(*, kind: str, key: str, text: str) -> str:
    """ "" when ``text`` may stand for (kind, key); else what is wrong, in words."""
    allowed = ALLOWED.get((kind, key), set())
    try:
        fields = placeholders(text)
    except ValueError:
        return "A brace is not closed: write placeholders as {name}, or leave braces out."
    for name, spec, conversion in fields:
        if name not in allowed or spec or conversion:
            names = ", ".join(f"{{{n}}}" for n in sorted(allowed)) or "none"
            return f"Unknown placeholder {{{name}}}. This sentence may use: {names}."
    return ""


def fill(text: str, *, kind: str, key: str, **values: str) -> str:
    """``text`` with its placeholders filled from ``values``; the default sentence
    when the clinic's text cannot be filled (a row edited outside the admin)."""
    if check_placeholders(kind=kind, key=key, text=text):
        text = DEFAULTS.get((kind, key), "")
    return text.format_map({name: values.get(name, "") for name, _, _ in placeholders(text)})
