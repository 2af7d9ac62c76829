"""The complete medico-legal record of one patient, and the patient's own copy.

Built on the treatment history (``reports.patient_history.build_history``: screening,
movement map, plans, signed treatments with lots, dilution, departures and addenda,
reviews with findings and touch-ups), to which each visit adds:

- its consents, each with the exact text version shown, the signature as drawn, the
  witness and any withdrawal;
- its photos as thumbnails; at a review, the baseline (the treated visit's photos)
  and the review's side by side, paired by expression and moment;
- a verification statement per signed record (treatment, touch-up): the content hash
  checked by ``charting.seal`` (the one implementation; the treatment's check is made
  in ``reports.treatments.summary``), verifies or does NOT verify;
- optionally (the complete record only) the record's audit trail: who opened or
  changed it, when.

The patient's copy (right of access) is the same record in a plain layout, without
the audit trail, and with the patient's summary in plain words under each visit that
has a signed treatment or a final plan (``reports.patient_summary.build_summary``, the
one builder of the summary: per muscle, per side, the reasons, what is kept, the
timeline). The medico-legal record never holds the summaries. Every section is
printed only when it has content.

Queries: those of ``build_history`` plus consents (1), photos (1), the audit trail
(1, when asked): constant in the number of visits. The patient's copy adds the
summaries' queries per treated visit (``build_summary`` is per visit).
"""

from __future__ import annotations

import base64
from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone

from audit.models import AuditEvent
from charting.models import Consent
from clinic.models import Patient
from planning.asymmetry import SCALE_SENTENCE, readings
from planning.models import Photo
from planning.photos import open_photo

from .errors import ReportRefused
from .patient_history import build_history
from .patient_summary import build_summary

NO_VISITS = "This patient has no visits: there is no record to print."

VERIFIES = "Verified: the content hash of this signed record matches what was signed."
UNKEYED = (
    "Verified with the old unkeyed format: the content hash matches what was signed, "
    "but anyone who could write the database could have recomputed it."
)
DOES_NOT_VERIFY = (
    "DOES NOT VERIFY: the content hash of this signed record does not match what was "
    "signed; the stored record was changed after signing. Do not rely on it."
)


@dataclass
class Verification:
    what: str  # "Treatment of Mar 3, 2026, signed by …"
    ok: bool
    statement: str


@dataclass
class PhotoPair:
    label: str
    baseline: str | None  # data URL of the thumbnail
    review: str | None


def _data_url(content: bytes, content_type: str = "image/jpeg") -> str:
    return f"data:{content_type};base64," + base64.b64encode(bytes(content)).decode("ascii")


def _thumbnail(photo: Photo) -> str | None:
    """The stored thumbnail (cleaned JPEG, no metadata) embedded in the PDF, or None
    when its file is missing (the record says so rather than failing)."""
    try:
        with open_photo(photo, thumbnail=True) as stored:
            return _data_url(stored.read())
    except (FileNotFoundError, OSError):
        return None


def _photo_label(photo: Photo) -> str:
    parts = [photo.expression.name if photo.expression_id else "Photo"]
    if photo.moment:
        parts.append(photo.get_moment_display().lower())
    if photo.source_note:  # e.g. the demo's test portrait: said where it comes from
        parts.append(photo.source_note)
    return " · ".join(parts)


def _pairs(baseline: list[Photo], review: list[Photo]) -> list[PhotoPair]:
    """Baseline and review photos side by side, paired by expression and moment (in
    the order taken); an unpaired photo has an empty cell beside it."""
    pairs: list[PhotoPair] = []
    waiting: dict[tuple, list[Photo]] = defaultdict(list)
    for photo in review:
        waiting[(photo.expression_id, photo.moment)].append(photo)
    for photo in baseline:
        match = waiting[(photo.expression_id, photo.moment)]
        other = match.pop(0) if match else None
        pairs.append(
            PhotoPair(_photo_label(photo), _thumbnail(photo), _thumbnail(other) if other else None)
        )
    for left in waiting.values():
        pairs.extend(PhotoPair(_photo_label(p), None, _thumbnail(p)) for p in left)
    return pairs


def _verification(label: str, ok: bool | None, unkeyed: bool = False) -> Verification | None:
    if ok is None:
        return None
    statement = (UNKEYED if unkeyed else VERIFIES) if ok else DOES_NOT_VERIFY
    return Verification(what=label, ok=ok, statement=statement)


