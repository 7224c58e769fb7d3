"""Who sees a callback and its phone number: the shop's staff, the support agents who serve the
shop and platform admins — as on the desk. Another shop's staff get 404, a support agent not
serving the shop 403, nobody signed in the sign-in page; none of them sees the number or changes
anything."""

from __future__ import annotations

import pytest

from portal.callbacks.models import CallbackRequest
from portal.extensions import db
from tests.callbacks.conftest import PASSWORD, ask, page_text
from tests.conftest import csrf_from


@pytest.fixture
def people(make_user, helsinki, stockholm):
    make_user(email="agent@kodinkone.fi", password=PASSWORD, role="merchant_agent", merchant=helsinki)
    make_user(email="admin@kodinkone.fi", password=PASSWORD, role="merchant_admin", merchant=helsinki)
    make_user(email="agent@fjallhem.se", password=PASSWORD, role="merchant_agent", merchant=stockholm)
    make_user(email="tuki@apuri.example", password=PASSWORD, role="support_agent", merchant=helsinki)
    make_user(email="tuki-se@apuri.example", password=PASSWORD, role="support_agent", merchant=stockholm)
    make_user(email="platform@apuri.example", password=PASSWORD, role="platform_admin")
    return {
        "shop agent": "agent@kodinkone.fi",
        "shop admin": "admin@kodinkone.fi",
        "other shop's agent": "agent@fjallhem.se",
        "support serving the shop": "tuki@apuri.example",
        "support serving another shop": "tuki-se@apuri.example",
        "platform admin": "platform@apuri.example",
    }


# (who, the shop asked for in the address, what a GET of the callback answers)
MATRIX = [
    ("shop agent", None, 200),
    ("shop admin", None, 200),
    ("support serving the shop", "kodinkone", 200),
    ("support serving the shop", None, 200),  # they serve one shop: it is chosen for them
    ("platform admin", "kodinkone", 200),
    ("other shop's agent", None, 404),
    ("other shop's agent", "kodinkone", 404),  # the asked-for shop is ignored: theirs is used
    ("support serving another shop", "kodinkone", 403),
    ("support serving another shop", "fjallhem", 404),
    ("platform admin", "fjallhem", 404),
    ("nobody", None, 302),
]


@pytest.mark.parametrize(("who", "shop", "expected"), MATRIX)
def test_the_callback_page_and_its_changes_follow_the_desks_rules(
    app, client, sign_in, people, order_fi, who, shop, expected
):
    callback = ask(order_fi)
    if who != "nobody":
        sign_in(people[who])
    suffix = f"?shop={shop}" if shop else ""
    detail = client.get(f"/console/callbacks/{callback.id}{suffix}")
    assert detail.status_code == expected
    html = page_text(detail)
    if expected == 200:
        assert "+358 40 1234567" in html
    else:
        assert "1234567" not in html
    # A change, with a valid token from a page this person may open.
    token = csrf_from(client.get("/staff/login" if who == "nobody" else "/console/orders").get_data(as_text=True))
    changed = client.post(
        f"/console/callbacks/{callback.id}/outcome{suffix}",
        data={"csrf_token": token, "outcome": "solved", "version": "1"},
    )
    db.session.expire_all()
    status = db.session.get(CallbackRequest, callback.id).status
    if expected == 200:
        assert changed.status_code == 302 and status == "solved"
    else:
        assert changed.status_code == expected and status == "pending"


@pytest.mark.parametrize(
    ("who", "shop", "sees"),
    [
        ("shop agent", None, True),
        ("other shop's agent", None, False),
        ("support serving another shop", "fjallhem", False),
        ("platform admin", "fjallhem", False),
    ],
)
def test_the_queue_lists_only_the_shops_own_callbacks(app, client, sign_in, people, order_fi, who, shop, sees):
    callback = ask(order_fi)
    sign_in(people[who])
    response = client.get("/console/callbacks" + (f"?shop={shop}" if shop else ""))
    assert response.status_code == 200
    html = page_text(response)
    assert (callback.id in html) is sees
    assert ("+358 40 1234567" in html) is sees


def test_platform_staff_choose_a_shop_first(client, sign_in, people, order_fi):
    ask(order_fi)
    sign_in(people["platform admin"])
    html = page_text(client.get("/console/callbacks"))
    assert "kodinkone" in html and "+358 40 1234567" not in html
