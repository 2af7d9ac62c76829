"""The guided capture in a real browser: Chromium's fake camera plays a public-domain
portrait (scikit-image's astronaut, NASA), the injector takes a frown at maximum with
the front camera, whose preview is mirrored, and the stored photo is the camera's
own frame, not the mirrored preview: sides stay the patient's own."""

import io

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from planning.models import Expression, Photo
from planning.photos import private_storage
from tests.factories import PASSWORD, make_photo, make_visit

from .conftest import CHROMIUM, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIDE = 512  # the astronaut is 512 × 512
NO_CAMERA = "The camera needs HTTPS or localhost; upload a photo instead."


def portrait() -> np.ndarray:
    from skimage.data import astronaut

    return astronaut()  # RGB, uint8, public domain


def write_y4m(path, rgb: np.ndarray, *, frames: int = 4) -> None:
    """A Y4M (YUV 4:2:0) video of ``frames`` identical frames of ``rgb``; Chromium's
    fake camera loops it."""
    height, width, _ = rgb.shape
    r, g, b = (rgb[..., i].astype(np.float32) for i in range(3))
    y = 0.299 * r + 0.587 * g + 0.114 * b
    u = -0.168736 * r - 0.331264 * g + 0.5 * b + 128
    v = 0.5 * r - 0.418688 * g - 0.081312 * b + 128

    def half(plane):  # 2 × 2 averages: the 4:2:0 chroma
        return plane.reshape(height // 2, 2, width // 2, 2).mean(axis=(1, 3))

    planes = [np.clip(p, 0, 255).round().astype(np.uint8) for p in (y, half(u), half(v))]
    frame = b"FRAME\n" + b"".join(p.tobytes() for p in planes)
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(frame)


def grey(image: Image.Image) -> np.ndarray:
    small = image.convert("L").resize((128, 128), Image.Resampling.BILINEAR)
    values = np.asarray(small, dtype=np.float64).ravel()
    return (values - values.mean()) / values.std()


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(a * b))


@pytest.fixture(scope="module")
def camera_browser(playwright_driver, tmp_path_factory):
    """A Chromium whose camera is the portrait, allowed without asking."""
    video = tmp_path_factory.mktemp("camera") / "astronaut.y4m"
    write_y4m(video, portrait())
    browser = playwright_driver.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    yield browser
    browser.close()


