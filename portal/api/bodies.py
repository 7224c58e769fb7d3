"""Reading a JSON request body: 415 when it is not JSON, 413 when too large, 400 when malformed."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from pydantic import AwareDatetime, TypeAdapter, ValidationError

from portal.api.errors import MalformedBody, TooLarge, UnsupportedMediaType
from portal.errors import ValidationFailed

# Enough for an order of 500 lines with long names; a setting can raise it.
DEFAULT_MAX_JSON_BYTES = 1_000_000

# The times the API keeps (orders' placed_at, tracking events' occurred_at). Far enough inside
# Python's calendar (years 1–9999) that turning them into UTC, into any shop's zone, or counting
# days from them never overflows — which would answer 500, or store an order no one can read.
EARLIEST_TIME = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_TIME = datetime(3000, 1, 1, tzinfo=UTC)
_AWARE_DATETIME = TypeAdapter(AwareDatetime)


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
    nul_fields = paths_with_nul(document)
    if nul_fields:
        raise ValidationFailed(fields={path: [_l("Must not contain NUL characters.")] for path in sorted(nul_fields)})
    return document


def optional_json_body() -> dict:
    """The JSON body when one was sent; an empty one (or none) means no options."""
    chunked = "chunked" in (request.headers.get("Transfer-Encoding") or "").lower()
    if not request.content_length and not chunked:
        return {}
    return json_body()


def paths_with_nul(document: dict) -> set[str]:
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


def check_times(document: dict, *names: str) -> None:
    """422 for a time among ``document``'s top-level ``names`` outside EARLIEST_TIME–LATEST_TIME.

    Only the range: a value that is not a time at all is left to the service's schema, which
    names that problem itself.
    """
    problems: dict[str, list] = {}
    for name in names:
        try:
            moment = _AWARE_DATETIME.validate_python(document.get(name))
        except ValidationError:
            continue
        try:
            moment = moment.astimezone(UTC)
        except OverflowError:  # beyond year 1 or 9999 in UTC
            problems[name] = [_l("Is too small.") if moment.year < 5000 else _l("Is too large.")]
            continue
        if moment < EARLIEST_TIME:
            problems[name] = [_l("Is too small.")]
        elif moment >= LATEST_TIME:
            problems[name] = [_l("Is too large.")]
    if problems:
        raise ValidationFailed(fields=problems)
