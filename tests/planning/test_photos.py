"""Clinical photos: validation, metadata stripped, orientation, private serving."""

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from PIL import Image

from planning.models import Expression, Photo
from planning.photos import MAX_BYTES, clean_image, private_storage
from tests.factories import (
    GPS_IFD,
    MAKE,
    ORIENTATION,
    jpeg_bytes,
    make_photo,
    upload,
)

pytestmark = pytest.mark.django_db


def photos_url(visit):
    return reverse("planning:photos", args=[visit.pk])


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge size (a decompression bomb's shape)."""
    out = io.BytesIO()
    Image.new("L", (1, 1)).save(out, format="PNG")
    data = bytearray(out.getvalue())
    ihdr = data[12:29]  # chunk type + 13 bytes of data
    ihdr[4:12] = struct.pack(">II", width, height)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)) & 0xFFFFFFFF)
    return bytes(data)


def stored_image(photo, *, thumbnail=False) -> Image.Image:
    with private_storage().open(photo.thumbnail_name if thumbnail else photo.file_name) as fh:
        image = Image.open(io.BytesIO(fh.read()))
        image.load()
        return image


def test_gps_and_device_data_are_stripped(injector_client, visit):
    original = jpeg_bytes(gps=True)
    before = Image.open(io.BytesIO(original)).getexif()
    assert before.get_ifd(GPS_IFD), "the test file carries GPS"
    assert before[MAKE] == "InventedCam"
    frown = Expression.objects.get(code="FROWN")
    response = injector_client.post(
        photos_url(visit),
        {"files": [upload(original)], "expression": frown.pk, "moment": "max"},
    )
    assert response.status_code == 302
    photo = Photo.objects.get(visit=visit)
    assert (photo.expression, photo.moment) == (frown, "max")
    for image in (stored_image(photo), stored_image(photo, thumbnail=True)):
        exif = image.getexif()
        assert len(exif) == 0
        assert not exif.get_ifd(GPS_IFD)
        assert "exif" not in image.info and "icc_profile" not in image.info
        assert "xmp" not in image.info and "XML:com.adobe.xmp" not in image.info


def test_orientation_is_applied_before_stripping(visit, injector):
    # 40 x 20, red left half; orientation 6 means "rotate 90° clockwise to view".
    photo = make_photo(visit=visit, by=injector, data=jpeg_bytes((40, 20), orientation=6))
    image = stored_image(photo)
    assert image.size == (20, 40) == (photo.width, photo.height)
    assert ORIENTATION not in image.getexif()
    top = image.getpixel((10, 5))
    bottom = image.getpixel((10, 35))
    assert top[0] > 200 and top[2] < 80, "red (the left half) is now on top"
    assert bottom[2] > 200 and bottom[0] < 80


def test_a_thumbnail_is_made_once(visit, injector):
    photo = make_photo(visit=visit, by=injector, data=jpeg_bytes((1600, 1200)))
    assert stored_image(photo, thumbnail=True).size == (320, 240)
    assert private_storage().exists(photo.thumbnail_name)


def test_heic_from_a_tablet_is_read_turned_and_stripped(visit, injector):
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[GPS_IFD] = {1: "N", 2: (52.0, 22.0, 1.5)}
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(out, format="HEIF", exif=exif.tobytes())
    assert Image.open(io.BytesIO(out.getvalue())).getexif().get_ifd(GPS_IFD)
    photo = make_photo(visit=visit, by=injector, data=out.getvalue())
    image = stored_image(photo)
    assert image.format == "JPEG" and image.size == (48, 64)
    assert len(image.getexif()) == 0


