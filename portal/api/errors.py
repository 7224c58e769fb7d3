"""The API's error format (API.md): {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

from typing import ClassVar

from flask import Blueprint, current_app, jsonify, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DataError, IntegrityError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from portal.errors import DomainError, RateLimited
from portal.extensions import db

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "server_error",
}


def error_response(status: int, code: str | None, message, fields: dict | None = None, headers: dict | None = None):
    body = {
        "error": {
            "code": code or _CODES.get(status, "error"),
            "message": str(message),
            "fields": {key: [str(m) for m in messages] for key, messages in (fields or {}).items()},
        }
    }
    response = jsonify(body)
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


# -- errors only the API raises ---------------------------------------------------------------


class Unauthenticated(DomainError):
    code = "unauthorized"
    status = 401
    default_message = _l("Send valid credentials as Authorization: Bearer <key>.")
    headers: ClassVar[dict[str, str]] = {"WWW-Authenticate": 'Bearer realm="apuri"'}


class MalformedBody(DomainError):
    code = "bad_request"
    status = 400
    default_message = _l("The body is not valid JSON.")


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"
    status = 415
    default_message = _l("Send the body as JSON with the header Content-Type: application/json.")


class TooLarge(DomainError):
    code = "too_large"
    status = 413
    default_message = _l("What you sent is too large.")


# Messages for errors Flask or Werkzeug raise themselves (their own texts are English only).
_HTTP_MESSAGES = {
    400: _l("The request could not be understood."),
    401: Unauthenticated.default_message,
    403: _l("You do not have access to this."),
    404: _l("Not found."),
    405: _l("This method is not allowed here."),
    413: TooLarge.default_message,
    415: UnsupportedMediaType.default_message,
    429: _l("Too many attempts. Please wait a moment and try again."),
}
_SERVER_ERROR = _l("Something went wrong on our side. Please try again in a moment.")


def _domain_error(exc: DomainError):
    headers = dict(getattr(exc, "headers", None) or {})
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    return error_response(exc.status, exc.code, exc.message, exc.fields, headers=headers)


def _http_error(exc: HTTPException):
    status = exc.code or 500
    if status >= 500:
        db.session.rollback()
        return error_response(status, None, _SERVER_ERROR)
    headers = {}
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        headers["Allow"] = ", ".join(exc.valid_methods)
    retry_after = getattr(exc, "retry_after", None)
    if status == 429 and retry_after:
        headers["Retry-After"] = str(retry_after)
    return error_response(status, None, _HTTP_MESSAGES.get(status, _HTTP_MESSAGES[400]), headers=headers)


def _write_conflict(_exc: IntegrityError):
    # Two requests wrote the same thing at once (e.g. two PUTs creating one new order):
    # nothing was saved for this one, and sending it again is safe.
    db.session.rollback()
    return error_response(409, "conflict", _l("Another request changed this at the same time. Send yours again."))


def _unstorable(_exc: DataError):
    # A value the validators let through but the database cannot hold (e.g. above its integer range).
    db.session.rollback()
    return error_response(422, "validation_failed", _l("A value in the request is too large or cannot be stored."))


def _unexpected(exc: Exception):
    db.session.rollback()
    current_app.logger.exception("API request failed: %s %s", request.method, request.path)
    return error_response(500, None, _SERVER_ERROR)


def register_error_handlers(bp: Blueprint) -> None:
    """Every error under /api/v1 answers in the API's JSON form, never an HTML page.

    Handlers registered by status code come first in Flask's lookup, so the app's HTML-page
    handlers for those codes never answer an API request.
    """
    bp.register_error_handler(DomainError, _domain_error)
    bp.register_error_handler(IntegrityError, _write_conflict)
    bp.register_error_handler(DataError, _unstorable)
    bp.register_error_handler(HTTPException, _http_error)
    for status in (400, 401, 403, 404, 405, 413, 415, 429, 500):
        bp.register_error_handler(status, _http_error)
    bp.register_error_handler(Exception, _unexpected)
