"""The shop's policy document: read whole, changed by merging, validated, audited."""

from __future__ import annotations

from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.merchants.models import ApiKey
from tests.api.conftest import bearer


def test_the_policy_has_every_section_with_defaults(client, shop):
    response = client.get("/api/v1/policy", headers=shop.headers)
    assert response.status_code == 200
    policy = response.get_json()
    assert set(policy) == {"returns", "claims", "instalments", "sla"}
    assert policy["returns"]["window_days"] == 14
    assert policy["instalments"]["nominal_rate"] == "0.00"


def test_patch_merges_and_the_change_is_audited(client, shop):
    before = client.get("/api/v1/policy", headers=shop.headers).get_json()
    response = client.patch(
        "/api/v1/policy",
        json={"returns": {"window_days": 30}, "instalments": {"enabled": True, "nominal_rate": "9.9"}},
        headers=shop.headers,
    )
    assert response.status_code == 200
    policy = response.get_json()
    assert policy["returns"]["window_days"] == 30
    assert policy["returns"]["restocking_fee_pct"] == before["returns"]["restocking_fee_pct"]
    assert policy["instalments"]["enabled"] is True
    assert policy["instalments"]["nominal_rate"] == "9.90"
    assert policy["sla"] == before["sla"]
    assert client.get("/api/v1/policy", headers=shop.headers).get_json() == policy

    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "policy.updated"))
    key = db.session.scalar(select(ApiKey))
    assert entry.merchant_id == shop.merchant.id
    assert (entry.actor_type, entry.actor_id, entry.ip) == ("api_key", key.id, "127.0.0.1")
    assert entry.before["returns"] == {"window_days": 14}
    assert entry.after["returns"] == {"window_days": 30}


def test_a_rate_above_the_legal_cap_is_refused_with_the_field(client, shop):
    response = client.patch("/api/v1/policy", json={"instalments": {"nominal_rate": "25.00"}}, headers=shop.headers)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert list(error["fields"]) == ["instalments.nominal_rate"]
    assert "20" in error["fields"]["instalments.nominal_rate"][0]
    assert client.get("/api/v1/policy", headers=shop.headers).get_json()["instalments"]["nominal_rate"] == "0.00"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "policy.updated")) is None


def test_unknown_sections_and_settings_are_named(client, shop):
    response = client.patch(
        "/api/v1/policy", json={"loyalty": {}, "returns": {"window_weeks": 2}}, headers=shop.headers
    )
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"loyalty", "returns.window_weeks"}


def test_a_policy_patch_must_be_a_json_object(client, shop):
    assert client.patch("/api/v1/policy", json=["returns"], headers=shop.headers).status_code == 400
    assert client.patch("/api/v1/policy", data="returns=1", headers=shop.headers).status_code == 415


def test_each_shop_changes_its_own_policy_only(client, shop, make_merchant, make_api_key):
    other = bearer(make_api_key(make_merchant("kilpailija")))
    client.patch("/api/v1/policy", json={"returns": {"window_days": 60}}, headers=other)
    assert client.get("/api/v1/policy", headers=shop.headers).get_json()["returns"]["window_days"] == 14
    assert client.get("/api/v1/policy", headers=other).get_json()["returns"]["window_days"] == 60


def test_the_policy_needs_a_merchant_key(client):
    assert client.get("/api/v1/policy").status_code == 401
    assert client.patch("/api/v1/policy", json={}).status_code == 401
