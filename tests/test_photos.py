"""The claim photo pipeline: what is refused, how fast, and what a kept photo looks like after.

Every file here is made by the test (Pillow or plain bytes); no binary fixtures.
"""

from __future__ import annotations

import io
import struct
import time
import zlib

import pillow_heif
import pytest
from flask import Flask
from PIL import ExifTags, Image, ImageCms, ImageFile

from config import TestingConfig
from portal.photos import (
    MB,
    PhotoLimits,
    PhotoRefused,
    accept_photo,
    check_claim_total,
    detect_type,
    photo_response,
)

NOT_A_PHOTO = "This file is not a photo we can read. Send a JPEG, PNG, WebP or HEIC picture."
DAMAGED = "This photo seems to be damaged and could not be opened. Send it again or take a new one."
LIMITS = PhotoLimits()


# ---------------------------------------------------------------- files made on the spot


def picture(size=(120, 80), colour=(200, 30, 30), mode="RGB") -> Image.Image:
    return Image.new(mode, size, colour)


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def jpeg(size=(120, 80), **options) -> bytes:
    return encoded(picture(size), "JPEG", **options)


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header_only(width: int, height: int) -> bytes:
    """A valid PNG start claiming width × height pixels, with one tiny IDAT: a few dozen bytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + png_chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    """A real small JPEG whose frame header is rewritten to claim width × height."""
    data = bytearray(jpeg((16, 16)))
    sof = data.index(b"\xff\xc0")
    # SOF0: marker, length (2), precision (1), height (2), width (2)
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def with_comment(data: bytes, comment: bytes) -> bytes:
    """The JPEG with a COM segment right after SOI."""
    return data[:2] + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment + data[2:]


def jpeg_segments(data: bytes) -> list[int]:
    """The markers of a JPEG's header segments, up to the first scan."""
    assert data[:2] == b"\xff\xd8"
    markers, position = [], 2
    while True:
        assert data[position] == 0xFF
        marker = data[position + 1]
        markers.append(marker)
        if marker == 0xDA:
            return markers
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        position += 2 + length


def bad_crc(png: bytes) -> bytes:
    """The PNG with its header chunk's checksum broken."""
    return png[:29] + bytes([png[29] ^ 0xFF]) + png[30:]


def refusal(source, **kwargs) -> PhotoRefused:
    with pytest.raises(PhotoRefused) as caught:
        accept_photo(source, limits=kwargs.pop("limits", LIMITS), **kwargs)
    return caught.value


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


class CountingStream:
    """An endless upload that counts what was read from it."""

    def __init__(self, head: bytes = b"\xff\xd8\xff"):
        self.head = head
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        assert size is not None and size > 0, "the whole stream must never be asked for"
        start = self.read_bytes
        self.read_bytes += size
        prefix = self.head[start : start + size]
        return prefix + b"\0" * (size - len(prefix))


# ---------------------------------------------------------------- accepted photos


@pytest.mark.parametrize(
    ("fmt", "kind"),
    [("JPEG", "jpeg"), ("PNG", "png"), ("WEBP", "webp")],
)
def test_a_normal_photo_is_kept_as_a_fresh_jpeg_with_a_thumbnail(fmt, kind):
    photo = accept_photo(encoded(picture((1200, 800)), fmt), filename=f"kuva.{kind}", limits=LIMITS)

    assert photo.original_type == kind
    assert (photo.width, photo.height) == (1200, 800)
    main, thumb = opened(photo.image), opened(photo.thumbnail)
    assert main.format == thumb.format == "JPEG"
    assert main.mode == "RGB"
    assert main.size == (1200, 800)
    assert thumb.size == (480, 320)
    assert main.getpixel((600, 400)) == pytest.approx((200, 30, 30), abs=6)
    assert photo.original_filename == f"kuva.{kind}"


@pytest.mark.skipif(not pillow_heif.libheif_info()["HEIF"], reason="this libheif build has no HEIF encoder")
def test_an_iphone_heic_photo_is_kept_as_a_jpeg():
    heic = encoded(picture((640, 480)), "HEIF")
    assert heic[4:12] == b"ftypheic"

    photo = accept_photo(heic, filename="IMG_0001.HEIC", limits=LIMITS)

    assert photo.original_type == "heic"
    assert opened(photo.image).format == "JPEG"
    assert (photo.width, photo.height) == (640, 480)