def test_png_with_transparency_is_accepted(visit, injector):
    out = io.BytesIO()
    Image.new("RGBA", (30, 30), (0, 128, 0, 128)).save(out, format="PNG")
    photo = make_photo(visit=visit, by=injector, data=out.getvalue())
    assert stored_image(photo).mode == "RGB"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"this is not an image at all", "notes.jpg", "not a photo we can read"),
        # Over our 40 MP cap, below Pillow's own warning: refused by our check.
        (png_claiming(8_000, 6_250), "tall.png", "8000 × 6250 pixels; the limit is 40 megapixels"),
        # Far over: Pillow refuses to open it as a decompression bomb.
        (png_claiming(20_000, 20_000), "bomb.png", "too many pixels to open safely"),
        (b"\x00\x00\x00\x18ftypheic" + b"\x00" * 64, "IMG_0001.HEIC", "HEIC"),
    ],
)
def test_bad_files_are_refused_with_a_message(injector_client, visit, data, name, message):
    response = injector_client.post(photos_url(visit), {"files": [upload(data, name=name)]})
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors["files"])
    assert message in errors and name in errors
    assert not Photo.objects.exists()


def test_a_too_large_file_is_refused(visit):
    big = upload(b"\xff\xd8" + b"0" * MAX_BYTES, name="huge.jpg")
    with pytest.raises(ValidationError, match="the limit is 15 MB"):
        clean_image(big)


def test_one_bad_file_stores_none_of_the_batch(injector_client, visit):
    files = [upload(jpeg_bytes(), name="good.jpg"), upload(b"nope", name="bad.jpg")]
    response = injector_client.post(photos_url(visit), {"files": files})
    assert response.status_code == 400
    assert not Photo.objects.exists()
    assert not list(Path(settings.PRIVATE_ROOT).rglob("*.jpg"))


def test_several_photos_at_once(injector_client, visit):
    files = [upload(jpeg_bytes(color="green"), name=f"p{i}.jpg") for i in range(3)]
    response = injector_client.post(photos_url(visit), {"files": files})
    assert response.status_code == 302
    assert Photo.objects.filter(visit=visit).count() == 3


def test_too_many_files_or_an_unknown_expression(injector_client, visit):
    files = [upload(jpeg_bytes(), name=f"p{i}.jpg") for i in range(13)]
    response = injector_client.post(photos_url(visit), {"files": files})
    assert response.status_code == 400
    assert "at most 12 photos" in response.content.decode()
    response = injector_client.post(
        photos_url(visit), {"files": [upload(jpeg_bytes())], "expression": 999999}
    )
    assert response.status_code == 400
    assert "expression" in response.context["form"].errors
    assert not Photo.objects.exists()


def test_no_file_chosen(injector_client, visit):
    response = injector_client.post(photos_url(visit), {"moment": "rest"})
    assert response.status_code == 400
    assert "Choose or take at least one photo." in response.content.decode()


def test_the_injector_gets_the_photo_through_the_view(injector_client, visit, injector):
    photo = make_photo(visit=visit)
    response = injector_client.get(reverse("planning:photo_file", args=[photo.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert Image.open(io.BytesIO(body)).size == (photo.width, photo.height)
    thumb = injector_client.get(reverse("planning:photo_thumbnail", args=[photo.pk]))
    assert thumb.status_code == 200


def test_front_desk_and_anonymous_never_get_a_photo(client, front_desk, visit):
    photo = make_photo(visit=visit)
    for name in ("planning:photo_file", "planning:photo_thumbnail"):
        url = reverse(name, args=[photo.pk])
        anonymous = client.get(url)
        assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
        client.force_login(front_desk)
        assert client.get(url).status_code == 403
        client.logout()


def test_the_file_is_outside_the_public_media_space(client, injector, visit):
    photo = make_photo(visit=visit)
    path = Path(private_storage().path(photo.file_name))
    assert path.exists()
    assert Path(settings.PRIVATE_ROOT) in path.parents
    assert Path(settings.MEDIA_ROOT) not in path.parents
    client.force_login(injector)
    for guess in (f"/{settings.MEDIA_URL}{photo.file_name}", f"/media/{photo.file_name}"):
        assert client.get(guess).status_code == 404


def test_photos_show_beside_their_expression_on_the_map(injector_client, visit):
    squint = Expression.objects.get(code="SQUINT")
    photo = make_photo(visit=visit, expression=squint)
    html = injector_client.get(reverse("planning:movement_map", args=[visit.pk])).content.decode()
    start = html.index('data-testid="photos-SQUINT"')
    assert photo.thumbnail_url in html[start : start + 800]
