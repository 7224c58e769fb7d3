"""Claim photos: from what a buyer sent to a clean JPEG and its thumbnail, or a clear refusal.

Nothing from the upload reaches storage or another browser as it came: the type is read
from the content (never the name), the size and the pixel count are checked before anything
is decoded, and every picture is decoded and encoded afresh, which leaves behind EXIF
(GPS included), XMP, ICC profiles, comments and any bytes appended to the image.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO

import pillow_heif
from flask import Response, current_app, has_app_context
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageCms, ImageOps

from portal.errors import DomainError

MB = 1024 * 1024
JPEG_QUALITY = 85
THUMBNAIL_QUALITY = 80
# A progressive JPEG needs about ten scans; thousands make a small file cost seconds of CPU.
MAX_JPEG_SCANS = 200
_READ_CHUNK = 64 * 1024
_PILLOW_PIXELS = re.compile(r"Image size \((\d+) pixels\)")
log = logging.getLogger(__name__)

# The type as detected → the only Pillow decoder allowed to open it.
DECODERS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "heic": "HEIF"}
HEIF_BRANDS = {b"heic", b"heix", b"mif1", b"msf1", b"hevc"}

# Registered once, at import; depth maps, auxiliary images and embedded thumbnails are never used.
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)


class PhotoRefused(DomainError):
    """A file that is not taken as a claim photo; ``message`` says why in the buyer's words."""

    code = "photo_refused"
    status = 422
    default_message = _l("This file is not a photo we can read. Send a JPEG, PNG, WebP or HEIC picture.")

    def __init__(self, code: str, message=None, *, filename: str | None = None):
        super().__init__(message, code=code)
        self.filename = filename


@dataclass(frozen=True)
class PhotoLimits:
    """The limits in force; from the app's settings unless a caller gives its own."""

    max_bytes: int = 10 * MB
    max_files: int = 5
    claim_max_bytes: int = 30 * MB
    max_pixels: int = 40_000_000
    max_side: int = 2560
    thumb_side: int = 480

    @classmethod
    def from_config(cls, config) -> PhotoLimits:
        return cls(
            max_bytes=config.get("PHOTO_MAX_BYTES", cls.max_bytes),
            max_files=config.get("PHOTO_MAX_FILES", cls.max_files),
            claim_max_bytes=config.get("CLAIM_MAX_BYTES", cls.claim_max_bytes),
            max_pixels=config.get("PHOTO_MAX_PIXELS", cls.max_pixels),
            max_side=config.get("PHOTO_MAX_SIDE", cls.max_side),
            thumb_side=config.get("PHOTO_THUMB_SIDE", cls.thumb_side),
        )

    @classmethod
    def current(cls) -> PhotoLimits:
        return cls.from_config(current_app.config) if has_app_context() else cls()


@dataclass(frozen=True)
class ProcessedPhoto:
    """A photo ready to store: both images are fresh JPEGs without any metadata."""

    image: bytes = field(repr=False)  # the JPEG to keep and show
    thumbnail: bytes = field(repr=False)
    width: int
    height: int
    original_type: str  # "jpeg", "png", "webp" or "heic", as read from the content
    original_size: int  # bytes received
    original_filename: str | None  # cleaned, for display only; never a path


def accept_photo(
    source: bytes | IO[bytes],
    *,
    filename: str | None = None,
    max_bytes: int | None = None,
    limits: PhotoLimits | None = None,
) -> ProcessedPhoto:
    """Check and re-encode one uploaded photo, or raise PhotoRefused.

    ``source`` is the bytes or a readable stream (a Werkzeug FileStorage works); at most
    ``max_bytes`` + 1 bytes are read from it. ``max_bytes`` defaults to PHOTO_MAX_BYTES;
    ``filename`` is kept only for display and for naming the file in a refusal.
    """
    limits = limits or PhotoLimits.current()
    max_bytes = limits.max_bytes if max_bytes is None else max_bytes
    try:
        data = _read_at_most(source, max_bytes)
        if not data:
            raise PhotoRefused("photo_empty", _l("The file is empty."))
        if len(data) > max_bytes:
            raise PhotoRefused("photo_too_large", _l("The photo is larger than %(max)s MB.", max=_megabytes(max_bytes)))
        kind = detect_type(data)
        if kind is None:
            raise PhotoRefused("photo_unsupported_type", PhotoRefused.default_message)
        encoded = _reencode(data, kind, limits)
    except PhotoRefused as refusal:
        refusal.filename = filename
        raise
    return ProcessedPhoto(
        image=encoded.image,
        thumbnail=encoded.thumbnail,
        width=encoded.width,
        height=encoded.height,
        original_type=kind,
        original_size=len(data),
        original_filename=display_filename(filename),
    )


def check_claim_total(sizes: Sequence[int], *, limits: PhotoLimits | None = None) -> None:
    """Refuse a claim whose photos are too many or too large together.

    Call it with the sizes already kept plus the new photo's before storing that photo,
    so that only the photo over the limit is refused and the others stay.
    """
    limits = limits or PhotoLimits.current()
    if len(sizes) > limits.max_files:
        raise PhotoRefused(
            "claim_too_many_photos",
            _l("A claim can have at most %(max)s photos.", max=limits.max_files),
        )
    if sum(sizes) > limits.claim_max_bytes:
        raise PhotoRefused(
            "claim_photos_too_large",
            _l("The photos of one claim can be at most %(max)s MB together.", max=_megabytes(limits.claim_max_bytes)),
        )


