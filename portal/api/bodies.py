"""Reading a JSON request body: 415 when it is not JSON, 413 when too large, 400 when malformed."""

from __future__ import annotations

import json

from flask import current_app, request
from flask_babel import lazy_gettext as _l

from portal.api.errors import MalformedBody, TooLarge, UnsupportedMediaType
from portal.errors import ValidationFailed

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
    nul_fields = _paths_with_nul(document)
    if nul_fields:
        raise ValidationFailed(fields={path: [_l("Must not contain NUL characters.")] for path in sorted(nul_fields)})
    return document


def _paths_with_nul(document: dict) -> set[str]:
    """Dotted paths of the texts holding \\u0000: JSON allows it, PostgreSQL cannot store it.

    Iterative, as the document may nest as deep as the JSON parser allowed.
    """
    found: set[str] = set()
    stack: list[tuple[str, object]] = [("", document)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                found.add(path or "body")
        elif isinstance(node, dict):
            for key, value in node.items():
                if "\x00" in key:
                    found.add(path or "body")
                else:
                    stack.append((f"{path}.{key}" if path else key, value))
        elif isinstance(node, list):
            stack.extend((f"{path}.{index}" if path else str(index), value) for index, value in enumerate(node))
    return found
