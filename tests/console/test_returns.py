"""The console's returns: the shop's queue, one return's page, and approve / reject / receive
through the HTML forms, with what the buyer gets in the ledger."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from portal.catalogue.models import Variant
from portal.db import utcnow
from portal.extensions import db
from portal.merchants.services import update_policy
from portal.notifications.models import OutboxMessage
from portal.orders.services import merchant_today
from portal.payments.models import Refund, SimulatedTransaction, StoreCreditMovement
from portal.returns.models import ReturnRequest
from portal.returns.services import approve, reject, request_return
from tests.conftest import csrf_from
from tests.returns import conftest as returns_fixtures
from tests.returns.conftest import BUYER, SHOP, line

# The delivered orders and the trainer's sizes of the returns tests.
delivered_order = returns_fixtures.delivered_order
variants = returns_fixtures.variants


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return unescape(response.get_data(as_text=True))


def rows(html: str) -> str:
    """The queue's table body (the filters above it name statuses too)."""
    return html[html.index("<tbody>") : html.index("</tbody>")] if "<tbody>" in html else ""


def post(client, url: str, data: dict) -> tuple[int, str]:
    """Post a form with the page's CSRF token; follow the redirect. Returns (status, final html)."""
    response = client.post(url, data={"csrf_token": csrf_from(page(client, "/console/returns")), **data})
    first = response.status_code
    if first == 302:
        response = client.get(response.headers["Location"])
    return first, unescape(response.get_data(as_text=True))


def ask(order, *lines) -> ReturnRequest:
    return request_return(order, {"items": list(lines) or [line()]}, actor=BUYER)


def refunds() -> list[tuple[int, str, str]]:
    return list(db.session.execute(select(Refund.amount, Refund.source, Refund.status)).all())


def provider_calls() -> int:
    return db.session.scalar(select(func.count()).select_from(SimulatedTransaction))


def move_back(ret: ReturnRequest, *, days: int, due_in: int | None = None) -> None:
    """As if the buyer had asked ``days`` ago; the refund due ``due_in`` days from the shop's today."""
    ret = db.session.get(ReturnRequest, ret.id)
    ret.created_at = utcnow() - timedelta(days=days)
    if due_in is not None:
        ret.refund_due_on = merchant_today(ret.order.merchant) + timedelta(days=due_in)
    db.session.commit()


def status_of(ret: ReturnRequest) -> str:
    db.session.expire_all()
    return db.session.get(ReturnRequest, ret.id).status


@pytest.fixture
def order_a(shop_a, delivered_order, variants):
    variants(shop_a)
    return delivered_order(shop_a, "1001", locale="en")


# -- the queue ------------------------------------------------------------------------------


def test_the_queue_shows_open_returns_oldest_first_with_what_staff_need(
    client, sign_in, agent_a, shop_a, order_a, delivered_order
):
    first = ask(order_a, line("L1", 1, "changed_mind"))
    second = ask(delivered_order(shop_a, "1002"), line("L2", 2, "wrong_size", "exchange", "SHOE-41"))
    move_back(first, days=3)
    sign_in(agent_a.email)
    html = page(client, "/console/returns")
    assert 'aria-current="page">Returns</a>' in html
    assert html.index("1001-R1") < html.index("1002-R1")  # oldest first
    assert f'href="/console/returns/{first.id}"' in html and f'href="/console/returns/{second.id}"' in html
    assert 'href="/console/orders/1001"' in html and 'href="/console/orders/1002"' in html
    assert "Aino Virtanen" in html and "aino@example.fi" in html
    assert "1 × Jääkaappi A200" in html and "2 × Juoksukenkä" in html
    assert "€899.00" in html and "€100.00" in html
    assert rows(html).count("Requested: waiting for your decision") == 2
    assert "Refund" in html and "Exchange" in html
    assert "Refund overdue" not in html and "Refunds due" not in html  # nothing close to its due date


def test_the_status_filter_defaults_to_open_returns(client, sign_in, agent_a, shop_a, order_a, delivered_order):
    requested = ask(order_a, line("L1", 1, "changed_mind"))
    approved = approve(shop_a.id, ask(order_a, line("L2", 1)).id, actor=SHOP)
    rejected = ask(delivered_order(shop_a, "1002"))
    reject(shop_a.id, rejected.id, {"message": "Worn"}, actor=SHOP)
    sign_in(agent_a.email)
    open_ = page(client, "/console/returns")
    assert requested.number in open_ and approved.number in open_ and rejected.number not in open_
    only_approved = page(client, "/console/returns?status=approved")
    assert approved.number in only_approved and requested.number not in only_approved
    assert "Approved: waiting for the parcel" in rows(only_approved)
    only_rejected = page(client, "/console/returns?status=rejected")
    assert rejected.number in only_rejected and requested.number not in only_rejected
    everything = page(client, "/console/returns?status=all")
    assert all(r.number in everything for r in (requested, approved, rejected))
    assert requested.number in page(client, "/console/returns?status=nonsense")  # unknown: the open ones


