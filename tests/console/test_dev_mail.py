"""The sent-mail page: how the demo shows buyer e-mail when no mail server is set up."""

from __future__ import annotations

import re
from html import unescape

from portal.actors import Actor
from portal.orders.services import add_shipment

SYSTEM = Actor.system("tests")
MESSAGE_LINK = re.compile(r'href="/console/dev/mail/(msg_[a-z0-9]+)')


def ship(shop, number: str, tracking: str) -> None:
    add_shipment(shop, number, {"carrier": "Posti", "tracking_number": tracking}, actor=SYSTEM)


def test_anonymous_visitors_are_sent_to_sign_in(client, shop_a, make_order):
    make_order(shop_a, "1001")
    ship(shop_a, "1001", "JJFI1")
    for url in ("/console/dev/mail", "/console/dev/mail/msg_whatever", "/console/dev/mail/msg_whatever/html"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/staff/login?next=")


def test_a_shipment_notice_is_listed_and_readable(client, sign_in, agent_a, shop_a, make_order):
    make_order(shop_a, "1001", locale="en")
    ship(shop_a, "1001", "JJFI123456789")
    sign_in("agent@kodinkone.fi")
    listing = client.get("/console/dev/mail")
    html = unescape(listing.get_data(as_text=True))
    assert listing.status_code == 200
    assert listing.headers["Cache-Control"] == "private, no-store"
    assert "aino@example.fi" in html
    assert "Your order 1001 is on its way" in html
    assert "Kept here (no mail server set up)" in html
    (message_id,) = MESSAGE_LINK.findall(html)

    detail = client.get(f"/console/dev/mail/{message_id}")
    page = unescape(detail.get_data(as_text=True))
    assert detail.status_code == 200
    assert "JJFI123456789" in page  # the plain-text body
    assert f'<iframe class="mail-frame" sandbox src="/console/dev/mail/{message_id}/html"' in page
    assert "<script" not in page

    body = client.get(f"/console/dev/mail/{message_id}/html")
    assert body.status_code == 200
    assert body.mimetype == "text/html"
    assert body.headers["Content-Security-Policy"].startswith("sandbox;")
    assert "script-src" not in body.headers["Content-Security-Policy"]  # default-src 'none' covers scripts
    assert "JJFI123456789" in body.get_data(as_text=True)


def test_staff_read_only_their_own_shops_mail(client, sign_in, agent_a, shop_a, shop_b, make_order):
    make_order(shop_a, "1001", customer={"email": "aino@example.fi", "name": "Aino"})
    make_order(shop_b, "9001", customer={"email": "pekka@example.fi", "name": "Pekka"})
    ship(shop_a, "1001", "JJFI1")
    ship(shop_b, "9001", "JJFI9")
    sign_in("agent@kodinkone.fi")
    html = client.get("/console/dev/mail").get_data(as_text=True)
    assert "aino@example.fi" in html and "pekka@example.fi" not in html
    from portal.extensions import db
    from portal.notifications.models import OutboxMessage

    theirs = db.session.scalar(db.select(OutboxMessage.id).where(OutboxMessage.recipient == "pekka@example.fi"))
    assert client.get(f"/console/dev/mail/{theirs}").status_code == 404
    assert client.get(f"/console/dev/mail/{theirs}/html").status_code == 404


def test_platform_staff_read_every_shops_mail(client, sign_in, platform_admin, shop_a, shop_b, make_order):
    make_order(shop_a, "1001", customer={"email": "aino@example.fi", "name": "Aino"})
    make_order(shop_b, "9001", customer={"email": "pekka@example.fi", "name": "Pekka"})
    ship(shop_a, "1001", "JJFI1")
    ship(shop_b, "9001", "JJFI9")
    sign_in("admin@apuri.example")
    html = client.get("/console/dev/mail").get_data(as_text=True)
    assert "aino@example.fi" in html and "pekka@example.fi" in html
    assert "Kodinkone Oy" in html and "Pyöräpaja" in html
    only_b = client.get("/console/dev/mail?shop=pyorapaja").get_data(as_text=True)
    assert "pekka@example.fi" in only_b and "aino@example.fi" not in only_b
    for message_id in MESSAGE_LINK.findall(html):
        assert client.get(f"/console/dev/mail/{message_id}").status_code == 200