def _verifications(entry) -> list[Verification]:
    """A statement per signed record of the visit: its treatment and its touch-up
    (both checked by ``charting.seal`` while the history was built)."""
    found = []
    t = entry.treatment
    if t:
        treatment = t["treatment"]
        found.append(
            _verification(
                f"Treatment of {entry.visit.date:%b %-d, %Y}, signed by {treatment.signed_by} "
                f"at {timezone.localtime(treatment.signed_at):%b %-d, %Y %H:%M}",
                t["seal_ok"],
                t["seal_unkeyed"],
            )
        )
    r = entry.review
    if r and r["touch_up"] is not None:
        touch_up = r["touch_up"]
        found.append(
            _verification(
                f"Touch-up at the review of {r['review'].visit.date:%b %-d, %Y}, signed by "
                f"{touch_up.signed_by}",
                r["touch_up_seal_ok"],
            )
        )
    return [v for v in found if v is not None]


def _explained(entry) -> bool:
    """A visit the patient's summary explains: a signed treatment or a final plan."""
    return bool(entry.treatment) or any(item["plan"].is_final for item in entry.plans)


def _summary(entry):
    """The patient's summary of the visit (``build_summary``), or None when it has
    nothing to explain."""
    if not _explained(entry):
        return None
    try:
        return build_summary(visit=entry.visit)
    except ReportRefused:
        return None


def build_record(*, patient: Patient, plain: bool = False, audit_trail: bool = False) -> dict:
    """The context of templates/pdf/record.html (``plain``: the patient's copy, which
    never has the audit trail)."""
    context = build_history(patient=patient)
    entries = context["visits"]
    if not entries:
        raise ReportRefused(NO_VISITS)
    visit_ids = [e.visit.pk for e in entries]
    consents: dict[int, list] = defaultdict(list)
    for consent in (
        Consent.objects.filter(visit_id__in=visit_ids)
        .select_related("consent_text", "witnessed_by", "withdrawn_by")
        .order_by("signed_at", "id")
    ):
        consent.paragraphs = [p.strip() for p in consent.text_shown.split("\n\n") if p.strip()]
        consent.signature = _data_url(consent.signature_png, "image/png")
        consents[consent.visit_id].append(consent)
    photos: dict[int, list[Photo]] = defaultdict(list)
    review_visit_ids = {e.review["review"].visit_id for e in entries if e.review}
    for photo in (
        Photo.objects.filter(visit_id__in=[*visit_ids, *review_visit_ids])
        .select_related("expression", "measurement")
        .order_by("uploaded_at", "id")
    ):
        photos[photo.visit_id].append(photo)
    # What was measured on them (issue 21), per visit, before the pairs take them.
    measured = {visit_id: readings(found) for visit_id, found in photos.items()}
    for entry in entries:  # first the reviews: their visits' photos go beside the baseline
        entry.photo_pairs = []
        if entry.review:
            review_visit = entry.review["review"].visit_id
            entry.photo_pairs = _pairs(photos.get(entry.visit.pk, []), photos.pop(review_visit, []))
            photos.pop(entry.visit.pk, None)
    for entry in entries:
        entry.consents = consents.get(entry.visit.pk, [])
        entry.summary = _summary(entry) if plain else None
        entry.verifications = _verifications(entry)
        entry.photos = [
            PhotoPair(_photo_label(p), _thumbnail(p), None) for p in photos.get(entry.visit.pk, [])
        ]
        review_visit = entry.review["review"].visit_id if entry.review else None
        entry.measured = [
            (when, reading)
            for when, visit_id in (("", entry.visit.pk), ("At the review: ", review_visit))
            for reading in measured.get(visit_id, [])
            if reading.differences or reading.notes
        ]
        entry.has_content = any(
            (
                entry.consents,
                entry.screening,
                entry.map_rows,
                entry.plans,
                entry.treatment,
                entry.unsigned_treatment,
                entry.review,
                entry.photo_pairs,
                entry.photos,
                entry.measured,
                entry.touch_up_of,
            )
        )
    trail = []
    if audit_trail and not plain:
        trail = list(
            AuditEvent.objects.for_patient(patient.pk).select_related("actor").order_by("seq")
        )
    return {
        **context,
        "plain": plain,
        # the measurements' caveat, in every part that prints one (the same on every
        # read and in a helper worker's build: it is in the parts' keys)
        "scale_sentence": SCALE_SENTENCE,
        "audit_trail": trail,
        "with_audit_trail": audit_trail and not plain,
    }
