"""The console's audit log: a shop's entries, newest first, in the shop's time zone, narrowed by
each filter, paged without gaps or repeats. Another shop's entries never show; a filter or page
link that cannot be read is named beside its field and the page still shows (422)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from portal.accounts.services import actor_for
from portal.actors import Actor
from portal.audit.models import AuditEntry
from portal.audit.queries import PAGE_SIZE, changes
from portal.audit.services import record
from portal.db import unit_of_work
from portal.extensions import db
from portal.merchants.services import create_api_key, revoke_api_key, update_policy

URL = "/console/audit"
ROW_ID = re.compile(r'<tr id="audit-(aud_\w+)"')
NEXT = re.compile(r'<a href="([^"]+)" rel="next">')


def page(client, url: str = URL, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return unescape(response.get_data(as_text=True))


def shown(html: str) -> list[str]:
    """The ids of the entries in the table, top to bottom."""
    return ROW_ID.findall(html)


def row(html: str, entry_id: str) -> str:
    start = html.index(f'<tr id="audit-{entry_id}"')
    return html[start : html.index("</tr>", start)]


def entry(shop, action="ticket.status", *, subject=("ticket", "tic_1"), who="tests", kind="system", at=None, **states):
    """An audit entry of ``shop`` recorded as the services record them, optionally back-dated."""
    with unit_of_work():
        added = record(Actor(kind=kind, id=None, label=who), action, *subject, merchant_id=shop.id, **states)
        db.session.flush()
        if at is not None:
            added.created_at = at
    return added


def signed_in_id(user) -> str:
    return db.session.scalar(
        select(AuditEntry.id).where(AuditEntry.action == "user.signed_in", AuditEntry.actor_id == user.id)
    )


@pytest.fixture
def admin_a(make_user, shop_a):
    return make_user(email="admin@kodinkone.fi", role="merchant_admin", merchant=shop_a)


# -- whose entries ---------------------------------------------------------------------------


def test_staff_see_their_shops_entries_and_never_another_shops(
    client, sign_in, make_user, shop_a, shop_b, agent_a, platform_admin
):
    ours = entry(shop_a, "ticket.replied", who="agent@kodinkone.fi")
    theirs = entry(shop_b, "ticket.replied", who="agent@pyorapaja.fi", subject=("ticket", "tic_secret"))

    sign_in(agent_a.email)
    html = page(client)
    assert ours.id in shown(html) and theirs.id not in html and "tic_secret" not in html
    assert set(shown(html)) == {
        e.id for e in db.session.scalars(select(AuditEntry).where(AuditEntry.merchant_id == shop_a.id))
    }
    assert theirs.id not in page(client, f"{URL}?shop={shop_b.slug}")  # merchant staff: own shop only
    assert theirs.id not in page(client, f"{URL}?subject=tic_secret")

    admin = client.application.test_client()
    sign_in(platform_admin.email, using=admin)
    assert "audit-" not in page(admin)  # platform admins choose a shop first
    chosen = page(admin, f"{URL}?shop={shop_b.slug}")
    assert theirs.id in shown(chosen) and ours.id not in chosen

    support = client.application.test_client()
    make_user(email="support@apuri.example", role="support_agent", merchant=shop_a)
    sign_in("support@apuri.example", using=support)
    assert ours.id in shown(page(support))  # the one shop they serve, without asking
    assert support.get(f"{URL}?shop={shop_b.slug}").status_code == 403


def test_visitors_are_sent_to_the_staff_sign_in(client, shop_a):
    response = client.get(URL)
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


# -- what a row says -------------------------------------------------------------------------


def test_a_policy_change_shows_who_made_it_and_the_values_before_and_after(client, sign_in, shop_a, admin_a, agent_a):
    update_policy(shop_a, {"returns": {"window_days": 30}}, actor=actor_for(admin_a, "192.0.2.1"))
    change = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "policy.updated"))

    sign_in(agent_a.email)  # every staff role reads the log
    html = page(client)
    assert shown(html)[:2] == [signed_in_id(agent_a), change.id]  # newest first: then the agent signed in
    cells = row(html, change.id)
    assert "Policy changed" in cells and "admin@kodinkone.fi" in cells and "Staff" in cells
    assert "Return window (days from delivery)" in cells
    assert (
        '<del>14</del> <span aria-hidden="true">→</span> <span class="visually-hidden">After:</span><ins>30</ins>'
        in cells
    )
    assert "Shop" in cells


def test_times_are_in_the_shops_time_zone(client, sign_in, shop_a, agent_a):
    late = entry(shop_a, at=datetime(2026, 1, 15, 22, 30, tzinfo=UTC))  # 00:30 on the 16th in Helsinki
    sign_in(agent_a.email)
    cells = row(page(client), late.id)
    assert "1/16/26, 12:30\u202fAM" in cells and 'datetime="2026-01-15T22:30:00+00:00"' in cells


def test_an_entry_about_an_order_links_to_its_page_only_when_the_order_is_the_shops(
    client, sign_in, shop_a, shop_b, agent_a, make_order
):
    make_order(shop_a, "1001")
    created = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "order.created"))
    foreign = make_order(shop_b, "7007")
    stray = entry(shop_a, "order.replaced", subject=("order", foreign.id))

    sign_in(agent_a.email)
    html = page(client)
    assert '<a href="/console/orders/1001">Order 1001</a>' in row(html, created.id)
    assert "/console/orders/7007" not in html and "Order 7007" not in html
    assert "<a " not in row(html, stray.id) and foreign.id in row(html, stray.id)


def test_api_key_changes_are_named_in_words(client, sign_in, shop_a, admin_a, agent_a):
    key, _secret = create_api_key(shop_a, name="Warehouse", actor=actor_for(admin_a))
    revoke_api_key(shop_a, key.id, actor=actor_for(admin_a))
    sign_in(agent_a.email)
    html = page(client, f"{URL}?group=api_key")
    assert "API key created" in html and "API key revoked" in html and "<ins>Warehouse</ins>" in html


# -- filters ---------------------------------------------------------------------------------


def test_each_filter_narrows_the_list(client, sign_in, shop_a, admin_a, agent_a, make_order):
    make_order(shop_a, "1001")
    order_entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "order.created"))
    update_policy(shop_a, {"returns": {"window_days": 21}}, actor=actor_for(admin_a))
    policy = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "policy.updated"))
    key, _secret = create_api_key(shop_a, name="Warehouse", actor=actor_for(admin_a))
    key_entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "api_key.created"))
    ticket = entry(shop_a, "ticket.replied", who="Agent@Kodinkone.fi", kind="user", subject=("ticket", "tic_abc123"))
    percent = entry(shop_a, "ticket.noted", who="50% off team")

    sign_in(agent_a.email)
    everything = page(client)
    assert {order_entry.id, policy.id, key_entry.id, ticket.id, percent.id} <= set(shown(everything))
    assert (
        '<option value="policy">Policy</option>' in everything
        and '<option value="api_key">API keys</option>' in everything
    )
    assert 'value="claim"' not in everything  # only the kinds the shop's entries have

    assert shown(page(client, f"{URL}?group=policy")) == [policy.id]
    assert set(shown(page(client, f"{URL}?group=ticket"))) == {ticket.id, percent.id}
    assert shown(page(client, f"{URL}?who=agent@KODINKONE")) == [signed_in_id(agent_a), ticket.id]
    assert shown(page(client, f"{URL}?who=50%25")) == [percent.id]  # a % typed is a % matched
    assert shown(page(client, f"{URL}?who=admin@kodinkone.fi&group=api_key")) == [key_entry.id]
    assert shown(page(client, f"{URL}?subject_type=api_key")) == [key_entry.id]
    assert shown(page(client, f"{URL}?subject_type=merchant&group=policy")) == [policy.id]
    assert shown(page(client, f"{URL}?subject=1001")) == [order_entry.id]  # the order's number
    assert shown(page(client, f"{URL}?subject=ABC12")) == [ticket.id]  # a part of an id
    assert shown(page(client, f"{URL}?subject={key.id}")) == [key_entry.id]
    assert shown(page(client, f"{URL}?group=policy&who=nobody")) == []
    assert "No entries match these filters." in page(client, f"{URL}?group=policy&who=nobody")


def test_days_are_the_shops_days_with_both_ends_included(client, sign_in, shop_a, agent_a):
    helsinki_day = [  # Helsinki is UTC+2 in March before the clocks change
        entry(shop_a, at=datetime(2026, 3, 9, 21, 59, tzinfo=UTC)),  # 9 March, 23:59
        entry(shop_a, at=datetime(2026, 3, 9, 22, 0, tzinfo=UTC)),  # 10 March, 00:00
        entry(shop_a, at=datetime(2026, 3, 10, 21, 59, 59, tzinfo=UTC)),  # 10 March, 23:59:59
        entry(shop_a, at=datetime(2026, 3, 10, 22, 0, tzinfo=UTC)),  # 11 March, 00:00
    ]
    ninth, tenth, tenth_late, eleventh = (e.id for e in helsinki_day)
    sign_in(agent_a.email)
    assert shown(page(client, f"{URL}?date_from=2026-03-10&date_to=2026-03-10")) == [tenth_late, tenth]
    assert shown(page(client, f"{URL}?date_to=2026-03-09")) == [ninth]
    assert shown(page(client, f"{URL}?date_from=2026-03-10&date_to=2026-03-11")) == [eleventh, tenth_late, tenth]


# -- pages -----------------------------------------------------------------------------------


def test_pages_follow_each_other_without_repeats_or_gaps(client, sign_in, shop_a, agent_a):
    start = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    # Some share one instant: the id breaks the tie, so a page boundary inside them loses nothing.
    with unit_of_work():
        for n in range(PAGE_SIZE * 2 + 10):
            entry(shop_a, "ticket.status", at=start + timedelta(minutes=n // 4))
    sign_in(agent_a.email)
    expected = [
        e.id
        for e in db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.merchant_id == shop_a.id)
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        )
    ]
    seen, url, pages = [], URL, 0
    while url:
        html = page(client, url)
        seen += shown(html)
        pages += 1
        following = NEXT.search(html)
        url = following.group(1) if following else None
    assert pages == 3 and len(seen) == len(expected) and seen == expected

    filtered = page(client, f"{URL}?group=ticket")
    link = NEXT.search(filtered).group(1)
    assert "group=ticket" in link and "cursor=" in link
    second = page(client, link)
    assert "Newest entries" in second and len(shown(second)) == PAGE_SIZE


# -- input that cannot be read ---------------------------------------------------------------


def test_a_date_that_cannot_be_read_is_named_beside_its_field_and_the_list_still_shows(
    client, sign_in, shop_a, agent_a
):
    kept = entry(shop_a, "ticket.replied")
    sign_in(agent_a.email)
    html = page(client, f"{URL}?date_from=31.12.2026&group=ticket", status=422)
    assert '<p class="error" id="date_from-error">Must be a date such as 2026-11-23.</p>' in html
    assert 'aria-describedby="date_from-error" aria-invalid="true"' in html and 'value="31.12.2026"' in html
    assert shown(html) == [kept.id]  # the other filters still apply

    for far_end in ("9999-12-31", "0001-01-01"):
        assert "Must be a date such as 2026-11-23." in page(client, f"{URL}?date_to={far_end}", status=422)
    backwards = page(client, f"{URL}?date_from=2026-03-10&date_to=2026-03-01", status=422)
    assert '<p class="error" id="date_to-error">The last day is before the first day.</p>' in backwards
    unknown = page(client, f"{URL}?group=nonsense", status=422)
    assert '<p class="error" id="group-error">Is not one of the allowed values.</p>' in unknown


def test_a_damaged_page_link_shows_the_newest_entries_with_a_message(client, sign_in, shop_a, agent_a):
    newest = entry(shop_a, "ticket.replied")
    sign_in(agent_a.email)
    for cursor in ("broken", "W10", "WyIyMDI2LTAxLTAxVDAwOjAwOjAwIiwgImF1ZCJd"):  # junk, [], a time without offset
        html = page(client, f"{URL}?cursor={cursor}", status=422)
        assert "This page link is damaged or out of date. Showing the newest entries." in html
        assert newest.id in shown(html)


def test_changes_name_only_the_keys_that_differ_with_compact_values():
    before = {"returns": {"window_days": 14, "allow_cancel": True, "return_address": None}, "claims": {"x": 1}}
    after = {
        "returns": {"window_days": 30, "allow_cancel": True, "return_address": {"city": "Oulu"}},
        "claims": {"x": 1},
    }
    assert [(c.key, c.before, c.after) for c in changes(before, after)] == [
        ("returns.window_days", "14", "30"),
        ("returns.return_address", "—", '{"city": "Oulu"}'),
    ]
    assert [(c.key, c.before, c.after) for c in changes(None, {"name": "ERP"})] == [("name", None, "ERP")]
    assert changes({"note": "x" * 200}, {})[0].before == "x" * 79 + "…"
