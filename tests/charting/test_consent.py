"""Consent: the signature image is validated; the consent keeps its text; withdrawal."""

from __future__ import annotations

import pytest
from django.urls import reverse

from charting.consent import clean_signature, withdraw_consent
from charting.errors import ChartingError
from charting.models import Consent, ConsentText
from tests.factories import data_url, make_consent, make_plan, signature_png, treatment_visit

pytestmark = pytest.mark.django_db


def test_a_drawn_signature_is_accepted_and_re_encoded():
    png = clean_signature(data_url(signature_png()))
    assert png.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("", "has not signed"),
        ("data:image/jpeg;base64,AAAA", "not a PNG"),
        ("data:image/png;base64,@@@", "could not be read"),
        ("data:image/png;base64,aGVsbG8=", "could not be read"),
        (data_url(signature_png(strokes=False)), "empty"),
        (data_url(signature_png(size=(120, 40))), "too small"),
    ],
)
def test_blank_tiny_or_broken_signatures_are_refused(value, words):
    with pytest.raises(ChartingError) as refused:
        clean_signature(value)
    assert words in refused.value.message
    assert refused.value.field == "signature"


def test_a_dot_is_not_a_signature():
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (600, 200), (255, 255, 255, 255))
    ImageDraw.Draw(image).ellipse((300, 100, 312, 112), fill=(0, 0, 0, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    with pytest.raises(ChartingError):
        clean_signature(data_url(out.getvalue()))


def test_consent_page_records_the_signed_consent(injector_client, injector, patient):
    visit, plan = treatment_visit(patient=patient, injector=injector)
    url = reverse("charting:consent", args=[visit.pk])
    page = injector_client.get(url).content.decode()
    assert "Corrugator supercilii (Patient&#x27;s R, Patient&#x27;s L)" in page
    response = injector_client.post(
        url, {"signed_name": "Maya Lockwood", "signature": data_url(signature_png())}
    )
    assert response.status_code == 302
    consent = Consent.objects.get(visit=visit)
    assert consent.witnessed_by == injector
    assert consent.text_shown == ConsentText.objects.current().body
    assert "Procerus (Midline)" in consent.areas
    image = injector_client.get(reverse("charting:consent_signature", args=[consent.pk]))
    assert image["Content-Type"] == "image/png" and bytes(consent.signature_png) == image.content


def test_a_blank_signature_is_refused_next_to_the_pad_and_the_name_is_kept(
    injector_client, injector, patient
):
    visit, _ = treatment_visit(patient=patient, injector=injector)
    response = injector_client.post(
        reverse("charting:consent", args=[visit.pk]),
        {"signed_name": "Maya Q. Lockwood", "signature": data_url(signature_png(strokes=False))},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'data-testid="signature-error"' in page and "empty" in page
    assert 'value="Maya Q. Lockwood"' in page
    assert not Consent.objects.exists()


def test_off_label_areas_are_named_in_the_consent(injector, patient):
    visit, glabellar = treatment_visit(patient=patient, injector=injector)
    plan = make_plan(
        visit=visit, by=injector, points=[("MASS", "L", 25), ("CORR", "R", 4)], final=True
    )
    consent = make_consent(visit=visit, plan=plan, by=injector)
    assert "Masseter" in consent.off_label  # masseter is not a labeled cosmetic use
    assert "Corrugator" not in consent.off_label  # glabellar lines are
    assert "Corrugator" in consent.areas


def test_the_consent_keeps_its_text_when_the_admin_edits_it(injector, patient):
    visit, plan = treatment_visit(patient=patient, injector=injector)
    consent = make_consent(visit=visit, plan=plan, by=injector)
    shown = consent.text_shown
    text = ConsentText.objects.current()
    text.body = "Something else entirely."
    text.save()
    consent.refresh_from_db()
    assert consent.text_shown == shown


def test_withdrawal_is_stored_not_deleted_and_a_new_consent_may_follow(injector, patient):
    visit, plan = treatment_visit(patient=patient, injector=injector)
    consent = make_consent(visit=visit, plan=plan, by=injector)
    with pytest.raises(ChartingError, match="already has a consent"):
        make_consent(visit=visit, plan=plan, by=injector)
    with pytest.raises(ChartingError, match="why"):
        withdraw_consent(consent=consent, reason="  ", by=injector)
    withdraw_consent(consent=consent, reason="Patient changed their mind", by=injector)
    consent.refresh_from_db()
    assert consent.withdrawn_at and consent.withdrawal_reason == "Patient changed their mind"
    make_consent(visit=visit, plan=plan, by=injector)
    assert Consent.objects.filter(visit=visit).count() == 2
    assert Consent.objects.filter(visit=visit).in_force().count() == 1


def test_the_front_desk_cannot_see_a_signature(desk_client, injector, patient):
    visit, plan = treatment_visit(patient=patient, injector=injector)
    consent = make_consent(visit=visit, plan=plan, by=injector)
    url = reverse("charting:consent_signature", args=[consent.pk])
    assert desk_client.get(url).status_code == 403


def test_a_signed_consent_cannot_change_or_be_deleted(injector, patient):
    from charting.models import SignedRecordError

    visit, plan = treatment_visit(patient=patient, injector=injector)
    consent = make_consent(visit=visit, plan=plan, by=injector)
    consent.areas = "Something else"
    with pytest.raises(SignedRecordError):
        consent.save()
    with pytest.raises(SignedRecordError):
        Consent.objects.filter(pk=consent.pk).update(signature_png=b"")
    with pytest.raises(SignedRecordError):
        Consent.objects.filter(pk=consent.pk).delete()
    with pytest.raises(SignedRecordError):
        consent.delete()
    consent.refresh_from_db()
    assert "Corrugator" in consent.areas
