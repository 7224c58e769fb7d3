"""The API's error format (API.md): {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

from flask import jsonify

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