def test_reason_age_and_number_filters(client, sign_in, agent_a, shop_a, order_a, delivered_order):
    update_policy(shop_a, {"returns": {"reasons": [{"code": "gift", "labels": {"en": "It was a gift"}}]}}, actor=SHOP)
    size = ask(order_a, line("L2", 1, "wrong_size"))
    mind = ask(order_a, line("L1", 1, "changed_mind"))
    gift = ask(delivered_order(shop_a, "1002"), line("L1", 1, "gift"))
    move_back(mind, days=10)
    sign_in(agent_a.email)
    html = page(client, "/console/returns")
    assert '<option value="gift">It was a gift</option>' in html
    assert '<option value="wrong_size">Wrong size or fit</option>' in html
    by_reason = page(client, "/console/returns?reason=wrong_size")
    assert size.number in by_reason and mind.number not in by_reason and gift.number not in by_reason
    assert gift.number in page(client, "/console/returns?reason=gift")
    older = page(client, "/console/returns?age=7")
    assert mind.number in older and size.number not in older and gift.number not in older
    assert size.number in page(client, "/console/returns?age=0")  # any age
    found = page(client, "/console/returns?q=1002-r")
    assert gift.number in found and size.number not in found
    assert "No returns match these filters." in page(client, "/console/returns?q=9999")


def test_the_queue_pages_by_cursor_keeping_the_filters(
    client, sign_in, agent_a, shop_a, order_a, delivered_order, monkeypatch
):
    from portal.console import returns as console_returns

    monkeypatch.setattr(console_returns, "PAGE_SIZE", 2)
    numbers = [
        ask(order_a, line("L1", 1)).number,
        ask(order_a, line("L2", 1)).number,
        ask(order_a, line("L2", 1)).number,
    ]
    numbers.append(ask(delivered_order(shop_a, "1002"), line("L1", 1, "changed_mind")).number)
    sign_in(agent_a.email)
    first = page(client, "/console/returns?reason=wrong_size")
    assert [n for n in numbers if n in first] == numbers[:2]
    link = first[first.index('href="', first.index('rel="next"') - 250) :]
    next_url = link[6 : link.index('"', 6)]
    assert "reason=wrong_size" in next_url and "cursor=" in next_url
    second = page(client, next_url)
    assert [n for n in numbers if n in second] == numbers[2:3]  # 1002-R1 is another reason
    assert 'rel="next"' not in second and "First page" in second
    broken = client.get("/console/returns?cursor=garbage", follow_redirects=True)
    assert "This page link is not valid." in unescape(broken.get_data(as_text=True))


def test_another_shop_sees_nothing_and_decides_nothing(client, sign_in, agent_b, shop_a, order_a):
    ret = ask(order_a)
    sign_in(agent_b.email)
    html = page(client, "/console/returns")
    assert ret.number not in html and "No open returns" in html
    assert client.get(f"/console/returns/{ret.id}").status_code == 404
    token = csrf_from(html)
    for action in ("approve", "receive"):
        assert client.post(f"/console/returns/{ret.id}/{action}", data={"csrf_token": token}).status_code == 404
    response = client.post(f"/console/returns/{ret.id}/reject", data={"csrf_token": token, "reject-message": "No"})
    assert response.status_code == 404
    assert status_of(ret) == "requested" and refunds() == []


# -- the refund's legal due date --------------------------------------------------------------


def test_old_open_returns_warn_of_the_refund_due_date(client, sign_in, agent_a, shop_a, order_a):
    soon = ask(order_a, line("L1", 1, "changed_mind"))
    late = ask(order_a, line("L2", 1))
    fresh = ask(order_a, line("L2", 1))
    move_back(soon, days=12, due_in=2)
    move_back(late, days=16, due_in=-2)
    today = merchant_today(shop_a)
    sign_in(agent_a.email)
    html = page(client, "/console/returns")
    soon_text = f"Refund due by {format_date(today + timedelta(days=2), 'medium', locale='en')} — in 2 days"
    late_text = f"Refund overdue since {format_date(today - timedelta(days=2), 'medium', locale='en')}"
    assert soon_text in html and late_text in html
    assert html.count('class="due-warning') == 2
    fresh_row = html[html.index(f'id="return-{fresh.id}"') :]
    assert "due-warning" not in fresh_row[: fresh_row.index("</tr>")]
    assert "1 open return is past its refund due date." in html
    assert "1 open return has its refund due within 3 days." in html
    assert late_text in page(client, f"/console/returns/{late.id}")

    reject(shop_a.id, late.id, {"message": "Not ours"}, actor=SHOP)  # closed: no more warning
    html = page(client, "/console/returns?status=all")
    assert late_text not in html and "past its refund due date" not in html


