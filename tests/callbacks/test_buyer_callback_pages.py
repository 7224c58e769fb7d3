"""The buyer asks for a call from the order page: the form, the confirmation page and e-mail with
the slot in the buyer's language and the shop's time zone, and what happens next. The number goes
nowhere but the callback: not onto the ticket, the customer, the audit log or the e-mail."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.callbacks import services as callbacks
from portal.callbacks.models import CallbackRequest
from portal.extensions import db
from portal.support.models import Ticket, TicketMessage
from tests.callbacks.conftest import mails, open_order, page_text, post_form, slot_options


def _form_url(order) -> str:
    return f"/s/{order.merchant.slug}/orders/{order.number}/callback"


def _slot_words(value: str, timezone: str, locale: str) -> tuple[str, str]:
    """The day and the start time of a slot value as the buyer reads them."""
    start = callbacks.parse_slot(value).astimezone(ZoneInfo(timezone))
    return format_date(start, "full", locale=locale), format_time(start, "short", locale=locale)


def test_the_order_page_and_the_contact_page_offer_a_call(client, order_fi):
    open_order(client, order_fi)
    order_page = page_text(client.get("/s/kodinkone/orders/1001"))
    assert f'href="{_form_url(order_fi)}"' in order_page and "Soita minulle" in order_page
    contact_page = page_text(client.get("/s/kodinkone/orders/1001/contact"))
    assert f'href="{_form_url(order_fi)}"' in contact_page


def test_the_form_has_labelled_fields_the_shops_hours_and_says_what_happens_next(client, order_fi):
    open_order(client, order_fi)
    html = page_text(client.get(_form_url(order_fi) + "?lang=en"))
    assert "<h1>Call me back</h1>" in html
    assert "We call on working days between 9:00\u202fAM and 4:00\u202fPM (Helsinki time)." in html
    for field in ("phone", "slot", "note"):
        assert f'<label for="{field}">' in html
    assert 'inputmode="tel"' in html and 'autocomplete="tel"' in html
    assert "<legend>What is the call about?</legend>" in html
    for label in ("Delivery", "Return or exchange", "Defect or claim", "Payment", "Something else"):
        assert label in html
    assert 'name="viewport"' in html  # a phone's width
    assert "What happens next:" in html and "we e-mail you a link to choose a new time" in html
    options = slot_options(html)
    assert len(options) >= 5 * 14 - 16  # five working days of half hours, some of today gone


def test_asking_for_a_call_confirms_the_time_on_the_page_and_by_e_mail(client, order_fi):
    open_order(client, order_fi)
    chosen = slot_options(page_text(client.get(_form_url(order_fi))))[3]
    response = post_form(
        client,
        _form_url(order_fi),
        {"phone": "040 123 4567", "topic": "defect", "slot": chosen, "note": "Ovi ei mene kiinni."},
    )
    assert response.status_code == 302
    callback = db.session.scalars(select(CallbackRequest)).one()
    assert response.headers["Location"] == f"/s/kodinkone/callbacks/{callback.id}"
    assert callback.phone == "+358401234567" and callback.topic == "defect" and callback.status == "pending"
    assert callbacks.slot_value(callback.slot_start) == chosen

    day, start = _slot_words(chosen, "Europe/Helsinki", "fi")
    html = page_text(client.get(response.headers["Location"]))
    assert '<html lang="fi">' in html
    assert f"Kiitos. Soitamme sinulle: {day}" in html  # the flash
    assert f"{day}, {start}" in html and "(Helsinki, paikallista aikaa)" in html
    assert "Mitä seuraavaksi" in html
    assert "Numero, joka päättyy 67" in html  # its end only: the buyer can spot a typo
    assert "040 123 4567" not in html and "+358401234567" not in html
    ticket = db.session.get(Ticket, callback.ticket_id)
    assert f'href="/s/kodinkone/tickets/{ticket.id}"' in html

    (mail,) = mails("callback_confirmed")
    assert mail.recipient == "aino@example.fi" and mail.locale == "fi"
    assert day in mail.subject and start in mail.subject
    assert f"Soitamme sinulle: {day}, {start}" in mail.text_body and "Helsinki, paikallista aikaa" in mail.text_body
    assert "Mitä seuraavaksi" in mail.text_body and ticket.number in mail.text_body
    assert "401234567" not in mail.text_body + mail.html_body
    assert mail.reply_to == f"support+{ticket.reply_token}@apuri.localhost"
    assert mails("ticket_received") == []  # one e-mail, not two


def test_the_callback_is_a_ticket_at_once_without_the_number(client, order_fi):
    open_order(client, order_fi)
    chosen = slot_options(page_text(client.get(_form_url(order_fi))))[0]
    post_form(client, _form_url(order_fi), {"phone": "+358 40 123 4567", "topic": "delivery", "slot": chosen})
    callback = db.session.scalars(select(CallbackRequest)).one()
    ticket = db.session.get(Ticket, callback.ticket_id)
    assert ticket.source == "callback" and ticket.order_id == order_fi.id
    assert ticket.about_type == "callback" and ticket.about_id == callback.id
    assert ticket.first_response_due_at == callback.slot_end  # the call is the answer
    (message,) = db.session.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)).all()
    assert message.internal is False and "Toimitus" in message.body
    everything = " ".join(
        [ticket.subject, message.body]
        + [str(e.after) + str(e.before) for e in db.session.scalars(select(AuditEntry))]
        + [m.text_body + m.html_body for m in mails("callback_confirmed")]
    )
    assert "401234567" not in everything
    # On the order page (the buyer's history there) at once.
    order_page = page_text(client.get("/s/kodinkone/orders/1001"))
    assert f"Tukipyyntö {ticket.number}" in order_page


def test_mistakes_are_said_beside_each_field_and_what_was_typed_stays(client, order_fi):
    open_order(client, order_fi)
    response = post_form(
        client, _form_url(order_fi) + "?lang=en", {"phone": "12", "topic": "", "slot": "", "note": "Tack"}
    )
    assert response.status_code == 422
    html = page_text(response)
    assert "Please check the fields marked below." in html
    assert 'id="phone-error"' in html and 'id="topic-error"' in html and 'id="slot-error"' in html
    assert "Choose what the call is about." in html and "Choose a time for the call." in html
    assert 'value="12"' in html and ">Tack</textarea>" in html
    assert db.session.scalars(select(CallbackRequest)).all() == []


def test_a_slot_taken_meanwhile_is_refused_and_the_form_offers_the_others(client, order_fi, make_order):
    open_order(client, order_fi)
    chosen = slot_options(page_text(client.get(_form_url(order_fi))))[0]
    for n in range(3):  # three other buyers take it first
        other = make_order(order_fi.merchant, f"50{n}")
        callbacks.request_callback(other, {"phone": "0401234567", "topic": "other", "slot": chosen}, _system(other))
    response = post_form(
        client, _form_url(order_fi) + "?lang=en", {"phone": "0401234567", "topic": "other", "slot": chosen}
    )
    assert response.status_code == 422
    html = page_text(response)
    assert "That time has just been fully booked. Choose another time." in html
    assert chosen not in slot_options(html)


def _system(order):
    from tests.callbacks.conftest import buyer

    return buyer(order)


def test_nobody_else_opens_the_form_or_the_callback(app, client, order_fi, make_order):
    response = client.get(_form_url(order_fi))
    assert response.status_code == 302 and response.headers["Location"] == "/s/kodinkone/"
    from tests.callbacks.conftest import ask

    callback = ask(order_fi)
    other = make_order(order_fi.merchant, "1002", customer={"email": "someone@example.fi", "name": "Joku"})
    open_order(client, other)
    response = client.get(f"/s/kodinkone/callbacks/{callback.id}")
    assert response.status_code == 302 and response.headers["Location"] == "/s/kodinkone/"


def test_a_stockholm_shop_confirms_in_swedish_and_stockholm_time_over_smtp(app, client, order_sv, mail_server):
    open_order(client, order_sv)
    chosen = slot_options(page_text(client.get(_form_url(order_sv))))[0]
    response = post_form(client, _form_url(order_sv), {"phone": "070-123 45 67", "topic": "payment", "slot": chosen})
    assert response.status_code == 302
    (message,) = mail_server.messages
    assert mail_server.recipients == [["sven@example.se"]]
    day, start = _slot_words(chosen, "Europe/Stockholm", "sv")
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert f"{day}, {start}" in text and "Stockholm" in text
    assert day in str(message["Subject"])
    assert "Vad händer nu" in text
    assert "70-123" not in message.as_string() and "701234567" not in message.as_string()


def test_the_form_shows_a_call_already_asked_for(client, order_fi):
    from tests.callbacks.conftest import ask

    callback = ask(order_fi)
    open_order(client, order_fi)
    html = page_text(client.get(_form_url(order_fi) + "?lang=en"))
    assert "You already asked us to call you about this order:" in html
    assert f'href="/s/kodinkone/callbacks/{callback.id}">See that request' in html