def test_a_large_photo_is_scaled_so_its_longest_side_is_the_limit():
    photo = accept_photo(jpeg((6000, 4000)), limits=LIMITS)

    assert (photo.width, photo.height) == (2560, 1707)
    assert opened(photo.image).size == (2560, 1707)
    assert opened(photo.thumbnail).size == (480, 320)


def test_transparency_is_laid_on_white():
    clear_png = encoded(Image.new("RGBA", (40, 40), (255, 0, 0, 0)), "PNG")
    palette = Image.new("P", (40, 40), 1)
    palette.putpalette([0, 0, 0, 255, 0, 0])
    palette_png = encoded(palette, "PNG", transparency=1)

    for data in (clear_png, palette_png):
        assert opened(accept_photo(data, limits=LIMITS).image).getpixel((20, 20)) == pytest.approx(
            (255, 255, 255), abs=3
        )


def test_a_sixteen_bit_grey_png_keeps_its_tones():
    data = encoded(Image.new("I;16", (40, 40), 40000), "PNG")

    grey = opened(accept_photo(data, limits=LIMITS).image).getpixel((20, 20))

    assert grey == pytest.approx((156, 156, 156), abs=3)


def test_gps_and_every_other_metadata_are_gone_and_the_photo_is_turned_upright():
    # Left half red, right half blue, stored sideways: orientation 6 means "turn 90° clockwise".
    image = Image.new("RGB", (60, 40), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 30, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (60.0, 10.0, 12.5),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (24.0, 56.0, 3.0),
    }
    source = encoded(
        image,
        "JPEG",
        exif=exif.tobytes(),
        icc_profile=b"\0" * 128,  # not a real profile: the pipeline must drop it all the same
        xmp=b"<x:xmpmeta><rdf:Description exif:GPSLatitude='60,10.2N'/></x:xmpmeta>",
        comment=b"shot at home",
    )
    assert opened(source).getexif().get_ifd(ExifTags.IFD.GPSInfo), "the test photo must carry GPS"

    photo = accept_photo(source, limits=LIMITS)

    result = opened(photo.image)
    assert (photo.width, photo.height) == (40, 60)
    assert result.size == (40, 60)
    assert result.getpixel((20, 10)) == pytest.approx((255, 0, 0), abs=40)  # the red half is on top
    assert result.getpixel((20, 50)) == pytest.approx((0, 0, 255), abs=40)
    for data in (photo.image, photo.thumbnail):
        assert not opened(data).getexif()
        # Only JFIF (APP0), quantisation/Huffman tables and the frame: no APP1 (EXIF, XMP),
        # APP2 (ICC), APP13 (IPTC) or COM.
        assert set(jpeg_segments(data)) <= {0xE0, 0xDB, 0xC4, 0xC2, 0xDA}
        for trace in (b"Exif", b"PhoneMaker", b"xmpmeta", b"ICC_PROFILE", b"shot at home"):
            assert trace not in data


def test_a_colour_profile_is_applied_and_then_dropped():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    source = encoded(picture((60, 40), (10, 120, 200)), "PNG", icc_profile=srgb)

    photo = accept_photo(source, limits=LIMITS)

    assert "icc_profile" not in opened(photo.image).info
    assert b"ICC_PROFILE" not in photo.image
    assert opened(photo.image).getpixel((30, 20)) == pytest.approx((10, 120, 200), abs=8)


def test_a_polyglot_jpeg_comes_out_without_the_html():
    script = b"<html><body><script>alert(document.cookie)</script></body></html>"
    polyglot = with_comment(jpeg(), script) + script
    assert detect_type(polyglot) == "jpeg"
    assert opened(polyglot).size == (120, 80), "the test file must really be a JPEG"

    photo = accept_photo(polyglot, filename="photo.jpg", limits=LIMITS)

    for data in (photo.image, photo.thumbnail):
        assert b"<html" not in data.lower()
        assert b"<script" not in data.lower()
        assert data.endswith(b"\xff\xd9")
    assert opened(photo.image).size == (120, 80)