def detect_type(data: bytes) -> str | None:
    """The picture type from the first bytes ("jpeg", "png", "webp", "heic"), or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS:
        return "heic"
    return None


def photo_response(data: bytes, *, filename: str) -> Response:
    """A stored JPEG as a response no browser will sniff, run or embed elsewhere.

    The caller has already checked that the viewer may see the claim.
    """
    response = Response(data, mimetype="image/jpeg")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = f'inline; filename="{_ascii_filename(filename)}"'
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def display_filename(filename: str | None) -> str | None:
    """The name the buyer's device gave, fit to show: no folders, no control characters, short."""
    if not filename:
        return None
    name = re.split(r"[\\/]", filename)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[:120] or None


@dataclass(frozen=True)
class _Encoded:
    image: bytes
    thumbnail: bytes
    width: int
    height: int


def _read_at_most(source: bytes | IO[bytes], max_bytes: int) -> bytes:
    """max_bytes + 1 bytes at most: one byte more is enough to know the file is too large."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source[: max_bytes + 1])
    chunks: list[bytes] = []
    remaining = max_bytes + 1
    while remaining > 0:
        chunk = source.read(min(_READ_CHUNK, remaining))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _reencode(data: bytes, kind: str, limits: PhotoLimits) -> _Encoded:
    if kind == "jpeg" and data.count(b"\xff\xda") > MAX_JPEG_SCANS:
        raise _damaged()
    try:
        # Pillow's own bomb check warns below twice its limit; here it refuses instead. The
        # filter is process-wide for the duration, which is harmless: our limit is lower still.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[DECODERS[kind]]) as opened:
                _check_pixels(opened.size, limits)
                if kind == "jpeg" and (box := _fit(opened.size, limits.max_side)) != opened.size:
                    # Decode a large JPEG at 1/2, 1/4 or 1/8 scale when that still covers max_side.
                    opened.draft("RGB", box)
                opened.load()
                # Turned upright first: the colour conversion below keeps no EXIF to turn by.
                picture = ImageOps.exif_transpose(opened)
            picture = _flatten(_to_srgb(picture))
            picture.thumbnail((limits.max_side, limits.max_side), Image.Resampling.LANCZOS)
            preview = picture.copy()
            preview.thumbnail((limits.thumb_side, limits.thumb_side), Image.Resampling.LANCZOS)
            return _Encoded(
                image=_encode_jpeg(picture, JPEG_QUALITY),
                thumbnail=_encode_jpeg(preview, THUMBNAIL_QUALITY),
                width=picture.width,
                height=picture.height,
            )
    except PhotoRefused:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as bomb:
        found = _PILLOW_PIXELS.search(str(bomb))
        raise _too_many_pixels(int(found.group(1)) if found else None) from None
    except Image.UnidentifiedImageError:
        # The first bytes promised this type; the decoder could not follow them.
        raise _damaged() from None
    except Exception:
        # Truncated data, a broken header, a decoder's own refusal (OSError, SyntaxError,
        # struct.error, ValueError …): a bad upload, never a server error. Logged for the odd bug.
        log.info("photo refused by the decoder", exc_info=True)
        raise _damaged() from None


def _check_pixels(size: tuple[int, int], limits: PhotoLimits) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise _damaged()
    if width * height > limits.max_pixels:
        raise _too_many_pixels(width * height)


def _fit(size: tuple[int, int], longest: int) -> tuple[int, int]:
    width, height = size
    ratio = longest / max(width, height)
    if ratio >= 1:
        return size
    return max(1, int(width * ratio)), max(1, int(height * ratio))


def _to_srgb(image: Image.Image) -> Image.Image:
    """Colours as the camera meant them once the ICC profile is gone (wide-gamut phones)."""
    profile = image.info.get("icc_profile")
    if not profile or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode=image.mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # a broken profile: the pixels as they are beat refusing the photo


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white: transparency composited, palettes, grey and CMYK converted."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        image = image.point(lambda value: value * (1 / 256)).convert("L")
    if image.mode in ("P", "PA", "LA", "La", "RGBa") or "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode == "RGBA":
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB")


def _encode_jpeg(image: Image.Image, quality: int) -> bytes:
    # Pillow would carry a JPEG comment over from the source's info; start from none.
    image.info = {}
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()


def _damaged() -> PhotoRefused:
    return PhotoRefused(
        "photo_damaged",
        _l("This photo seems to be damaged and could not be opened. Send it again or take a new one."),
    )


def _too_many_pixels(pixels: int | None) -> PhotoRefused:
    megapixels = round(pixels / 1_000_000) if pixels else None
    if megapixels is None:
        return PhotoRefused("photo_too_many_pixels", _l("The picture is too large; take a smaller one."))
    return PhotoRefused(
        "photo_too_many_pixels",
        _l("The picture is too large (%(pixels)s megapixels); take a smaller one.", pixels=megapixels),
    )


def _megabytes(size: int) -> str:
    return f"{size / MB:.1f}".removesuffix(".0")


def _ascii_filename(filename: str) -> str:
    """A name safe inside a quoted header value: ASCII letters, digits, dot, dash, underscore."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_name.rsplit(".", 1)[0]).strip("._")[:80]
    return f"{stem or 'photo'}.jpg"
