"""Domain errors: raised by services, mapped by views to a flash, a form error or an API error.

Messages are lazy translations so they render in the language of the request that shows them.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    code = "domain_error"
    status = 409
    default_message = _l("This cannot be done now.")

    def __init__(self, message=None, *, fields: dict[str, list] | None = None, code: str | None = None):
        self.message = message if message is not None else self.default_message
        self.fields = fields or {}
        if code:
            self.code = code
        # Not str(message): a lazy translation renders only where a request picks the language.
        super().__init__(self.code)

    def __str__(self) -> str:
        return str(self.message)


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = _l("Not found.")


class ValidationFailed(DomainError):
    code = "validation_failed"
    status = 422
    default_message = _l("Some fields need your attention.")


class Conflict(DomainError):
    code = "conflict"
    status = 409


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    default_message = _l("You do not have access to this.")


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429
    default_message = _l("Too many attempts. Please wait a moment and try again.")

    def __init__(self, retry_after: int, message=None):
        self.retry_after = max(1, int(retry_after))
        super().__init__(message)
