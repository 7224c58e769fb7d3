"""A shop's branding: its logo, brand colour, display name, contact details and legal links, as
buyers see them on the buyer pages, in e-mails and on the PDFs.

The rules are pure (the colour's contrast with white text, https-only links, the contact
details); ``update_branding`` is the one way to change them: checked as a whole, audited, and the
shop's version bumped so that cached buyer pages renew. The logo goes through the same photo
pipeline as claim photos (``portal.photos``): type read from the content, limits, re-encoded
to a fresh JPEG without any metadata.
"""

from __future__ import annotations

import base64
import dataclasses
import math
import re
from dataclasses import dataclass
from functools import partial
from typing import IO
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l

from portal.actors import Actor
from portal.audit import services as audit
from portal.db import lock_one, unit_of_work
from portal.errors import NotFound, ValidationFailed
from portal.merchants.models import Merchant
from portal.photos import PhotoLimits, PhotoRefused, ProcessedPhoto, accept_photo, display_filename

# The header and buttons carry white text: WCAG 2 AA asks 4.5:1 for normal-size text.
MIN_CONTRAST = 4.5
DEFAULT_COLOUR = "#0b4f8a"  # Apuri's own --brand in portal/static/app.css
WHITE = "#ffffff"
HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
PHONE = re.compile(r"\+?[0-9][0-9 ()./-]{3,38}")
MAX_NAME = 200
MAX_URL = 500
# The logo is kept at print size for the PDFs, and a smaller copy for the pages and e-mails
# (sharp at the header's height on a high-density screen).
LOGO_SIDE = 1200
LOGO_WEB_SIDE = 640


@dataclass(frozen=True)
class BrandingIn:
    """What a shop's admin sent: the text fields as typed (blank means "none")."""

    name: str = ""
    brand_colour: str = ""
    support_email: str = ""
    support_phone: str = ""
    terms_url: str = ""
    privacy_url: str = ""


@dataclass(frozen=True)
class LogoUpload:
    """An uploaded logo as it came: the stream (or bytes) and the name the browser gave it."""

    source: bytes | IO[bytes]
    filename: str | None = None


# -- colour -----------------------------------------------------------------------------------


def parse_colour(text: str) -> str | None:
    """``#RRGGBB`` (also without the ``#``) as lower-case ``#rrggbb``; None when it is not one."""
    text = (text or "").strip()
    if text and not text.startswith("#"):
        text = "#" + text
    return text.lower() if HEX_COLOUR.fullmatch(text) else None


def relative_luminance(colour: str) -> float:
    """WCAG 2's relative luminance of an sRGB ``#rrggbb`` colour: 0 for black, 1 for white."""

    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2's contrast ratio of two colours, from 1 (the same) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def contrast_with_white(colour: str) -> float:
    """How well white text reads on ``colour`` (WCAG AA asks at least MIN_CONTRAST)."""
    return contrast_ratio(colour, WHITE)


def format_ratio(ratio: float) -> str:
    """The ratio as the reader's language writes it, rounded down (4.499 is not "4.5")."""
    return format_decimal(math.floor(ratio * 100) / 100, format="0.##")


def colour_of(merchant: Merchant | None) -> str:
    """The shop's brand colour, or Apuri's; always a valid ``#rrggbb`` (it goes into CSS)."""
    return parse_colour(getattr(merchant, "brand_colour", None) or "") or DEFAULT_COLOUR


# -- checking ---------------------------------------------------------------------------------


def _https_url(text: str) -> str | None:
    parts = urlsplit(text)
    if parts.scheme != "https" or not parts.hostname or "." not in parts.hostname or len(text) > MAX_URL:
        return None
    if any(ch.isspace() for ch in text) or parts.username or parts.password:
        return None
    return text


def check(changes: BrandingIn) -> tuple[dict[str, str | None], dict[str, list]]:
    """The fields as they would be stored, and each field's problems (empty when all is well)."""
    values: dict[str, str | None] = {}
    problems: dict[str, list] = {}

    name = " ".join((changes.name or "").split())
    if not name:
        problems["name"] = [_l("The shop needs a name.")]
    elif len(name) > MAX_NAME:
        problems["name"] = [_l("Is too long.")]
    values["name"] = name

    colour_text = (changes.brand_colour or "").strip()
    colour = parse_colour(colour_text) if colour_text else None
    if colour_text and colour is None:
        problems["brand_colour"] = [_l("Write the colour as # and six hexadecimal digits, for example #0B4F8A.")]
    elif colour is not None and (ratio := contrast_with_white(colour)) < MIN_CONTRAST:
        problems["brand_colour"] = [
            _l(
                "White text on this colour is hard to read: the contrast is %(ratio)s:1, and at least "
                "%(minimum)s:1 is needed (WCAG AA). Choose a darker colour.",
                ratio=format_ratio(ratio),
                minimum=format_ratio(MIN_CONTRAST),
            )
        ]
    values["brand_colour"] = colour

    email = (changes.support_email or "").strip()
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            problems["support_email"] = [_l("Enter a valid e-mail address.")]
        else:
            if len(email) > 254:
                problems["support_email"] = [_l("Is too long.")]
    values["support_email"] = email or None

    phone = " ".join((changes.support_phone or "").split())
    if phone and not PHONE.fullmatch(phone):
        problems["support_phone"] = [_l("Enter a phone number such as +358 9 123 4567.")]
    values["support_phone"] = phone or None

    for field in ("terms_url", "privacy_url"):
        url = (getattr(changes, field) or "").strip()
        if url and _https_url(url) is None:
            problems[field] = [_l("Enter the full address, starting with https://.")]
        values[field] = url or None
    return values, problems


