"""Claim e-mails on a real SMTP server: the buyer's acknowledgement, and the shop's notice with
the photos' thumbnails inline and a link that opens the claim."""

from __future__ import annotations

from portal.claims import services as claims
from tests.claims import conftest as claim_fixtures
from tests.claims.conftest import BUYER, claim_body

delivered_order = claim_fixtures.delivered_order
photo = claim_fixtures.photo


def _html(email):
    return email.get_body(("html",))


def test_a_claim_mails_the_buyer_and_the_shop_with_inline_thumbnails(
    app, make_merchant, delivered_order, photo, mail_server
):
    shop = make_merchant("kodinkone", support_email="asiakaspalvelu@kodinkone.example")
    order = delivered_order(shop, locale="en")
    mail_server.messages.clear()
    claim = claims.open_claim(order, claim_body(amount=20000), photos=[photo, photo], actor=BUYER)

    by_recipient = {m["To"]: m for m in mail_server.messages}
    buyer = by_recipient[order.customer.email]
    assert buyer["Subject"] == f"We received your claim {claim.number}"
    assert "answers by" in buyer.get_body(("plain",)).get_content()

    notice = by_recipient["asiakaspalvelu@kodinkone.example"]
    images = [p for p in notice.walk() if p.get_content_type() == "image/jpeg"]
    assert len(images) == 2
    cids = {p["Content-ID"].strip("<>") for p in images}
    assert cids == {f"photo-{p.id}" for p in claim.photos}
    body = _html(notice).get_content()
    for cid in cids:
        assert f"cid:{cid}" in body
    assert f"/console/claims/{claim.id}" in body
    assert "€200.00" in body or "200,00" in body
    assert notice["Subject"] and claim.number in notice["Subject"]
