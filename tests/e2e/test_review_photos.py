"""Review photos in a real browser at 1180 × 820 (issue 17, findings 5 and 6).

Doors of the photo rule (``planning.photos.photo_refusal``) used here: the photo
page reached from the review's "Take review photos", and ``store_photo`` (the
factories' door). The comparison page shows whole photos at one scale."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from charting.reviews.review import open_review
from charting.signing import sign_treatment
from planning.models import Expression
from tests.factories import PASSWORD, charted_treatment, make_photo
from tests.factories.reviews import two_weeks_after

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RED, BLUE, GREY = (220, 20, 20), (20, 20, 220), (128, 128, 128)
PORTRAIT = (600, 800)  # 3:4, as a tablet's camera held upright takes it


def portrait_jpeg(*, orientation_tag: bool) -> bytes:
    """A portrait photo, red across the top (forehead) and blue across the bottom
    (chin). With ``orientation_tag`` the pixels are stored lying on their side and
    an EXIF orientation of 6 says to turn them upright, as cameras do."""
    image = Image.new("RGB", PORTRAIT, GREY)
    image.paste(RED, (0, 0, PORTRAIT[0], 80))
    image.paste(BLUE, (0, PORTRAIT[1] - 80, PORTRAIT[0], PORTRAIT[1]))
    exif = Image.Exif()
    if orientation_tag:
        image = image.transpose(Image.Transpose.ROTATE_90)  # lying: 800 × 600
        exif[0x0112] = 6  # Orientation: rotate 90° clockwise to show
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92, exif=exif)
    return out.getvalue()


@pytest.fixture
def review(patient, injector):
    """A signed treatment with its baseline frown photo (taken before signing, with
    an EXIF orientation tag) and its review opened at two weeks."""
    treatment = charted_treatment(patient=patient, injector=injector)
    frown = Expression.objects.get(code="FROWN")
    make_photo(visit=treatment.visit, data=portrait_jpeg(orientation_tag=True), expression=frown)
    treatment = sign_treatment(treatment=treatment, by=injector, password=PASSWORD).treatment
    return open_review(treatment=treatment, by=injector, on=two_weeks_after(treatment))


def near(pixel, colour) -> bool:
    return all(abs(a - b) < 60 for a, b in zip(pixel[:3], colour, strict=True))


def test_review_photos_need_no_new_screening_and_lead_back_in_one_tap(page, review, injector):
    login(page, injector.email, PASSWORD)
    page.goto(f"/reviews/{review.pk}/photos/")
    page.get_by_test_id("take-review-photos").tap()
    page.wait_for_url("**/photos/?back=review")
    # No screening of the review visit is asked for: the form is there.
    expect(page.get_by_test_id("photo-form")).to_be_visible()
    assert page.get_by_test_id("screening-missing").count() == 0
    page.get_by_label("Expression").select_option(label="Frown")
    page.get_by_test_id("photo-input").set_input_files(
        {
            "name": "review.jpg",
            "mimeType": "image/jpeg",
            "buffer": portrait_jpeg(orientation_tag=False),
        }
    )
    with page.expect_navigation():
        page.get_by_test_id("upload-photos").tap()
    page.get_by_text("1 photo saved").wait_for()
    assert page.url.endswith("/photos/?back=review")
    page.get_by_test_id("back-to-review").tap()  # one tap back
    page.wait_for_url(f"**/reviews/{review.pk}/photos/")
    expect(page.get_by_test_id("compare-FROWN").get_by_test_id("review-photo")).to_be_visible()


def test_comparison_shows_whole_portrait_photos_at_one_scale(page, review, injector):
    frown = Expression.objects.get(code="FROWN")
    make_photo(visit=review.visit, data=portrait_jpeg(orientation_tag=False), expression=frown)
    login(page, injector.email, PASSWORD)
    page.goto(f"/reviews/{review.pk}/photos/")
    compare = page.get_by_test_id("compare-FROWN")
    photos = [compare.get_by_test_id(n) for n in ("baseline-photo", "review-photo")]
    for img in photos:  # the baseline has the EXIF tag, the review photo none
        img.evaluate("img => img.decode()")
        natural = img.evaluate("img => [img.naturalWidth, img.naturalHeight]")
        assert natural[0] / natural[1] == pytest.approx(3 / 4, abs=0.01)  # stored upright
    baseline, review_box = (img.bounding_box() for img in photos)  # before any scrolling
    for box in (baseline, review_box):
        # The drawn box has the photo's own aspect: portrait stays portrait.
        assert box["width"] / box["height"] == pytest.approx(3 / 4, abs=0.02), box
    assert baseline["height"] == pytest.approx(review_box["height"], abs=1)  # one scale
    assert baseline["y"] == pytest.approx(review_box["y"], abs=1)  # aligned
    for img in photos:
        shot = Image.open(io.BytesIO(img.screenshot())).convert("RGB")
        middle = shot.width // 2
        # Whole: the forehead's band at the top and the chin's at the bottom are shown.
        assert near(shot.getpixel((middle, 3)), RED)
        assert near(shot.getpixel((middle, shot.height - 4)), BLUE)
