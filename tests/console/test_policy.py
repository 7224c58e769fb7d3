"""The console edits the same policy document as the API, with the same rules and audit."""

from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.merchants.models import Merchant
from portal.merchants.services import get_policy
from tests.conftest import csrf_from


def form_of(client) -> dict:
    html = client.get("/console/policy").get_data(as_text=True)
    import re

    fields = dict(re.findall(r'name="([a-z_]+\.[a-z_]+)" value="([^"]*)"', html))
    for name, body in re.findall(r'<textarea [^>]*name="([a-z_]+\.[a-z_]+)"[^>]*>([^<]*)</textarea>', html):
        fields[name] = body.replace("&#34;", '"').replace("&quot;", '"')
    # A browser sends a ticked checkbox as "on".
    for name in re.findall(r'<input type="checkbox" [^>]*name="([a-z_]+\.[a-z_]+)" checked', html):
        fields[name] = "on"
    fields["csrf_token"] = csrf_from(html)
    return fields


def test_an_admin_changes_the_return_window_and_it_is_audited(client, sign_in, make_user, shop_a):
    make_user(email="admin@kodinkone.fi", password="correct horse battery", role="merchant_admin", merchant=shop_a)
    sign_in("admin@kodinkone.fi")
    form = form_of(client)
    assert form["returns.window_days"] == "14"
    form["returns.window_days"] = "30"
    form["instalments.months"] = "3, 6, 24"
    response = client.post("/console/policy", data=form, follow_redirects=True)
    assert response.status_code == 200
    assert "Policy saved" in response.get_data(as_text=True)
    policy = get_policy(db.session.get(Merchant, shop_a.id))
    assert policy["returns"]["window_days"] == 30
    assert policy["instalments"]["months"] == [3, 6, 24]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "policy.updated")).one()
    assert entry.actor_label == "admin@kodinkone.fi"
    assert entry.before == {"returns": {"window_days": 14}, "instalments": {"months": [3, 6, 12]}}


def test_a_rate_above_the_legal_cap_is_refused_with_the_reason_and_nothing_is_saved(client, sign_in, make_user, shop_a):
    make_user(email="admin@kodinkone.fi", password="correct horse battery", role="merchant_admin", merchant=shop_a)
    sign_in("admin@kodinkone.fi")
    form = form_of(client)
    form["instalments.nominal_rate"] = "25"
    form["returns.window_days"] = "60"
    response = client.post("/console/policy", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Finnish consumer-credit cap" in html
    assert 'value="25"' in html  # what the admin typed is kept
    policy = get_policy(db.session.get(Merchant, shop_a.id))
    assert policy["instalments"]["nominal_rate"] == "0.00"
    assert policy["returns"]["window_days"] == 14


def test_an_agent_sees_the_policy_but_cannot_change_it(client, sign_in, agent_a, shop_a):
    sign_in(agent_a.email)
    form = form_of(client)
    form["returns.window_days"] = "40"
    assert client.post("/console/policy", data=form).status_code == 403
    assert get_policy(db.session.get(Merchant, shop_a.id))["returns"]["window_days"] == 14