def test_the_limits_come_from_the_settings():
    app = Flask(__name__)
    app.config.from_object(TestingConfig)
    assert PhotoLimits.from_config(app.config) == PhotoLimits(), "the defaults match config.py"
    app.config["PHOTO_MAX_SIDE"] = 100
    app.config["PHOTO_THUMB_SIDE"] = 50
    app.config["PHOTO_MAX_BYTES"] = 2000

    with app.app_context():
        photo = accept_photo(jpeg((400, 200)))
        too_large = refusal(b"\xff\xd8\xff" + b"\0" * 2000, limits=None)

    assert (photo.width, photo.height) == (100, 50)
    assert opened(photo.thumbnail).size == (50, 25)
    assert too_large.code == "photo_too_large"


# ---------------------------------------------------------------- refused by type


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
            b"<script>alert(1)</script></svg>",
            "photo.svg",
        ),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="10" height="10"/></svg>', "photo.jpg"),
        (b"<!doctype html><html><script>alert(1)</script></html>", "photo.jpg"),
        (b"My fridge broke on Tuesday, see attached.\n", "photo.jpg"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "photo.jpg"),
        (encoded(picture(), "GIF"), "photo.gif"),
        (encoded(picture(), "BMP"), "photo.jpg"),
        (encoded(picture(), "TIFF"), "photo.jpg"),
    ],
    ids=["svg", "svg-renamed-jpg", "html", "text-renamed-jpg", "pdf", "gif", "bmp", "tiff"],
)
def test_anything_but_jpeg_png_webp_heic_is_refused_whatever_its_name(content, filename):
    refused = refusal(content, filename=filename)

    assert refused.code == "photo_unsupported_type"
    assert str(refused.message) == NOT_A_PHOTO
    assert refused.filename == filename
    assert refused.status == 422


def test_the_type_is_read_from_the_content_not_the_name():
    photo = accept_photo(encoded(picture(), "PNG"), filename="photo.jpg", limits=LIMITS)

    assert photo.original_type == "png"


def test_an_empty_file_is_refused():
    refused = refusal(b"", filename="photo.jpg")

    assert refused.code == "photo_empty"
    assert str(refused.message) == "The file is empty."


# ---------------------------------------------------------------- refused as damaged


@pytest.mark.parametrize(
    "content",
    [
        jpeg((200, 200))[:300],
        b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 20,
        bad_crc(encoded(picture(), "PNG")),
        encoded(picture(), "PNG")[:40],
        b"RIFF\x10\x00\x00\x00WEBPVP8 garbage",
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\0" * 32,
    ],
    ids=["truncated-jpeg", "jpeg-magic-only", "png-bad-crc", "truncated-png", "broken-webp", "broken-heic"],
)
def test_a_damaged_file_is_refused_with_a_clear_message(content):
    refused = refusal(content, filename="photo.jpg")

    assert refused.code == "photo_damaged"
    assert str(refused.message) == DAMAGED


def test_a_jpeg_with_thousands_of_scans_is_refused_before_decoding(monkeypatch):
    data = with_comment(jpeg(), b"\xff\xda" * 300)
    monkeypatch.setattr(ImageFile.ImageFile, "load", fail_if_decoded)

    refused = refusal(data)

    assert refused.code == "photo_damaged"
    assert str(refused.message) == DAMAGED


# ---------------------------------------------------------------- refused by size and pixels


def fail_if_decoded(self, *args, **kwargs):
    raise AssertionError("the pixels were decoded")


@pytest.mark.parametrize(
    ("bomb", "megapixels"),
    [
        (png_header_only(50_000, 50_000), 2500),  # past Pillow's own limit
        (png_header_only(8000, 6000), 48),  # under Pillow's, over ours
        (jpeg_claiming(60_000, 60_000), 3600),
    ],
    ids=["png-2500mp", "png-48mp", "jpeg-3600mp"],
)
def test_a_decompression_bomb_is_refused_from_its_header_in_milliseconds(monkeypatch, bomb, megapixels):
    assert len(bomb) < 1000
    monkeypatch.setattr(ImageFile.ImageFile, "load", fail_if_decoded)
    monkeypatch.setattr(Image.Image, "load", fail_if_decoded)

    started = time.perf_counter()
    refused = refusal(bomb, filename="photo.png")
    elapsed = time.perf_counter() - started

    assert elapsed < 0.5
    assert refused.code == "photo_too_many_pixels"
    assert str(refused.message) == f"The picture is too large ({megapixels} megapixels); take a smaller one."