# -- the return's page ----------------------------------------------------------------------


def test_the_return_page_shows_the_order_the_buyer_and_the_items(
    client, sign_in, agent_a, shop_a, order_a, delivered_order
):
    earlier = ask(delivered_order(shop_a, "1002"), line("L1", 1, "changed_mind"))
    ret = request_return(
        order_a,
        {"items": [line("L2", 2, "wrong_size", "exchange", "SHOE-44")], "comment": "Too small, sorry"},
        actor=BUYER,
    )
    sign_in(agent_a.email)
    html = page(client, f"/console/returns/{ret.id}")
    assert "Return 1001-R1" in html
    assert 'href="/console/orders/1001"' in html and "Card" in html
    assert "aino@example.fi" in html and "2 orders at this shop" in html
    assert "1 other return at this shop" in html and f'href="/console/returns/{earlier.id}"' in html
    assert "Juoksukenkä" in html and "SHOE-42" in html and "Wrong size or fit" in html
    assert "Juoksukenkä 44" in html and "SHOE-44" in html and "€40.00" in html  # the size asked for
    assert "Too small, sorry" in html
    assert "Approve return 1001-R1" in html and "Reject return 1001-R1" in html
    assert "Receive and settle return 1001-R1" in html
    assert "Refund €20.00 to the original payment" in html  # the cheaper size's difference
    assert "An exchange order for 2 × SHOE-44" in html
    assert '<label for="condition_0">Condition</label>' in html
    assert '<label for="reject-message">Why the return is not accepted</label>' in html


def test_the_order_page_lists_the_orders_returns(client, sign_in, agent_a, order_a):
    ret = ask(order_a)
    sign_in(agent_a.email)
    html = page(client, "/console/orders/1001")
    section = html[html.index('id="order-returns-title"') :]
    assert f'href="/console/returns/{ret.id}">1001-R1</a>' in section
    assert "Requested: waiting for your decision" in section


# -- deciding -------------------------------------------------------------------------------


def test_approving_tells_what_happens_next_and_emails_the_slip(client, sign_in, agent_a, shop_a, order_a):
    ret = ask(order_a)
    sign_in(agent_a.email)
    status, html = post(client, f"/console/returns/{ret.id}/approve", {"approve-message": "Use the Posti code"})
    assert status == 302
    assert "Return 1001-R1 approved. The buyer gets an e-mail with the return slip" in html
    assert "Approved: waiting for the parcel" in html and "Use the Posti code" in html
    assert "Approve return" not in html and "Receive and settle return 1001-R1" in html
    assert "Return approved" in html  # in the history, with who did it
    assert status_of(ret) == "approved"
    kinds = db.session.scalars(select(OutboxMessage.kind).where(OutboxMessage.merchant_id == shop_a.id)).all()
    assert "return_approved" in kinds

    _status, again = post(client, f"/console/returns/{ret.id}/approve", {})
    assert "was already approved; nothing changed." in again


def test_rejecting_needs_a_message_and_without_one_changes_nothing(client, sign_in, agent_a, shop_a, order_a):
    ret = ask(order_a, line("L2", 1, "wrong_size", "exchange", "SHOE-41"))
    available = db.session.scalar(select(Variant).where(Variant.sku == "SHOE-41")).available
    sign_in(agent_a.email)
    status, html = post(client, f"/console/returns/{ret.id}/reject", {"reject-message": "   "})
    assert status == 422
    assert 'id="reject-message-error">Tell the buyer why the return is not accepted.' in html
    assert 'aria-invalid="true"' in html
    assert status_of(ret) == "requested"

    status, html = post(client, f"/console/returns/{ret.id}/reject", {"reject-message": "Worn outside"})
    assert status == 302
    assert "Return 1001-R1 rejected. The buyer gets an e-mail with your message." in html
    assert "back on sale" in html and "Worn outside" in html and "Rejected" in html
    assert "Receive and settle" not in html
    assert status_of(ret) == "rejected"
    db.session.expire_all()
    assert db.session.scalar(select(Variant).where(Variant.sku == "SHOE-41")).available == available + 1
    assert refunds() == []


