"""Absolute links for e-mails, CLI output and API answers, with or without a request."""

from __future__ import annotations

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    adapter = current_app.url_map.bind("localhost", url_scheme="http")
    path = adapter.build(endpoint, values, force_external=False)
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path
