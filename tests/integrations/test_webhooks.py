"""Outbound webhooks: a return's approval reaches the shop's server signed (checked here by an
implementation of our own, not the app's), once per endpoint that wants it; a failing server is
retried with growing waits and then given up; a re-send tries again; a rolled-back change sends
nothing; another shop's events never go to this shop's endpoint."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from portal.db import utcnow
from portal.extensions import db
from portal.integrations import webhooks
from portal.integrations.models import WebhookDelivery
from portal.returns.services import approve, request_return
from tests.returns import conftest as returns_fixtures
from tests.returns.conftest import BUYER, SHOP, line

delivered_order = returns_fixtures.delivered_order


class Receiver:
    """A shop's web server on loopback: records each request; answers with the next status code."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                self.send_response(receiver.answers.pop(0) if receiver.answers else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/apuri"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def verify(secret: str, headers: dict, body: bytes, tolerance: int = 300) -> dict:
    """How a shop checks a delivery, written from the README's description alone."""
    fields = dict(part.split("=", 1) for part in headers["Apuri-Signature"].split(","))
    timestamp = int(fields["t"])
    assert abs(time.time() - timestamp) <= tolerance, "too old"
    expected = hmac.new(secret.encode("utf-8"), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, fields["v1"]), "bad signature"
    return json.loads(body)


def deliveries() -> list[WebhookDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.created_at)))


@pytest.fixture
def shop(make_merchant, variants):
    shop = make_merchant("kodinkone")
    variants(shop)
    return shop


variants = returns_fixtures.variants


def test_a_return_approval_reaches_the_shop_signed(shop, delivered_order, receiver):
    endpoint = webhooks.create_endpoint(shop, receiver.url, ["return.approved", "return.requested"], SHOP)
    order = delivered_order(shop, "1001")
    ret = request_return(order, {"items": [line("L1", reason="changed_mind")]}, actor=BUYER)
    approve(shop.id, ret.id, actor=SHOP)
    assert [d.event_type for d in deliveries()] == ["return.requested", "return.approved"]

    assert webhooks.deliver_due() == 2
    assert [d.status for d in deliveries()] == ["succeeded", "succeeded"]
    first, second = receiver.requests
    event = verify(endpoint.secret, second["headers"], second["body"])
    assert event["type"] == "return.approved" and second["headers"]["Apuri-Event"] == "return.approved"
    assert event["shop"] == "kodinkone" and event["data"] == {
        "object": "return", "id": ret.id, "changes": {"status": "approved", "message": ""}
    }  # fmt: skip
    assert second["headers"]["Apuri-Delivery"] == deliveries()[1].id
    assert verify(endpoint.secret, first["headers"], first["body"])["data"]["id"] == ret.id
    # Tampered bodies and other secrets do not verify.
    with pytest.raises(AssertionError):
        verify(endpoint.secret, second["headers"], second["body"].replace(b"approved", b"rejected"))
    with pytest.raises(AssertionError):
        verify("whsec_other", second["headers"], second["body"])
    assert webhooks.deliver_due() == 0  # nothing sent twice


def test_a_failing_server_is_retried_with_growing_waits_then_given_up(shop, delivered_order, receiver):
    webhooks.create_endpoint(shop, receiver.url, ["*"], SHOP)
    order = delivered_order(shop, "1001")
    request_return(order, {"items": [line("L1", reason="changed_mind")]}, actor=BUYER)
    [delivery] = deliveries()
    receiver.answers = [500] * 20
    now = utcnow()
    waits = []
    for _attempt in range(webhooks.MAX_ATTEMPTS):
        assert webhooks.deliver_due(now=now) == 1
        delivery = deliveries()[0]
        assert webhooks.deliver_due(now=now) == 0  # not due again at once
        if delivery.next_attempt_at is not None:
            waits.append(delivery.next_attempt_at - now)
            now = delivery.next_attempt_at
    assert waits == list(webhooks.BACKOFF)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", webhooks.MAX_ATTEMPTS, 500)
    assert len(receiver.requests) == webhooks.MAX_ATTEMPTS
    assert len({r["headers"]["Apuri-Delivery"] for r in receiver.requests}) == 1  # the same delivery each time

    # The shop fixed its server and presses "Re-send": one more try, which succeeds.
    receiver.answers = []
    webhooks.resend(shop.id, delivery.id, SHOP)  # tried at once: staff wait for the answer
    assert deliveries()[0].status == "succeeded" and len(receiver.requests) == webhooks.MAX_ATTEMPTS + 1


def test_an_unreachable_server_is_recorded_and_retried(shop, delivered_order):
    webhooks.create_endpoint(shop, "http://127.0.0.1:9/nothing-listens", ["*"], SHOP)
    request_return(delivered_order(shop, "1001"), {"items": [line("L1", reason="changed_mind")]}, actor=BUYER)
    webhooks.deliver_due()
    [delivery] = deliveries()
    assert delivery.status == "pending" and delivery.attempts == 1 and delivery.last_error
    assert delivery.next_attempt_at > utcnow() + timedelta(seconds=50)