def test_receiving_refunds_once_with_the_restocking_fee_for_damage(client, sign_in, agent_a, shop_a, order_a):
    update_policy(shop_a, {"returns": {"restocking_fee_pct": "10"}}, actor=SHOP)
    ret = approve(shop_a.id, ask(order_a, line("L2", 2)).id, actor=SHOP)
    sign_in(agent_a.email)
    html = page(client, f"/console/returns/{ret.id}")
    assert "Refund €100.00 to the original payment" in html
    assert "Take the restocking fee if damaged (10%: €10.00)" in html

    form = {"condition_0": "damaged", "fee_0": "y"}
    status, html = post(client, f"/console/returns/{ret.id}/receive", form)
    assert status == 302
    assert "Return 1001-R1 received and settled." in html
    assert "The payment provider accepted the refund of €90.00." in html
    assert "Restocking fees kept: €10.00." in html
    assert "Settled: money back" in html and "Damaged or used" in html
    assert "Receive and settle return" not in html
    assert refunds() == [(9000, "return", "succeeded")]

    status, again = post(client, f"/console/returns/{ret.id}/receive", form)
    assert status == 302
    assert "was already received and settled; nothing changed." in again
    assert refunds() == [(9000, "return", "succeeded")] and provider_calls() == 1


def test_receiving_store_credit_adds_the_shops_bonus(client, sign_in, agent_a, shop_a, order_a):
    update_policy(shop_a, {"returns": {"store_credit_bonus_pct": "10"}}, actor=SHOP)
    ret = ask(order_a, line("L2", 1, "wrong_size", "store_credit"))
    sign_in(agent_a.email)
    assert "Store credit €50.00 + bonus €5.00" in page(client, f"/console/returns/{ret.id}")
    _status, html = post(client, f"/console/returns/{ret.id}/receive", {"condition_0": "accepted"})
    assert "Store credit of €55.00 issued, €5.00 of it the shop's bonus." in html
    movements = db.session.execute(select(StoreCreditMovement.amount, StoreCreditMovement.source)).all()
    assert movements == [(5500, "return")]
    assert refunds() == []


def test_receiving_an_exchange_creates_the_exchange_order(client, sign_in, agent_a, shop_a, order_a):
    ret = ask(order_a, line("L2", 1, "wrong_size", "exchange", "SHOE-41"))
    sign_in(agent_a.email)
    _status, html = post(client, f"/console/returns/{ret.id}/receive", {"condition_0": "accepted"})
    assert "Exchange order 1001-R1-E created: ship it as usual." in html
    assert 'href="/console/orders/1001-R1-E">1001-R1-E</a>' in html
    assert "Settled: exchange order to ship" in html
    assert refunds() == []


def test_receiving_a_rejected_return_is_refused_with_a_message(client, sign_in, agent_a, shop_a, order_a):
    ret = ask(order_a)
    reject(shop_a.id, ret.id, {"message": "No"}, actor=SHOP)
    sign_in(agent_a.email)
    status, html = post(client, f"/console/returns/{ret.id}/receive", {"condition_0": "accepted"})
    assert status == 302
    assert "Return 1001-R1 can no longer be changed this way: it is rejected." in html
    assert status_of(ret) == "rejected" and refunds() == []


def test_a_decision_without_the_forms_token_is_refused(client, sign_in, agent_a, order_a):
    ret = ask(order_a)
    sign_in(agent_a.email)
    assert client.post(f"/console/returns/{ret.id}/approve", data={}).status_code == 400
    assert status_of(ret) == "requested"


