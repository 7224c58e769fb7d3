"""Phone numbers the shop may call, pure: the Nordic countries only (Google's libphonenumber).

A number is read as the buyer wrote it: a local form (``040 123 4567``) in the shop's country,
or an international one (``+46 70 123 45 67``, ``00358…``). It is kept in E.164.
"""

from __future__ import annotations

import phonenumbers
from flask_babel import lazy_gettext as _l

from portal.errors import ValidationFailed

# Finland (with Åland), Sweden, Denmark, Norway (with Svalbard), Iceland.
COUNTRY_CODES = {358: "FI", 46: "SE", 45: "DK", 47: "NO", 354: "IS"}
REGIONS = frozenset(COUNTRY_CODES.values())
MAX_LENGTH = 40  # what the field takes as typed, spaces and dashes included


def normalise(raw: str, default_region: str) -> str:
    """The number in E.164, or ValidationFailed on ``phone`` saying what is wrong."""
    text = (raw or "").strip()
    region = default_region if default_region in REGIONS else "FI"
    if not text:
        raise ValidationFailed(fields={"phone": [_l("Enter the phone number we should call.")]})
    if len(text) > MAX_LENGTH:
        raise _not_a_number(region)
    if text.startswith("00"):  # the international prefix as dialled in the Nordic countries
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise _not_a_number(region) from None
    if number.country_code not in COUNTRY_CODES:
        raise ValidationFailed(
            fields={
                "phone": [
                    _l(
                        "We can only call numbers in Finland, Sweden, Denmark, Norway and Iceland "
                        "(+358, +46, +45, +47, +354). Give a number in one of these countries."
                    )
                ]
            }
        )
    if not phonenumbers.is_valid_number(number):
        raise _not_a_number(region)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _not_a_number(region: str) -> ValidationFailed:
    local, international = example(region)
    return ValidationFailed(
        fields={
            "phone": [
                _l(
                    "This does not look like a phone number. Check it: for example %(local)s or %(international)s.",
                    local=local,
                    international=international,
                )
            ]
        }
    )


def example(region: str) -> tuple[str, str]:
    """A mobile number of the shop's country as its people write it, and in the international form."""
    number = phonenumbers.example_number_for_type(
        region if region in REGIONS else "FI", phonenumbers.PhoneNumberType.MOBILE
    )
    return (
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL),
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
    )


def for_display(e164: str | None) -> str:
    """``+358 40 1234567``: the stored number as staff read and dial it."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