def test_only_wanted_events_of_this_shop_and_nothing_for_a_rolled_back_change(
    shop, make_merchant, delivered_order, receiver, variants
):
    webhooks.create_endpoint(shop, receiver.url, ["claim.accepted"], SHOP)
    other = make_merchant("pyorapaja")
    variants(other)
    webhooks.create_endpoint(other, receiver.url + "/other", ["*"], SHOP)
    request_return(delivered_order(shop, "1001"), {"items": [line("L1", reason="changed_mind")]}, actor=BUYER)
    assert deliveries() == []  # the shop's endpoint wants claims only; the other shop's sees nothing
    from portal.errors import ValidationFailed

    with pytest.raises(ValidationFailed):  # refused: the transaction and its event roll back
        request_return(delivered_order(other, "2001"), {"items": [line("L9", reason="changed_mind")]}, actor=BUYER)
    assert deliveries() == []


def test_endpoints_are_checked(shop, app):
    from portal.errors import ValidationFailed

    for url, events in (("ftp://x.example/hook", ["*"]), ("https://x.example/hook", []), ("https://x", ["nope"])):
        with pytest.raises(ValidationFailed):
            webhooks.create_endpoint(shop, url, events, SHOP)
    app.config["WEBHOOK_ALLOW_HTTP"] = False
    with pytest.raises(ValidationFailed) as refused:
        webhooks.create_endpoint(shop, "http://shop.example/hook", ["*"], SHOP)
    assert "https" in str(refused.value.fields["url"][0])


def test_the_signature_scheme_matches_the_documented_example():
    body = b'{"id":"evt_1"}'
    header = webhooks.signature_header("whsec_test", body, 1764760000)
    expected = hmac.new(b"whsec_test", b"1764760000." + body, hashlib.sha256).hexdigest()
    assert header == f"t=1764760000,v1={expected}"


# -- the console page ---------------------------------------------------------------------------


def test_an_admin_adds_a_webhook_reads_its_log_and_resends(
    client, sign_in, make_user, shop_a, agent_a, delivered_order, variants, receiver
):
    from html import unescape

    from tests.conftest import csrf_from

    variants(shop_a)
    make_user(email="admin@kodinkone.fi", password="correct horse battery", role="merchant_admin", merchant=shop_a)
    sign_in("admin@kodinkone.fi")
    html = unescape(client.get("/console/webhooks").get_data(as_text=True))
    token = csrf_from(html)
    response = client.post("/console/webhooks", data={"csrf_token": token, "url": "ftp://x", "events": []})
    page = unescape(response.get_data(as_text=True))
    assert response.status_code == 422 and "Choose at least one event." in page and 'value="ftp://x"' in page
    response = client.post(
        "/console/webhooks", data={"csrf_token": token, "url": receiver.url, "events": ["return.requested"]}
    )
    assert response.status_code == 302
    [endpoint] = webhooks.endpoints(shop_a.id)
    request_return(delivered_order(shop_a, "1001"), {"items": [line("L1", reason="changed_mind")]}, actor=BUYER)
    receiver.answers = [503]
    webhooks.deliver_due()
    html = unescape(client.get("/console/webhooks").get_data(as_text=True))
    assert endpoint.secret in html and "return.requested" in html and "503" in html and "Waiting to be sent" in html
    [delivery] = deliveries()
    response = client.post(f"/console/webhooks/deliveries/{delivery.id}/resend", data={"csrf_token": token})
    html = unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Sent again: the server answered 200." in html and "Delivered" in html
    verify(endpoint.secret, receiver.requests[-1]["headers"], receiver.requests[-1]["body"])

    agent = client.application.test_client()
    sign_in(agent_a.email, using=agent)  # an agent, not an admin
    assert agent.get("/console/webhooks").status_code == 403
    agent_token = csrf_from(agent.get("/console/tickets").get_data(as_text=True))
    resend = agent.post(f"/console/webhooks/deliveries/{delivery.id}/resend", data={"csrf_token": agent_token})
    assert resend.status_code == 403


def test_another_shops_admin_cannot_touch_the_webhook(client, sign_in, make_user, shop_a, shop_b):
    from tests.conftest import csrf_from

    endpoint = webhooks.create_endpoint(shop_a, "https://shop-a.example/hook", ["*"], SHOP)
    make_user(email="admin@pyorapaja.fi", password="correct horse battery", role="merchant_admin", merchant=shop_b)
    sign_in("admin@pyorapaja.fi")
    html = client.get("/console/webhooks").get_data(as_text=True)
    assert endpoint.secret not in html and "shop-a.example" not in html
    token = csrf_from(html)
    assert client.post(f"/console/webhooks/{endpoint.id}/delete", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/console/webhooks/{endpoint.id}/active", data={"csrf_token": token}).status_code == 404
    assert webhooks.endpoints(shop_a.id)[0].active