def test_support_staff_read_returns_but_do_not_decide(client, sign_in, make_user, shop_a, shop_b, order_a):
    ret = ask(order_a)
    make_user(email="support@apuri.example", role="support_agent", serves=[shop_a, shop_b])
    sign_in("support@apuri.example")
    chooser = page(client, f"/console/returns/{ret.id}")  # the QR code's link: pick the shop first
    assert "Choose a shop" in chooser and f'href="/console/returns/{ret.id}?shop=kodinkone"' in chooser
    html = page(client, f"/console/returns/{ret.id}?shop=kodinkone")
    assert "Return 1001-R1" in html and "Approve return" not in html
    assert "Only the shop's staff can approve, reject or receive returns." in html
    response = client.post(f"/console/returns/{ret.id}/approve?shop=kodinkone", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 403
    assert status_of(ret) == "requested"


def test_a_platform_admin_decides_for_the_chosen_shop(client, sign_in, platform_admin, order_a):
    ret = ask(order_a)
    sign_in(platform_admin.email)
    html = page(client, "/console/returns?shop=kodinkone")
    assert ret.number in html and f'href="/console/returns/{ret.id}?shop=kodinkone"' in html
    response = client.post(f"/console/returns/{ret.id}/approve?shop=kodinkone", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302 and "shop=kodinkone" in response.headers["Location"]
    assert status_of(ret) == "approved"


# -- a rejection the buyer disputes, decided by support -------------------------------------


def _disputed(order, *lines):
    from portal.support import services as desk

    ret = ask(order, *lines)
    reject(order.merchant_id, ret.id, {"message": "Worn shoes."}, actor=SHOP)
    ticket = desk.dispute_return(db.session.get(ReturnRequest, ret.id), {"message": "They were never worn."}, BUYER)
    return ret, ticket


def test_support_approves_a_disputed_return_after_all_and_the_ticket_is_solved(
    client, sign_in, make_user, shop_a, order_a
):
    from portal.support.models import Ticket

    ret, ticket = _disputed(order_a, line("L2", 1, "wrong_size", "exchange", "SHOE-41"))
    shoe = lambda: db.session.scalars(select(Variant).where(Variant.sku == "SHOE-41")).one()  # noqa: E731
    assert shoe().reserved == 0  # released when rejected
    make_user(email="tuki@apuri.example", role="support_agent", merchant=shop_a)
    sign_in("tuki@apuri.example")
    url = f"/console/returns/{ret.id}"
    html = page(client, url)
    assert "Decide as support" in html and f"disputes the shop's rejection on ticket {ticket.number}" in html
    assert f'href="/console/tickets/{ticket.id}?shop=kodinkone"' in html and "Approve the return after all" in html

    response = client.post(
        f"{url}/approve-disputed",
        data={"csrf_token": csrf_from(html), "approve-message": "Sorry: send them back with the slip."},
    )
    assert response.status_code == 302
    html = page(client, response.headers["Location"])
    assert f"Return {ret.number} approved after all." in html
    assert status_of(ret) == "approved" and shoe().reserved == 1  # the exchange size is held again
    solved = db.session.get(Ticket, ticket.id)
    assert solved.status == "solved" and solved.messages[-1].internal
    assert "approved return" in solved.messages[-1].body
    [mail] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "return_approved")).all()
    assert mail.recipient == order_a.customer.email

    # Clicked again (a second tab): nothing changes, nothing is sent twice.
    again = client.post(f"{url}/approve-disputed", data={"csrf_token": csrf_from(html)})
    assert "was already approved; nothing changed." in page(client, again.headers["Location"])
    assert shoe().reserved == 1
    assert (
        db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "return_approved")
        )
        == 1
    )


def test_a_sold_out_exchange_size_is_said_and_nothing_changes(client, sign_in, make_user, shop_a, order_a):
    ret, _ticket = _disputed(order_a, line("L2", 1, "wrong_size", "exchange", "SHOE-44"))
    sku = db.session.scalars(select(Variant).where(Variant.sku == "SHOE-44")).one()
    sku.stock = 0
    db.session.commit()
    make_user(email="tuki@apuri.example", role="support_agent", merchant=shop_a)
    sign_in("tuki@apuri.example")
    url = f"/console/returns/{ret.id}"
    response = client.post(f"{url}/approve-disputed", data={"csrf_token": csrf_from(page(client, url))})
    html = page(client, response.headers["Location"])
    assert "SHOE-44 is sold out now: ask the buyer whether they want their money back instead." in html
    assert status_of(ret) == "rejected"


def test_only_support_decides_disputed_returns(client, sign_in, agent_a, order_a):
    ret, _ticket = _disputed(order_a)
    sign_in(agent_a.email)
    url = f"/console/returns/{ret.id}"
    html = page(client, url)
    assert "Support decides disputed returns." in html and "Approve the return after all" not in html
    response = client.post(f"{url}/approve-disputed", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 403 and status_of(ret) == "rejected"


def test_items_returned_again_meanwhile_cannot_be_approved_twice(shop_a, order_a):
    from portal.errors import Conflict
    from portal.returns.services import approve_disputed

    ret, _ticket = _disputed(order_a, line("L1", 1, "changed_mind"))
    ask(order_a, line("L1", 1, "changed_mind"))  # the buyer asked again, the shop will see that one
    with pytest.raises(Conflict) as refused:
        approve_disputed(shop_a.id, ret.id, actor=SHOP)
    assert refused.value.code == "items_returned_since" and status_of(ret) == "rejected"