def read_logo(upload: LogoUpload) -> ProcessedPhoto:
    """The uploaded logo checked and re-encoded, or ValidationFailed naming the file and why."""
    limits = dataclasses.replace(PhotoLimits.current(), max_side=LOGO_SIDE, thumb_side=LOGO_WEB_SIDE)
    try:
        return accept_photo(upload.source, filename=upload.filename, limits=limits)
    except PhotoRefused as refusal:
        raise ValidationFailed(fields={"logo": [_logo_problem(refusal, upload.filename)]}) from None


def _logo_problem(refusal: PhotoRefused, filename: str | None):
    name = display_filename(refusal.filename or filename)
    message = refusal.message
    if refusal.code == "photo_unsupported_type":
        message = _l("This file is not a picture we can read. Send a PNG, JPEG or WebP image.")
    return _l("%(file)s: %(problem)s", file=name, problem=message) if name else message


# -- saving -----------------------------------------------------------------------------------

_FIELDS = ("name", "brand_colour", "support_email", "support_phone", "terms_url", "privacy_url")


def update_branding(
    merchant: Merchant,
    changes: BrandingIn,
    *,
    actor: Actor,
    logo: LogoUpload | None = None,
) -> bool:
    """Check and save the shop's branding, with a new logo when one is given; True if anything changed.

    Every problem is reported at once (ValidationFailed by field: name, brand_colour,
    support_email, support_phone, terms_url, privacy_url, logo) and then nothing is saved,
    not even the logo. A change is audited (before/after) and bumps the shop's version.
    """
    values, problems = check(changes)
    picture = None
    if logo is not None:
        try:
            picture = read_logo(logo)
        except ValidationFailed as refusal:
            problems.update(refusal.fields)
    if problems:
        raise ValidationFailed(fields=problems)
    return _save(merchant, values, picture=picture, actor=actor)


def remove_logo(merchant: Merchant, *, actor: Actor) -> bool:
    """Take the shop's logo off its pages, e-mails and PDFs; True if there was one."""
    return _save(merchant, {}, picture=None, remove=True, actor=actor)


def _save(
    merchant: Merchant,
    values: dict[str, str | None],
    *,
    picture: ProcessedPhoto | None,
    actor: Actor,
    remove: bool = False,
) -> bool:
    from portal.buyers.page_cache import forget_all_heads
    from portal.storage import get_storage

    storage = get_storage()
    saved: list[str] = []
    try:
        with unit_of_work() as uow:
            locked = lock_one(Merchant, merchant.id)
            if locked is None:
                raise NotFound()
            before = {field: getattr(locked, field) for field in _FIELDS}
            for field, value in values.items():
                setattr(locked, field, value)
            changed = {field: getattr(locked, field) for field in _FIELDS if getattr(locked, field) != before[field]}
            old_logo = [key for key in (locked.logo_key, locked.logo_thumb_key) if key]
            before["logo"] = "set" if old_logo else None
            if picture is not None:
                locked.logo_key = storage.store(picture.image, ".jpg")
                saved.append(locked.logo_key)
                locked.logo_thumb_key = storage.store(picture.thumbnail, ".jpg")
                saved.append(locked.logo_thumb_key)
                changed["logo"] = picture.original_filename or "set"
            elif remove and old_logo:
                locked.logo_key = locked.logo_thumb_key = None
                changed["logo"] = None
            if not changed:
                return False
            locked.version += 1
            audit.record(
                actor,
                "branding.updated",
                "merchant",
                locked.id,
                merchant_id=locked.id,
                before={field: before[field] for field in changed},
                after=changed,
            )
            if "logo" in changed:
                # The old files go only once the new state is committed.
                uow.after_commit(partial(_delete, old_logo))
            uow.after_commit(forget_all_heads)
    except BaseException:
        _delete(saved)  # nothing of a refused or failed change stays on disk
        raise
    return True


def _delete(keys: list[str]) -> None:
    from portal.storage import get_storage

    storage = get_storage()
    for key in keys:
        storage.delete(key)


# -- showing ----------------------------------------------------------------------------------


def logo_bytes(merchant: Merchant, *, print_size: bool = False) -> bytes | None:
    """The stored logo (JPEG): the smaller copy for screens, the larger one for print."""
    from portal.storage import get_storage

    key = (merchant.logo_key if print_size else merchant.logo_thumb_key) or merchant.logo_key
    if not key:
        return None
    try:
        return get_storage().open(key)
    except (FileNotFoundError, ValueError):
        return None


def logo_data_uri(merchant: Merchant | None) -> str | None:
    """The print-size logo as a ``data:`` URI, for WeasyPrint (it reads no files or URLs here)."""
    data = logo_bytes(merchant, print_size=True) if merchant is not None else None
    return "data:image/jpeg;base64," + base64.b64encode(data).decode() if data else None
