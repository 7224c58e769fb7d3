"""The console's claims: the shop's inbox, one claim's page and its photos, accept / counter /
reject / mark as done through the HTML forms with what the buyer gets in the ledger, and the
e-mail that tells the shop a claim arrived."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from flask import render_template
from sqlalchemy import func, select

from portal.claims.models import Claim
from portal.claims.services import accept, counter, open_claim, reject, respond
from portal.db import utcnow
from portal.extensions import db
from portal.payments import services as ledger
from portal.payments.models import Refund, SimulatedTransaction
from tests.claims import conftest as claims_fixtures
from tests.claims.conftest import BUYER, SHOP, claim_body
from tests.conftest import csrf_from

# The delivered orders of the returns tests and the re-encoded photo of the claims tests.
delivered_order = claims_fixtures.delivered_order
photo = claims_fixtures.photo


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return unescape(response.get_data(as_text=True))


def rows(html: str) -> str:
    """The inbox's table body (the filter above it names statuses too)."""
    return html[html.index("<tbody>") : html.index("</tbody>")] if "<tbody>" in html else ""


def post(client, url: str, data: dict) -> tuple[int, str]:
    """Post a form with the page's CSRF token; follow the redirect. Returns (status, final html)."""
    response = client.post(url, data={"csrf_token": csrf_from(page(client, "/console/claims")), **data})
    first = response.status_code
    if first == 302:
        response = client.get(response.headers["Location"])
    return first, unescape(response.get_data(as_text=True))


def refunds() -> list[tuple[int, str, str]]:
    return list(db.session.execute(select(Refund.amount, Refund.source, Refund.status)).all())


def provider_calls() -> int:
    return db.session.scalar(select(func.count()).select_from(SimulatedTransaction))


def current(claim: Claim) -> Claim:
    db.session.expire_all()
    return db.session.get(Claim, claim.id)


def due_in(claim: Claim, delta: timedelta) -> None:
    """As if the shop's answer were due ``delta`` from now."""
    claim = db.session.get(Claim, claim.id)
    claim.answer_due_at = utcnow() + delta
    db.session.commit()


@pytest.fixture
def order_a(shop_a, delivered_order):
    return delivered_order(shop_a, "1001", locale="en")


@pytest.fixture
def claim_for(photo):
    """A buyer's claim on ``order`` (a €200.00 price reduction on the fridge unless told)."""

    def make(order, **body) -> Claim:
        return open_claim(order, claim_body(**body), photos=[photo], actor=BUYER)

    return make


# -- the inbox ------------------------------------------------------------------------------


def test_the_inbox_shows_open_claims_due_soonest_first_with_what_staff_need(
    client, sign_in, agent_a, shop_a, order_a, delivered_order, claim_for
):
    later = claim_for(order_a)
    sooner = claim_for(delivered_order(shop_a, "1002"), item_id="L2", amount=1500)
    due_in(later, timedelta(hours=20))
    due_in(sooner, timedelta(hours=10))
    sign_in(agent_a.email)
    html = page(client, "/console/claims")
    assert 'aria-current="page">Claims</a>' in html
    body = rows(html)
    assert body.index("1002-C1") < body.index("1001-C1")  # the answer due soonest first
    assert f'href="/console/claims/{later.id}"' in body and f'href="/console/claims/{sooner.id}"' in body
    assert 'href="/console/orders/1001"' in body and 'href="/console/orders/1002"' in body
    assert "Aino Virtanen" in body and "aino@example.fi" in body
    assert "Jääkaappi A200" in body and "Juoksukenkä" in body
    assert body.count("A price reduction") == 2
    assert "€200.00" in body and "€15.00" in body and body.count("asked by the buyer") == 2
    assert "€899.00" in body and "€50.00" in body and "each, 2 bought" in body  # the item prices
    assert body.count("Open: waiting for your answer") == 2
    assert "due-warning" not in html and "Answers due" not in html  # nothing close to its due time


