"""A shop admin checks a failed refund on a phone and sends it again."""

from __future__ import annotations

import pytest

from portal.actors import Actor
from portal.payments.providers.simulated import switch_next_call
from portal.payments.services import request_refund

pytestmark = pytest.mark.browser


def test_the_refunds_page_fits_a_phone_and_a_failed_refund_can_be_sent_again(
    live_server, phone, artifacts, make_merchant, make_order, make_user
):
    shop = make_merchant("kodinkone", name="Kodinkone Oy")
    make_user(email="admin@kodinkone.fi", password="correct horse battery", role="merchant_admin", merchant=shop)
    order = make_order(shop, "1001", locale="en")
    for n in range(3):
        request_refund(order, 1000 + n, "manual", f"Scratch {n}", Actor.system("tests"))
    switch_next_call("fail", "expired_or_canceled_card")
    request_refund(order, 5000, "manual", "Dented lid", Actor.system("tests"))

    page = phone
    page.goto(f"{live_server.url}/staff/login?lang=en")
    page.fill("input[name=email]", "admin@kodinkone.fi")
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/console/refunds")
    page.screenshot(path=str(artifacts / "console-refunds-phone.png"), full_page=True)
    width = page.evaluate("window.innerWidth")
    assert width == 390  # the phone did not zoom out to fit something too wide
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.get_by_text("expired", exact=False).first.is_visible()

    page.get_by_role("button", name="Send again").click()
    assert page.get_by_text("Dented lid").first.is_visible()
    from sqlalchemy import select

    from portal.extensions import db
    from portal.payments.models import Refund

    db.session.expire_all()
    refund = db.session.scalar(select(Refund).where(Refund.reason == "Dented lid"))
    assert (refund.status, refund.attempt) == ("succeeded", 2)
