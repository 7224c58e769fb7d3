"""Return e-mails really delivered to a mail server on 127.0.0.1, in the order's language:
the acknowledgement, the approval with the PDF slip attached, the rejection with the shop's
message, the settlement with the money; each one once, however often the shop clicks."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from pypdf import PdfReader
from sqlalchemy import select

from portal.db import utcnow
from portal.extensions import db
from portal.merchants.services import update_policy
from portal.money import format_money
from portal.notifications.models import OutboxMessage
from portal.orders.services import add_shipment, add_tracking_event, get_order
from portal.returns import services as returns
from tests.returns.conftest import BUYER, CAPTURED, ITEMS, SHOP, line

RETURN_ADDRESS = {
    "name": "Kodinkone Oy / Palautukset",
    "street": "Varastotie 4",
    "postal_code": "01510",
    "city": "Vantaa",
    "country": "FI",
}


@pytest.fixture
def delivered(shop, make_order):
    """A fridge and two trainers, bought in ``locale``, sent by Posti and delivered two days ago."""

    def make(number: str = "1001", locale: str = "fi"):
        payment = {"provider": "simulated", "reference": f"pay_{number}", "method": "card", "captured": CAPTURED}
        make_order(shop, number, locale=locale, items=ITEMS, payment=payment)
        shipment = add_shipment(shop, number, {"carrier": "Posti", "tracking_number": "JJFI1"}, actor=SHOP)
        at = (utcnow() - timedelta(days=2)).isoformat()
        add_tracking_event(shop, shipment.id, {"status": "delivered", "occurred_at": at}, actor=SHOP)
        return get_order(shop.id, number)

    return make


@pytest.fixture
def inbox(mail_server):
    """The return e-mails only: what the shipping and delivery notices sent before is set aside."""

    class Inbox:
        def clear(self) -> None:
            mail_server.messages.clear()

        @property
        def messages(self):
            return mail_server.messages

        def subjects(self) -> list[str]:
            return mail_server.subjects()

    return Inbox()


def outbox(kind_prefix: str = "return_") -> list[OutboxMessage]:
    db.session.expire_all()
    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at))
    return [m for m in rows if m.kind.startswith(kind_prefix)]


def text_of(email) -> str:
    return email.get_body(preferencelist=("plain",)).get_content()


def html_of(email) -> str:
    return email.get_body(preferencelist=("html",)).get_content()


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def in_language(language: str, message: str, **values) -> str:
    with force_locale(language):
        return _(message, **values)


def test_a_buyers_return_request_is_acknowledged_in_the_orders_language(shop, delivered, inbox):
    order = delivered(locale="fi")
    inbox.clear()

    ret = returns.request_return(order, {"items": [line("L2", 2, "wrong_size")]}, actor=BUYER)

    (email,) = inbox.messages
    assert email["To"] == "aino@example.fi"
    assert email["Subject"] == in_language("fi", "We received your return request %(number)s", number="1001-R1")
    assert "1001-R1" in email["Subject"]
    text, html = text_of(email), html_of(email)
    assert '<html lang="fi">' in html
    with force_locale("fi"):
        resolution = _("Money back to my original payment")
    assert f"2 × Juoksukenkä ({resolution})" in text
    assert "1001" in text and "Kodinkone Oy" in html
    assert "http://127.0.0.1:5000/o/" in text and 'href="http://127.0.0.1:5000/o/' in html
    assert not list(email.iter_attachments())  # no slip before the shop approves
    assert [(m.kind, m.status, m.locale) for m in outbox()] == [("return_requested", "sent", "fi")]
    assert ret.status == "requested"


def test_the_language_is_the_orders_not_the_shops(shop, delivered, inbox):
    order = delivered(locale="en")
    inbox.clear()

    returns.request_return(order, {"items": [line("L2", 1)]}, actor=BUYER)

    (email,) = inbox.messages
    assert email["Subject"] == "We received your return request 1001-R1"
    assert '<html lang="en">' in html_of(email)
    assert "1 × Juoksukenkä (Money back to my original payment)" in text_of(email)


def test_approval_sends_the_return_slip_as_a_pdf(shop, delivered, inbox):
    update_policy(shop, {"returns": {"return_address": RETURN_ADDRESS}}, actor=SHOP)
    order = delivered(locale="fi")
    ret = returns.request_return(order, {"items": [line("L1", 1, "changed_mind")]}, actor=BUYER)
    inbox.clear()

    returns.approve(shop.id, ret.id, actor=SHOP, document={"message": "Kiitos, lähetä kone alkuperäispakkauksessa."})

    (email,) = inbox.messages
    assert email["Subject"] == in_language("fi", "Return %(number)s approved: your return slip", number="1001-R1")
    assert email.get_content_type() == "multipart/mixed"
    assert "Kiitos, lähetä kone alkuperäispakkauksessa." in text_of(email)
    (attachment,) = email.iter_attachments()
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "return-1001-R1.pdf"
    assert attachment.get_content_disposition() == "attachment"
    content = attachment.get_content()
    assert content.startswith(b"%PDF-")
    slip = pdf_text(content)
    assert "1001-R1" in slip
    assert "Jääkaappi A200" in slip and "Varastotie 4" in slip
    # Rendered at sending time in the message's language, like the mail around it.
    with force_locale("fi"):
        due = format_date(ret.refund_due_on, "long")
    assert due in slip and "Suomi" in slip
    assert [(m.kind, m.status) for m in outbox()] == [("return_requested", "sent"), ("return_approved", "sent")]


def test_an_auto_approved_return_sends_the_slip_at_once_and_no_acknowledgement(shop, delivered, inbox):
    update_policy(shop, {"returns": {"auto_approve_max": 10000}}, actor=SHOP)
    order = delivered(locale="en")
    inbox.clear()

    ret = returns.request_return(order, {"items": [line("L2", 2)]}, actor=BUYER)

    assert ret.status == "approved" and ret.auto_approved
    (email,) = inbox.messages
    assert email["Subject"] == "Return 1001-R1 approved: your return slip"
    (attachment,) = email.iter_attachments()
    assert attachment.get_filename() == "return-1001-R1.pdf"
    assert "1001-R1" in pdf_text(attachment.get_content())
    assert [m.kind for m in outbox()] == ["return_approved"]


def test_a_rejection_mails_the_shops_message(shop, delivered, inbox):
    order = delivered(locale="fi")
    ret = returns.request_return(order, {"items": [line("L1", 1, "changed_mind")]}, actor=BUYER)
    inbox.clear()
    message = "Kone on asennettu ja käytetty, joten emme voi ottaa sitä takaisin (ehdot kohta 4 & 5)."

    returns.reject(shop.id, ret.id, {"message": message}, actor=SHOP)

    (email,) = inbox.messages
    assert email["Subject"] == in_language("fi", "Your return request %(number)s was not accepted", number="1001-R1")
    assert message in text_of(email)
    assert message.replace("&", "&amp;") in html_of(email)  # escaped in the HTML part
    assert not list(email.iter_attachments())
    assert [m.kind for m in outbox()] == ["return_requested", "return_rejected"]


def test_the_settlement_mails_the_refund_as_money(shop, delivered, inbox):
    order = delivered(locale="fi")
    ret = returns.request_return(order, {"items": [line("L2", 2, "wrong_size")]}, actor=BUYER)
    returns.approve(shop.id, ret.id, actor=SHOP)
    inbox.clear()

    settled = returns.receive(shop.id, ret.id, actor=SHOP)

    assert settled.refund_amount == 10000
    (email,) = inbox.messages
    assert email["Subject"] == in_language("fi", "Return %(number)s settled", number="1001-R1")
    text = text_of(email)
    assert format_money(10000, "EUR", "fi") == "100,00\xa0€"
    assert "100,00\xa0€" in text
    assert "100,00\xa0€" in html_of(email)
    assert "10000" not in text  # never minor units


def test_store_credit_is_mailed_with_its_bonus_in_the_buyers_format(shop, delivered, inbox):
    update_policy(shop, {"returns": {"store_credit_bonus_pct": "10"}}, actor=SHOP)
    order = delivered(locale="en")
    ret = returns.request_return(order, {"items": [line("L2", 1, "changed_mind", "store_credit")]}, actor=BUYER)
    inbox.clear()

    returns.receive(shop.id, ret.id, actor=SHOP)

    (email,) = inbox.messages
    text = text_of(email)
    assert "€55.00 store credit is now on your account at Kodinkone Oy." in text
    assert "This includes a bonus of €5.00." in text


def test_each_return_mail_goes_once_however_often_the_shop_clicks(shop, delivered, inbox):
    order = delivered(locale="en")
    first = returns.request_return(order, {"items": [line("L1", 1, "changed_mind")]}, actor=BUYER)
    second = returns.request_return(order, {"items": [line("L2", 1)]}, actor=BUYER)

    returns.approve(shop.id, first.id, actor=SHOP)
    returns.approve(shop.id, first.id, actor=SHOP)  # a double click
    returns.receive(shop.id, first.id, actor=SHOP)
    returns.receive(shop.id, first.id, actor=SHOP)
    returns.reject(shop.id, second.id, {"message": "Size 42 was right."}, actor=SHOP)
    returns.reject(shop.id, second.id, {"message": "Size 42 was right."}, actor=SHOP)

    return_subjects = [s for s in inbox.subjects() if "1001-R" in s]
    assert sorted(return_subjects) == sorted(
        [
            "We received your return request 1001-R1",
            "We received your return request 1001-R2",
            "Return 1001-R1 approved: your return slip",
            "Return 1001-R1 settled",
            "Your return request 1001-R2 was not accepted",
        ]
    )
    slips = [a for m in inbox.messages for a in m.iter_attachments()]
    assert [a.get_filename() for a in slips] == ["return-1001-R1.pdf"]
    assert sorted(m.kind for m in outbox()) == [
        "return_approved",
        "return_rejected",
        "return_requested",
        "return_requested",
        "return_settled",
    ]
    assert {m.status for m in outbox()} == {"sent"}


def test_the_settlement_in_html_escapes_the_shops_name(make_merchant, make_order, inbox):
    shop = make_merchant("koti-keittio", name="Koti & <Keittiö>")
    update_policy(shop, {"returns": {"store_credit_bonus_pct": "10"}}, actor=SHOP)
    payment = {"provider": "simulated", "reference": "pay_9", "method": "card", "captured": CAPTURED}
    make_order(shop, "9001", locale="en", items=ITEMS, payment=payment)
    shipment = add_shipment(shop, "9001", {"carrier": "Posti", "tracking_number": "JJFI9"}, actor=SHOP)
    at = (utcnow() - timedelta(days=1)).isoformat()
    add_tracking_event(shop, shipment.id, {"status": "delivered", "occurred_at": at}, actor=SHOP)
    order = get_order(shop.id, "9001")
    ret = returns.request_return(order, {"items": [line("L2", 1, "changed_mind", "store_credit")]}, actor=BUYER)
    inbox.clear()

    returns.receive(shop.id, ret.id, actor=SHOP)

    (email,) = inbox.messages
    html = html_of(email)
    assert "€55.00 store credit is now on your account at Koti &amp; &lt;Keittiö&gt;." in html
    assert "<Keittiö>" not in html
    assert "€55.00 store credit is now on your account at Koti & <Keittiö>." in text_of(email)


def test_a_slip_that_cannot_be_made_fails_the_mail_visibly_and_is_retried(shop, delivered, inbox, monkeypatch):
    from portal import documents
    from portal.notifications.services import retry_failed

    order = delivered(locale="fi")
    ret = returns.request_return(order, {"items": [line("L1", 1, "changed_mind")]}, actor=BUYER)
    inbox.clear()

    def broken(_spec):
        raise RuntimeError("no fonts")

    monkeypatch.setattr(documents, "render_attachment", broken)
    returns.approve(shop.id, ret.id, actor=SHOP)
    assert inbox.messages == []
    (approved,) = [m for m in outbox() if m.kind == "return_approved"]
    assert (approved.status, approved.last_error) == ("failed", "attachment: no fonts")
    monkeypatch.undo()
    assert retry_failed() == 1
    db.session.expire_all()
    assert [m.status for m in outbox() if m.kind == "return_approved"] == ["sent"]
    assert len(inbox.messages) == 1
