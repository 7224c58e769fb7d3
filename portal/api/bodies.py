"""Reading a JSON request body: 415 when it is not JSON, 413 when too large, 400 when malformed."""

from __future__ import annotations

import json

from flask import current_app, request
from flask_babel import lazy_gettext as _l

from portal.api.errors import MalformedBody, TooLarge, UnsupportedMediaType

# Enough for an order of 500 lines with long names; a setting can raise it.
DEFAULT_MAX_JSON_BYTES = 1_000_000


def _no_constants(name: str):
    # Python's json accepts NaN and Infinity; JSON does not.
    raise ValueError(name)


def json_body() -> dict:
    """The request's JSON object. Anything else is the client's mistake, never a 500."""
    if not request.is_json:
        raise UnsupportedMediaType()
    limit = current_app.config.get("API_MAX_JSON_BYTES", DEFAULT_MAX_JSON_BYTES)
    if request.content_length is not None and request.content_length > limit:
        raise TooLarge()
    raw = request.stream.read(limit + 1)
    if len(raw) > limit:
        raise TooLarge()
    try:
        document = json.loads(raw, parse_constant=_no_constants)
    except (ValueError, RecursionError):
        raise MalformedBody() from None
    if not isinstance(document, dict):
        raise MalformedBody(_l("The body must be a JSON object."))
    return document