def test_pillows_own_bomb_warning_refuses_rather_than_warns(monkeypatch):
    # Our limit set above Pillow's: Pillow's warning (not an error by default) must still refuse.
    generous = PhotoLimits(max_pixels=10**12)
    monkeypatch.setattr(ImageFile.ImageFile, "load", fail_if_decoded)

    refused = refusal(png_header_only(10_000, 10_000), limits=generous)

    assert refused.code == "photo_too_many_pixels"
    assert str(refused.message) == "The picture is too large (100 megapixels); take a smaller one."


def test_a_photo_at_the_size_limit_is_kept_and_one_byte_more_is_refused():
    data = jpeg()
    limit = len(data) + 100
    exactly = data + b"\0" * 100

    assert accept_photo(exactly, max_bytes=limit, limits=LIMITS).original_size == limit
    refused = refusal(exactly + b"\0", max_bytes=limit)
    assert refused.code == "photo_too_large"


def test_a_huge_file_is_refused_without_reading_it_all():
    upload = CountingStream()

    refused = refusal(upload, filename="huge.jpg")

    assert upload.read_bytes == 10 * MB + 1
    assert refused.code == "photo_too_large"
    assert str(refused.message) == "The photo is larger than 10 MB."
    assert refused.filename == "huge.jpg"


def test_the_size_limit_can_be_what_is_left_of_the_claim():
    upload = CountingStream()

    refused = refusal(upload, max_bytes=int(2.5 * MB))

    assert upload.read_bytes == int(2.5 * MB) + 1
    assert str(refused.message) == "The photo is larger than 2.5 MB."


def test_a_werkzeug_upload_is_read_like_any_stream():
    from werkzeug.datastructures import FileStorage

    upload = FileStorage(stream=io.BytesIO(jpeg()), filename="../../etc/IMG\x00_1.jpg", content_type="text/html")

    photo = accept_photo(upload, filename=upload.filename, limits=LIMITS)

    assert photo.original_type == "jpeg"
    assert photo.original_filename == "IMG_1.jpg"


def test_a_decoder_crash_is_a_refusal_never_a_server_error(monkeypatch):
    def crash(self, *args, **kwargs):
        raise IndexError("a decoder bug")

    monkeypatch.setattr(ImageFile.ImageFile, "load", crash)

    refused = refusal(jpeg())

    assert refused.code == "photo_damaged"


# ---------------------------------------------------------------- per claim


def test_a_claim_within_its_limits_passes():
    check_claim_total([10 * MB, 10 * MB, 10 * MB], limits=LIMITS)
    check_claim_total([MB] * 5, limits=LIMITS)
    check_claim_total([], limits=LIMITS)


def test_a_sixth_photo_is_refused():
    with pytest.raises(PhotoRefused) as caught:
        check_claim_total([MB] * 6, limits=LIMITS)

    assert caught.value.code == "claim_too_many_photos"
    assert str(caught.value.message) == "A claim can have at most 5 photos."


def test_photos_over_the_claim_total_are_refused():
    with pytest.raises(PhotoRefused) as caught:
        check_claim_total([10 * MB, 10 * MB, 10 * MB, 1], limits=LIMITS)

    assert caught.value.code == "claim_photos_too_large"
    assert str(caught.value.message) == "The photos of one claim can be at most 30 MB together."


def test_refusals_are_domain_errors_for_the_views():
    from portal.errors import DomainError

    refused = refusal(b"GIF89a")

    assert isinstance(refused, DomainError)
    assert str(refused) == NOT_A_PHOTO


# ---------------------------------------------------------------- serving


def test_a_photo_is_served_with_headers_that_stop_sniffing_and_scripts():
    response = photo_response(b"\xff\xd8\xff\xd9", filename='kuva "ä"\r\nSet-Cookie: x=1.heic')

    assert response.mimetype == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == 'inline; filename="kuva_a_Set-Cookie_x_1.jpg"'
    assert response.headers["Cache-Control"] == "private, max-age=3600"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response.get_data() == b"\xff\xd8\xff\xd9"


@pytest.mark.parametrize("filename", ["", "...", "日本.heic", "../"])
def test_a_served_photo_always_has_a_plain_name(filename):
    response = photo_response(b"", filename=filename)

    assert response.headers["Content-Disposition"] == 'inline; filename="photo.jpg"'