def test_the_status_filter_defaults_to_open_and_countered_claims(client, sign_in, agent_a, shop_a, order_a, claim_for):
    waiting = claim_for(order_a, amount=10000)
    countered = claim_for(order_a, amount=30000)
    counter(shop_a.id, countered.id, {"amount": 15000, "message": "Pieni naarmu"}, actor=SHOP)
    accepted = accept(shop_a.id, claim_for(order_a, item_id="L2", amount=1000).id, actor=SHOP)
    rejected = claim_for(order_a, item_id="L2", amount=2000)
    reject(shop_a.id, rejected.id, {"message": "Käytön jälki"}, actor=SHOP)
    sign_in(agent_a.email)
    open_ = rows(page(client, "/console/claims"))
    assert waiting.number in open_ and countered.number in open_
    assert accepted.number not in open_ and rejected.number not in open_
    assert "Countered: waiting for the buyer" in open_ and "€150.00" in open_ and "offered by your shop" in open_
    assert "The buyer's turn" in open_
    only_accepted = rows(page(client, "/console/claims?status=accepted"))
    assert accepted.number in only_accepted and waiting.number not in only_accepted
    assert "agreed" in only_accepted
    only_rejected = rows(page(client, "/console/claims?status=escalated"))
    assert rejected.number in only_rejected and "Rejected: with customer support" in only_rejected
    everything = rows(page(client, "/console/claims?status=all"))
    assert all(c.number in everything for c in (waiting, countered, accepted, rejected))
    assert waiting.number in rows(page(client, "/console/claims?status=nonsense"))  # unknown: the open ones
    assert page(client, "/console/claims").count('value="open"') == 1
    assert "No claims with this status." in page(client, "/console/claims?status=withdrawn")


def test_the_inbox_pages_by_cursor_keeping_the_filter(client, sign_in, agent_a, order_a, claim_for, monkeypatch):
    from portal.console import claims as console_claims

    monkeypatch.setattr(console_claims, "PAGE_SIZE", 2)
    made = [claim_for(order_a, amount=1000 * n) for n in (1, 2, 3)]
    for hours, claim in zip((5, 10, 15), made, strict=True):
        due_in(claim, timedelta(hours=hours))
    numbers = [c.number for c in made]
    sign_in(agent_a.email)
    first = page(client, "/console/claims?status=all")
    assert [n for n in numbers if n in rows(first)] == numbers[:2]
    link = first[first.index('href="', first.index('rel="next"') - 250) :]
    next_url = link[6 : link.index('"', 6)]
    assert "status=all" in next_url and "cursor=" in next_url
    second = page(client, next_url)
    assert [n for n in numbers if n in rows(second)] == numbers[2:]
    assert 'rel="next"' not in second and "First page" in second
    broken = client.get("/console/claims?cursor=garbage", follow_redirects=True)
    assert "This page link is not valid." in unescape(broken.get_data(as_text=True))


def test_claims_close_to_their_answer_due_time_warn_in_words(client, sign_in, agent_a, order_a, claim_for):
    soon = claim_for(order_a, amount=1000)
    late = claim_for(order_a, amount=2000)
    fresh = claim_for(order_a, amount=3000)
    due_in(soon, timedelta(hours=2, minutes=30))
    due_in(late, timedelta(hours=-3))
    sign_in(agent_a.email)
    html = page(client, "/console/claims")
    assert "— in 2 hours" in html and "Answer overdue since" in html
    assert html.count('class="due-warning') == 2
    fresh_row = html[html.index(f'id="claim-{fresh.id}"') :]
    assert "due-warning" not in fresh_row[: fresh_row.index("</tr>")]
    assert "1 open claim is past its answer due time." in html
    assert "1 open claim needs your answer within 6 hours." in html
    assert "Answer overdue since" in page(client, f"/console/claims/{late.id}")

    reject(late.merchant_id, late.id, {"message": "Ei"}, actor=SHOP)  # answered: no more warning
    html = page(client, "/console/claims?status=all")
    assert "Answer overdue since" not in html and "past its answer due time" not in html


def test_another_shop_sees_nothing_and_decides_nothing(client, sign_in, agent_b, order_a, claim_for):
    claim = claim_for(order_a)
    sign_in(agent_b.email)
    html = page(client, "/console/claims")
    assert claim.number not in html and "No open claims" in html
    assert client.get(f"/console/claims/{claim.id}").status_code == 404
    token = csrf_from(html)
    for action, form in (
        ("accept", {}),
        ("counter", {"counter-amount": "10"}),
        ("reject", {"reject-message": "No"}),
        ("resolve", {}),
    ):
        response = client.post(f"/console/claims/{claim.id}/{action}", data={"csrf_token": token, **form})
        assert response.status_code == 404, action
    assert current(claim).status == "open" and refunds() == []


