"""Turn pydantic validation errors into field problems in the user's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from pydantic import ValidationError

from portal.errors import ValidationFailed

_MESSAGES = {
    "missing": _l("This field is required."),
    "string_type": _l("Must be text."),
    "string_too_short": _l("Must not be empty."),
    "string_too_long": _l("Is too long."),
    "string_pattern_mismatch": _l("Has an invalid format."),
    "int_type": _l("Must be a whole number."),
    "int_parsing": _l("Must be a whole number."),
    "int_from_float": _l("Must be a whole number (minor units, e.g. cents)."),
    "greater_than_equal": _l("Is too small."),
    "greater_than": _l("Is too small."),
    "less_than_equal": _l("Is too large."),
    "datetime_type": _l("Must be a date and time such as 2026-11-23T10:15:00+02:00."),
    "datetime_parsing": _l("Must be a date and time such as 2026-11-23T10:15:00+02:00."),
    "datetime_from_date_parsing": _l("Must be a date and time such as 2026-11-23T10:15:00+02:00."),
    "timezone_aware": _l("Must include the time zone offset, e.g. +02:00."),
    "date_type": _l("Must be a date such as 2026-11-23."),
    "date_parsing": _l("Must be a date such as 2026-11-23."),
    "date_from_datetime_parsing": _l("Must be a date such as 2026-11-23."),
    "decimal_parsing": _l("Must be a decimal number such as 25.5."),
    "decimal_type": _l("Must be a decimal number such as 25.5."),
    "list_type": _l("Must be a list."),
    "too_short": _l("Must not be empty."),
    "too_long": _l("Has too many entries."),
    "dict_type": _l("Must be an object."),
    "model_type": _l("Must be an object."),
    "model_attributes_type": _l("Must be an object."),
    "literal_error": _l("Is not one of the allowed values."),
    "enum": _l("Is not one of the allowed values."),
    "extra_forbidden": _l("Is not a known field."),
    "bool_type": _l("Must be true or false."),
    "bool_parsing": _l("Must be true or false."),
    "value_error": _l("Has an invalid value."),
}


def fields_from(exc: ValidationError) -> dict[str, list]:
    fields: dict[str, list] = {}
    for error in exc.errors():
        loc = ".".join(str(part) for part in error["loc"]) or "body"
        message = _MESSAGES.get(error["type"], _l("Has an invalid value."))
        ctx = error.get("ctx") or {}
        if error["type"] == "value_error" and isinstance(ctx.get("error"), DomainMessage):
            message = ctx["error"].message
        fields.setdefault(loc, []).append(message)
    return fields


def validation_failed(exc: ValidationError) -> ValidationFailed:
    return ValidationFailed(fields=fields_from(exc))


def parse(schema, document: object):
    """``document`` as ``schema`` (a pydantic model), or ValidationFailed naming each bad field."""
    try:
        return schema.model_validate(document)
    except ValidationError as exc:
        raise validation_failed(exc) from None


class DomainMessage(ValueError):
    """Raise from a pydantic validator to show a translated message for that field."""

    def __init__(self, message) -> None:
        self.message = message
        super().__init__(str(message))
