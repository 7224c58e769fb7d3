"""Mail fixtures: a real SMTP server on 127.0.0.1 (running, or down until started) with
SMTP_URL pointing at it, and a shop whose buyers get the mail."""

from __future__ import annotations

import pytest

from tests.notifications.mail_server import MailServer


@pytest.fixture
def mail_server(app):
    """A running SMTP server; SMTP_URL points at it."""
    server = MailServer()
    server.start()
    app.config["SMTP_URL"] = server.url
    yield server
    server.stop()


@pytest.fixture
def mail_server_down(app):
    """SMTP_URL points at a port where no server listens yet; ``.start()`` brings it up."""
    server = MailServer()
    app.config["SMTP_URL"] = server.url
    yield server
    server.stop()


@pytest.fixture
def shop(make_merchant):
    return make_merchant("kodinkone", name="Kodinkone Oy", support_email="asiakaspalvelu@kodinkone.example")