# -- the claim's page -----------------------------------------------------------------------


def test_the_claim_page_shows_the_defect_the_money_the_buyer_and_the_negotiation(
    client, sign_in, agent_a, shop_a, order_a, delivered_order, claim_for, photo
):
    from portal.returns.services import request_return
    from tests.returns.conftest import line

    earlier = claim_for(delivered_order(shop_a, "1002"), item_id="L2", amount=1000)
    ret = request_return(order_a, {"items": [line("L2", 1)]}, actor=BUYER)
    ledger.request_refund(order_a, 5000, "manual", "Goodwill", SHOP)
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from flask_babel import format_date

    noticed = datetime.now(ZoneInfo("Europe/Helsinki")).date()  # between the delivery and today
    claim = open_claim(order_a, {**claim_body(), "noticed_on": noticed.isoformat()}, photos=[photo, photo], actor=BUYER)
    sign_in(agent_a.email)
    html = page(client, f"/console/claims/{claim.id}")
    assert "Claim 1001-C1" in html and "Open: waiting for your answer" in html
    assert "Naarmu oven pinnassa, 10 cm." in html and format_date(noticed, "medium") in html
    assert "A price reduction" in html
    assert "2 photos" in html
    for photo_ in claim.photos:
        assert f'href="/console/claims/{claim.id}/photos/{photo_.id}"' in html
        assert f'src="/console/claims/{claim.id}/photos/{photo_.id}/thumb"' in html
    assert "Jääkaappi A200" in html and "FRIDGE-A-200" in html and "€899.00" in html
    money = html[html.index("The order's money") :]
    assert "Already refunded" in money and "€50.00" in money[: money.index("</table>")]
    assert 'href="/console/orders/1001"' in html
    assert "aino@example.fi" in html and "2 orders at this shop" in html
    assert f'href="/console/claims/{earlier.id}">1002-C1</a>' in html
    assert f'href="/console/returns/{ret.id}">1001-R1</a>' in html
    negotiation = html[html.index('id="claim-offers-title"') :]
    assert "Buyer" in negotiation and "€200.00" in negotiation and "Waiting for an answer" in negotiation
    assert "Accept €200.00" in html and "Send the offer" in html and "Reject claim 1001-C1" in html
    assert "The refund of €200.00 to the buyer's original payment starts at once." in html
    assert "customer support" in html[html.index('id="reject-title"') :]
    assert '<label for="reject-message">Why the claim is not accepted</label>' in html
    assert "Defect claim received from the buyer" in html  # the history


def test_the_order_page_lists_the_orders_claims(client, sign_in, agent_a, order_a, claim_for):
    claim = claim_for(order_a)
    sign_in(agent_a.email)
    html = page(client, "/console/orders/1001")
    section = html[html.index('id="order-claims-title"') :]
    assert f'href="/console/claims/{claim.id}">1001-C1</a>' in section
    assert "Open: waiting for your answer" in section and "A price reduction" in section


# -- answering ------------------------------------------------------------------------------