@pytest.fixture
def camera_page(camera_browser, live_server):
    context = camera_browser.new_context(
        base_url=live_server.url, viewport={"width": 1180, "height": 820}, has_touch=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


@pytest.fixture
def visits(patient, injector):
    """Today's screened visit, and an earlier one with the frown at maximum taken."""
    earlier = make_visit(patient=patient, injector=injector, days_ago=90, screened=True)
    frown = Expression.objects.get(code="FROWN")
    ghost = make_photo(visit=earlier, expression=frown, moment="max")
    today = make_visit(patient=patient, injector=injector, screened=True)
    return {"today": today, "earlier": earlier, "ghost": ghost}


def box(locator) -> tuple[int, int, int, int]:
    """Where the element is on the page (not in the viewport: taps scroll)."""
    return tuple(
        locator.evaluate(
            "el => { const r = el.getBoundingClientRect();"
            " return [r.x + scrollX, r.y + scrollY, r.width, r.height].map(Math.round); }"
        )
    )


def test_the_front_camera_is_mirrored_on_screen_and_stored_as_the_camera_sees(
    camera_page, visits, injector
):
    page = camera_page
    visit = visits["today"]
    login(page, injector.email, PASSWORD)
    page.goto(f"/planning/visits/{visit.pk}/photos/")
    page.get_by_test_id("shot-FROWN-max").tap()
    assert page.locator("#id_expression option:checked").inner_text() == "Frown"
    assert page.locator("#id_moment").input_value() == "max"
    # The ghost: the same shot from the earlier visit, its date said beside it.
    ghost = page.get_by_test_id("capture-ghost")
    expect(ghost).to_be_visible()
    expect(ghost).to_have_attribute("data-photo", str(visits["ghost"].pk))
    expect(ghost).to_have_js_property("complete", True)
    assert ghost.evaluate("img => img.naturalWidth") > 0  # served by the photo view
    day = visits["earlier"].date
    expect(page.get_by_test_id("ghost-info")).to_contain_text(f"{day.day} {day:%b %Y}")
    expect(page.get_by_test_id("patient-photos-note")).to_contain_text("not measured per side")
    page.get_by_test_id("ghost-opacity").fill("70")
    assert ghost.evaluate("img => getComputedStyle(img).opacity") == "0.7"

    stage = page.locator("[data-capture-stage]")
    before = box(stage)
    page.get_by_test_id("camera-start").tap()
    expect(page.get_by_test_id("camera-switch")).to_have_text("Front camera")
    layer = page.locator("[data-capture-layer]")
    assert layer.evaluate("el => getComputedStyle(el).transform") == "none"  # rear: as seen
    page.get_by_test_id("camera-switch").tap()  # to the front camera
    expect(page.get_by_test_id("camera-switch")).to_have_text("Rear camera")
    video = page.get_by_test_id("capture-video")
    page.wait_for_function(
        "() => { const v = document.querySelector('[data-capture-video]');"
        " return v.readyState >= 2 && v.videoWidth > 0; }"
    )
    # Mirrored like a mirror on screen, the ghost with it.
    transform = layer.evaluate("el => getComputedStyle(el).transform")
    assert transform.startswith("matrix(-1"), transform
    assert video.evaluate("v => !v.paused")
    for name in ("camera-switch", "capture-take", "ghost-opacity"):
        assert page.get_by_test_id(name).bounding_box()["height"] >= 44, name
    assert box(stage) == before  # no jump as the camera starts

    page.get_by_test_id("capture-take").tap()
    expect(page.get_by_test_id("capture-canvas")).to_be_visible()
    expect(page.get_by_test_id("use-photo")).to_be_visible()
    assert box(stage) == before  # nor as the frame is shown for confirming
    # What the form sends, noted as it is sent (the page's own listener runs first).
    page.locator("[data-capture-form]").evaluate(
        "form => form.addEventListener('submit', () => sessionStorage.setItem('sent',"
        " JSON.stringify([new FormData(form).get('guided'), new FormData(form).getAll('files')"
        ".map(f => [f.name, f.type, f.size > 0])])))"
    )
    with page.expect_navigation():
        page.get_by_test_id("use-photo").tap()
    page.get_by_text("1 photo saved").wait_for()
    sent = page.evaluate("JSON.parse(sessionStorage.getItem('sent'))")
    assert sent == ["1", [["FROWN-max.jpg", "image/jpeg", True]]]  # guided, one frame
    expect(page.get_by_test_id("shot-FROWN-max")).to_have_class(
        "btn btn-outline-secondary shot is-taken"
    )

    photo = Photo.objects.get(visit=visit)
    assert (photo.expression.code, photo.moment) == ("FROWN", "max")
    with private_storage().open(photo.file_name) as fh:
        stored = Image.open(io.BytesIO(fh.read()))
        stored.load()
    source = Image.fromarray(portrait())
    as_seen = correlation(grey(stored), grey(source))
    mirrored = correlation(grey(stored), grey(source.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    # The camera's own frame: close to the portrait, far from its mirror image.
    assert as_seen > 0.9, (as_seen, mirrored)
    assert as_seen > mirrored + 0.3, (as_seen, mirrored)


def test_portrait_tablet_keeps_the_stage_on_screen(camera_page, visits, injector):
    page = camera_page
    page.set_viewport_size({"width": 820, "height": 1180})
    login(page, injector.email, PASSWORD)
    page.goto(f"/planning/visits/{visits['today'].pk}/photos/")
    stage = page.locator("[data-capture-stage]")
    before = box(stage)
    assert before[0] >= 0 and before[0] + before[2] <= 820  # no sideways scroll
    assert before[3] <= 1180 * 0.7  # the controls fit under it
    page.get_by_test_id("camera-start").tap()
    expect(page.get_by_test_id("capture-take")).to_be_visible()
    assert box(stage) == before
    for name in ("capture-take", "camera-switch"):
        assert page.get_by_test_id(name).bounding_box()["height"] >= 44, name
    shot = page.get_by_test_id("shot-SMILE-rest").bounding_box()
    assert shot["height"] >= 44


def test_without_a_camera_the_file_input_is_the_way(camera_page, visits, injector):
    """An insecure context has no navigator.mediaDevices: the page says so in one
    sentence and the file input still uploads."""
    page = camera_page
    page.context.add_init_script("delete Navigator.prototype.mediaDevices;")
    login(page, injector.email, PASSWORD)
    page.goto(f"/planning/visits/{visits['today'].pk}/photos/")
    expect(page.get_by_test_id("capture-status")).to_have_text(NO_CAMERA)
    expect(page.locator("[data-capture-stage]")).to_be_hidden()
    page.get_by_label("Expression").select_option(label="Frown")
    out = io.BytesIO()
    Image.fromarray(portrait()).save(out, format="JPEG")
    page.get_by_test_id("photo-input").set_input_files(
        {"name": "frown.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}
    )
    with page.expect_navigation():
        page.get_by_test_id("upload-photos").tap()
    page.get_by_text("1 photo saved").wait_for()
    assert Photo.objects.filter(visit=visits["today"]).count() == 1
