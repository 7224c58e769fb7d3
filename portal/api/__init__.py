"""JSON API v1 (API.md). The same services as the HTML portal."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from portal.api import catalogue, claims, instalments, returns, support, views, webhooks  # noqa: E402,F401  (the views register themselves on bp)
from portal.api.errors import register_error_handlers  # noqa: E402

register_error_handlers(bp)