def test_accepting_refunds_at_once_and_a_second_click_refunds_nothing_more(
    client, sign_in, agent_a, shop_a, order_a, claim_for
):
    claim = claim_for(order_a, amount=20000)
    sign_in(agent_a.email)
    html = page(client, f"/console/claims/{claim.id}")
    token = csrf_from(html)
    response = client.post(f"/console/claims/{claim.id}/accept", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/console/claims/{claim.id}")
    html = page(client, response.headers["Location"])
    assert "Claim 1001-C1 accepted." in html
    assert "The payment provider accepted the refund of €200.00." in html
    assert "flash-success" in html
    assert "Accepted" in html and "Refund of €200.00" in html and "Refunded" in html
    assert "Accept €200.00" not in html and "Send the offer" not in html  # nothing more to answer
    assert "Claim accepted" in html  # in the history
    assert refunds() == [(20000, "claim", "succeeded")]
    assert current(claim).status == "accepted"

    again = client.post(f"/console/claims/{claim.id}/accept", data={"csrf_token": token})
    assert again.status_code == 302
    html = page(client, again.headers["Location"])
    assert "Claim 1001-C1 was already accepted; nothing changed." in html and "flash-success" in html
    assert refunds() == [(20000, "claim", "succeeded")] and provider_calls() == 1


def test_a_replacement_is_accepted_without_money_and_then_marked_as_done(client, sign_in, agent_a, order_a, claim_for):
    claim = claim_for(order_a, remedy="replacement", amount=None)
    sign_in(agent_a.email)
    assert "Accept: we replace it" in page(client, f"/console/claims/{claim.id}")
    status, html = post(client, f"/console/claims/{claim.id}/accept", {})
    assert status == 302
    assert "Claim 1001-C1 accepted. Send the buyer a replacement, then mark the claim as done" in html
    assert "Mark as done" in html and refunds() == []

    status, html = post(client, f"/console/claims/{claim.id}/resolve", {})
    assert status == 302
    assert "Claim 1001-C1 marked as done." in html and "Resolved" in html
    assert "Mark as done</button>" not in html
    assert current(claim).status == "resolved"
    _status, again = post(client, f"/console/claims/{claim.id}/resolve", {})
    assert "was already marked as done; nothing changed." in again


def test_a_replacement_settled_by_the_buyer_accepting_money_needs_no_marking_as_done(
    client, sign_in, agent_a, shop_a, order_a, claim_for
):
    claim = claim_for(order_a, remedy="replacement", amount=None)
    counter(shop_a.id, claim.id, {"amount": 10000, "message": "Hyvitys vaihdon sijaan"}, actor=SHOP)
    respond(shop_a.id, claim.id, {"decision": "accept"}, customer_id=order_a.customer_id, actor=BUYER)
    sign_in(agent_a.email)
    html = page(client, f"/console/claims/{claim.id}")
    assert "Agreed amount" in html and "Refund of €100.00" in html
    assert "Mark as done" not in html
    assert refunds() == [(10000, "claim", "succeeded")]


def test_accepting_more_than_is_left_of_the_payment_is_refused_with_a_message(
    client, sign_in, agent_a, order_a, claim_for
):
    claim = claim_for(order_a, amount=20000)
    ledger.request_refund(order_a, 104800 - 10000, "manual", "Most of it back", SHOP)
    sign_in(agent_a.email)
    status, html = post(client, f"/console/claims/{claim.id}/accept", {})
    assert status == 302
    assert "At most €100.00 can still be refunded for this item." in html and "flash-warning" in html
    assert current(claim).status == "open"
    assert refunds() == [(94800, "manual", "succeeded")]


def test_a_repair_says_so_on_its_button(client, sign_in, agent_a, order_a, claim_for):
    claim = claim_for(order_a, remedy="repair", amount=None)
    sign_in(agent_a.email)
    assert "Accept: we repair it" in page(client, f"/console/claims/{claim.id}")


def test_a_counter_offer_goes_to_the_buyer(client, sign_in, agent_a, order_a, claim_for):
    claim = claim_for(order_a, amount=30000)
    sign_in(agent_a.email)
    status, html = post(
        client,
        f"/console/claims/{claim.id}/counter",
        {"counter-amount": "150,00", "counter-message": "Naarmu on pieni."},
    )
    assert status == 302
    assert "Your offer of €150.00 for claim 1001-C1 was sent to the buyer by e-mail." in html
    assert "Countered: waiting for the buyer" in html
    negotiation = html[html.index('id="claim-offers-title"') :]
    assert "Your shop" in negotiation and "€150.00" in negotiation and "Naarmu on pieni." in negotiation
    assert "Answered with a counter-offer" in negotiation
    assert "Accept €" not in html  # the buyer's turn now
    claim = current(claim)
    assert claim.status == "countered" and claim.current_offer.amount == 15000
    assert refunds() == []

    status, html = post(client, f"/console/claims/{claim.id}/accept", {})  # a stale tab
    assert status == 302 and "cannot be answered this way now" in html and "Countered: waiting for the buyer" in html
    assert refunds() == []


def test_a_counter_offer_needs_an_amount_the_item_can_still_get(client, sign_in, agent_a, order_a, claim_for):
    claim = claim_for(order_a, amount=30000)
    sign_in(agent_a.email)
    status, html = post(client, f"/console/claims/{claim.id}/counter", {"counter-amount": "a lot"})
    assert status == 422
    assert 'id="counter-amount-error">Enter the amount like 12,50 or 12.50.' in html
    status, html = post(client, f"/console/claims/{claim.id}/counter", {"counter-amount": "1000,00"})
    assert status == 422
    assert "At most €899.00 can still be refunded for this item." in html and 'aria-invalid="true"' in html
    assert current(claim).status == "open" and len(current(claim).offers) == 1


def test_rejecting_needs_a_message_and_sends_the_claim_to_support(client, sign_in, agent_a, order_a, claim_for):
    claim = claim_for(order_a)
    sign_in(agent_a.email)
    status, html = post(client, f"/console/claims/{claim.id}/reject", {"reject-message": "   "})
    assert status == 422
    assert 'id="reject-message-error">Tell the buyer why the claim is not accepted.' in html
    assert current(claim).status == "open" and len(current(claim).offers) == 1

    status, html = post(client, f"/console/claims/{claim.id}/reject", {"reject-message": "Käyttäjän aiheuttama."})
    assert status == 302
    assert "Claim 1001-C1 rejected. It goes to customer support" in html
    assert "Rejected: with customer support" in html and "Käyttäjän aiheuttama." in html
    assert "Reject claim" not in html
    assert current(claim).status == "escalated" and refunds() == []


def test_an_answer_without_the_forms_token_is_refused(client, sign_in, agent_a, order_a, claim_for):
    claim = claim_for(order_a)
    sign_in(agent_a.email)
    assert client.post(f"/console/claims/{claim.id}/accept", data={}).status_code == 400
    assert current(claim).status == "open" and refunds() == []


def test_a_get_changes_nothing(client, sign_in, agent_a, order_a, claim_for):
    claim = claim_for(order_a)
    sign_in(agent_a.email)
    assert client.get(f"/console/claims/{claim.id}/accept").status_code == 405
    assert current(claim).status == "open"


def test_support_staff_read_claims_but_do_not_answer(client, sign_in, make_user, shop_a, shop_b, order_a, claim_for):
    claim = claim_for(order_a)
    make_user(email="support@apuri.example", role="support_agent", serves=[shop_a, shop_b])
    sign_in("support@apuri.example")
    chooser = page(client, f"/console/claims/{claim.id}")
    assert "Choose a shop" in chooser
    html = page(client, f"/console/claims/{claim.id}?shop=kodinkone")
    assert "Claim 1001-C1" in html and "Accept €" not in html
    assert "Only the shop's staff can accept, counter or reject claims." in html
    response = client.post(f"/console/claims/{claim.id}/accept?shop=kodinkone", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 403
    assert current(claim).status == "open" and refunds() == []


def test_a_platform_admin_answers_for_the_chosen_shop(client, sign_in, platform_admin, order_a, claim_for):
    claim = claim_for(order_a)
    sign_in(platform_admin.email)
    html = page(client, "/console/claims?shop=kodinkone")
    assert f'href="/console/claims/{claim.id}?shop=kodinkone"' in html
    response = client.post(f"/console/claims/{claim.id}/accept?shop=kodinkone", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302 and "shop=kodinkone" in response.headers["Location"]
    assert refunds() == [(20000, "claim", "succeeded")]


# -- photos ---------------------------------------------------------------------------------


def test_photos_are_served_to_the_shops_staff_only(
    client, sign_in, sign_out, agent_a, agent_b, platform_admin, order_a, claim_for
):
    claim = claim_for(order_a)
    photo_ = claim.photos[0]
    full = f"/console/claims/{claim.id}/photos/{photo_.id}"
    thumb = full + "/thumb"

    assert client.get(full).status_code in (302, 404)  # anonymous: to the sign-in page
    assert "/staff/login" in client.get(thumb).headers.get("Location", "")

    sign_in(agent_a.email)
    for url, size in ((full, (64, 48)), (thumb, (16, 12))):
        response = client.get(url)
        assert response.status_code == 200
        assert response.mimetype == "image/jpeg"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"].startswith("private")
        assert "sandbox" in response.headers["Content-Security-Policy"]
        assert response.data[:2] == b"\xff\xd8"
        from io import BytesIO

        from PIL import Image

        assert Image.open(BytesIO(response.data)).size == size
    assert client.get(f"/console/claims/{claim.id}/photos/pho_nonexistent").status_code == 404
    sign_out()

    sign_in(agent_b.email)
    assert client.get(full).status_code == 404 and client.get(thumb).status_code == 404
    sign_out()

    sign_in(platform_admin.email)
    assert client.get(full).status_code == 404  # no shop chosen
    assert client.get(full + "?shop=kodinkone").status_code == 200
    assert client.get(full + "?shop=pyorapaja").status_code == 404


# -- the e-mail to the shop -----------------------------------------------------------------


def test_the_new_claim_email_tells_the_shop_everything_to_decide(app, shop_a, order_a, claim_for):
    ledger.request_refund(order_a, 5000, "manual", "Goodwill", SHOP)
    claim = claim_for(order_a, amount=20000)
    url = f"https://apuri.example/console/claims/{claim.id}"
    context = {"claim": claim, "order": claim.order, "merchant": shop_a, "claim_url": url, "link": url}
    with app.test_request_context("/"):
        subject = render_template("emails/claim_new.subject.txt", **context).strip()
        text = render_template("emails/claim_new.txt", **context)
        html = unescape(render_template("emails/claim_new.html", subject=subject, **context))
    assert subject == "New claim 1001-C1: Jääkaappi A200"
    for body in (text, html):
        assert "1001-C1" in body and "Jääkaappi A200" in body and "FRIDGE-A-200" in body
        assert "€899.00" in body  # the item's price
        assert "A price reduction" in body and "€200.00" in body  # the remedy and the amount asked
        assert "€50.00" in body  # already refunded on the order
        assert "Naarmu oven pinnassa, 10 cm." in body
        assert url in body
    assert f'src="cid:photo-{claim.photos[0].id}"' in html
    assert html.count('src="cid:photo-') == len(claim.photos)
    assert "1 photo: see it on the claim page." in text


def test_support_staff_decide_an_escalated_claim_with_a_note(client, sign_in, make_user, agent_a, order_a, claim_for):
    from portal.claims import services as claim_services
    from portal.support.models import Ticket

    claim = claim_for(order_a)
    claim_services.reject(order_a.merchant_id, claim.id, {"message": "Ei käy."}, actor=SHOP)
    make_user(email="support@apuri.example", role="support_agent", merchant=order_a.merchant)
    sign_in("support@apuri.example")
    html = page(client, f"/console/claims/{claim.id}?shop=kodinkone")
    assert "Decide as support" in html and "Accept €200.00" in html
    response = client.post(
        f"/console/claims/{claim.id}/accept?shop=kodinkone",
        data={"csrf_token": csrf_from(html), "note": "Kuvat tukevat ostajaa."},
    )
    assert response.status_code == 302
    assert current(claim).status == "accepted" and refunds() == [(20000, "claim", "succeeded")]
    ticket = db.session.scalars(select(Ticket).where(Ticket.about_id == claim.id)).one()
    assert ticket.status == "solved" and "Kuvat tukevat ostajaa." in ticket.messages[-1].body


def test_support_grants_the_replacement_of_an_escalated_claim_and_no_money_moves(
    client, sign_in, make_user, agent_a, order_a, claim_for
):
    from portal.claims import services as claim_services
    from portal.support.models import Ticket

    claim = claim_for(order_a, remedy="replacement", amount=None)
    claim_services.reject(order_a.merchant_id, claim.id, {"message": "Ei vikaa."}, actor=SHOP)
    make_user(email="support@apuri.example", role="support_agent", merchant=order_a.merchant)
    sign_in("support@apuri.example")
    html = page(client, f"/console/claims/{claim.id}?shop=kodinkone")
    assert "the claim came to support: decide it below" in html and "Accept: we replace it" in html
    response = client.post(
        f"/console/claims/{claim.id}/accept?shop=kodinkone",
        data={"csrf_token": csrf_from(html), "note": "Vaihdetaan uuteen."},
    )
    assert response.status_code == 302
    assert current(claim).status == "accepted" and refunds() == []
    ticket = db.session.scalars(select(Ticket).where(Ticket.about_id == claim.id)).one()
    assert ticket.status == "solved" and "Vaihdetaan uuteen." in ticket.messages[-1].body
    # The shop sends the replacement and marks the claim done with its tracking.
    claim_services.resolve(order_a.merchant_id, claim.id, {"carrier": "Posti", "tracking_number": "JJFI9"}, actor=SHOP)
    assert current(claim).status == "resolved" and refunds() == []
