"""The console's API keys: a shop's admin creates one (its secret shown once, on the answer to the
POST, and only its hash kept), sees the list, and revokes a key so that it no longer opens the
API. Another shop's keys stay out of reach; agents and support agents have no access."""

from __future__ import annotations

import hashlib
from html import unescape

import pytest
from sqlalchemy import select, text

from portal.actors import Actor
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.merchants.models import ApiKey
from portal.merchants.services import create_api_key
from tests.conftest import csrf_from

LIST = "/console/api-keys"
SHOWN_ONCE = "Copy this key now: it is shown only once"


def page(client, url: str = LIST, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return unescape(response.get_data(as_text=True))


def create(client, name: str, *, url: str = LIST):
    return client.post(url, data={"csrf_token": csrf_from(page(client, url)), "name": name})


def revoke(client, key_id: str, *, query: str = ""):
    return client.post(f"{LIST}/{key_id}/revoke{query}", data={"csrf_token": csrf_from(page(client, LIST + query))})


def api_status(client, secret: str) -> int:
    return client.get("/api/v1/policy", headers={"Authorization": f"Bearer {secret}"}).status_code


def keys() -> list[ApiKey]:
    db.session.expire_all()
    return list(db.session.scalars(select(ApiKey).order_by(ApiKey.created_at)))


def row(html: str, key_id: str) -> str:
    start = html.index(f'<tr id="key-{key_id}"')
    return html[start : html.index("</tr>", start)]


@pytest.fixture
def admin_a(make_user, shop_a):
    return make_user(email="admin@kodinkone.fi", role="merchant_admin", merchant=shop_a)


@pytest.fixture
def foreign_key(shop_b):
    key, secret = create_api_key(shop_b, name="Pyöräpaja ERP", actor=Actor.system("tests"))
    return key, secret


# -- creating ---------------------------------------------------------------------------------


def test_a_new_key_is_shown_once_and_opens_the_api(client, sign_in, admin_a):
    sign_in(admin_a.email)
    assert "No API keys yet." in page(client)

    response = create(client, "  Web shop backend  ")
    assert response.status_code == 201 and "Location" not in response.headers
    assert response.headers["Cache-Control"] == "private, no-store"
    html = unescape(response.get_data(as_text=True))
    [key] = keys()
    secret = html.split('id="new-key-secret" type="text" class="mono copy-field" value="', 1)[1].split('"', 1)[0]
    assert SHOWN_ONCE in html and secret.startswith(key.prefix) and len(secret) > 40
    assert '<label for="new-key-secret">API key “Web shop backend”</label>' in html
    assert key.name == "Web shop backend" and key.merchant_id == admin_a.merchant_id
    assert f'<th scope="row">Web shop backend</th>\n      <td class="mono">{key.prefix}…</td>' in row(html, key.id)
    assert "In use" in row(html, key.id) and "Never" in row(html, key.id)

    assert api_status(client, secret) == 200
    again = page(client)
    assert secret not in again and SHOWN_ONCE not in again  # never shown again
    assert f"{key.prefix}…" in row(again, key.id) and "Never" not in row(again, key.id)  # last used now

    created = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "api_key.created"))
    assert (created.actor_id, created.subject_id, created.after) == (
        admin_a.id,
        key.id,
        {"name": "Web shop backend", "prefix": key.prefix},
    )
    assert secret not in str(created.after)


def test_only_the_hash_of_the_secret_is_stored(client, sign_in, admin_a):
    sign_in(admin_a.email)
    html = unescape(create(client, "ERP").get_data(as_text=True))
    secret = html.split('id="new-key-secret" type="text" class="mono copy-field" value="', 1)[1].split('"', 1)[0]
    stored = db.session.execute(text("SELECT * FROM api_keys")).mappings().all()
    assert len(stored) == 1
    assert all(secret not in str(value) for value in stored[0].values())
    assert stored[0]["key_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    trail = db.session.execute(text("SELECT * FROM audit_entries")).mappings().all()
    assert all(secret not in str(value) for entry in trail for value in entry.values())


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Give the key a name, e.g. the system that uses it."),
        ("   ", "Give the key a name, e.g. the system that uses it."),
        ("x" * 101, "Keep the name to 100 characters or fewer."),
    ],
)
def test_a_missing_or_long_name_is_refused_beside_the_field(client, sign_in, admin_a, name, message):
    sign_in(admin_a.email)
    response = create(client, name)
    assert response.status_code == 422
    html = unescape(response.get_data(as_text=True))
    assert f'<p class="error" id="name-error">{message}</p>' in html
    assert 'aria-describedby="name-help name-error" aria-invalid="true"' in html
    assert f'value="{name.strip()}"' in html  # what was typed is kept
    assert keys() == [] and SHOWN_ONCE not in html


def test_a_name_of_exactly_100_characters_is_accepted(client, sign_in, admin_a):
    sign_in(admin_a.email)
    assert create(client, "n" * 100).status_code == 201
    assert keys()[0].name == "n" * 100


# -- revoking ---------------------------------------------------------------------------------


def test_a_revoked_key_no_longer_opens_the_api_and_revoking_twice_is_harmless(client, sign_in, admin_a):
    sign_in(admin_a.email)
    html = unescape(create(client, "Warehouse").get_data(as_text=True))
    secret = html.split('id="new-key-secret" type="text" class="mono copy-field" value="', 1)[1].split('"', 1)[0]
    [key] = keys()
    assert api_status(client, secret) == 200
    assert f'action="{LIST}/{key.id}/revoke"' in row(html, key.id)

    response = revoke(client, key.id)
    assert response.status_code == 302 and response.headers["Location"] == f"{LIST}#key-{key.id}"
    listed = page(client)
    assert "API key “Warehouse” revoked. Requests sent with it are refused from now on." in listed
    assert "Revoked" in row(listed, key.id) and "/revoke" not in row(listed, key.id)
    assert api_status(client, secret) == 401
    revoked_at = keys()[0].revoked_at
    assert revoked_at is not None

    assert revoke(client, key.id).status_code == 302
    assert keys()[0].revoked_at == revoked_at
    assert api_status(client, secret) == 401
    revocations = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "api_key.revoked")).all()
    assert [(e.subject_id, e.actor_id) for e in revocations] == [(key.id, admin_a.id)]


def test_another_shops_key_cannot_be_seen_or_revoked(client, sign_in, admin_a, foreign_key):
    key, secret = foreign_key
    sign_in(admin_a.email)
    html = page(client)
    assert key.id not in html and "Pyöräpaja ERP" not in html and key.prefix not in html
    assert key.id not in page(client, f"{LIST}?shop=pyorapaja")  # merchant staff: their own shop only
    response = revoke(client, key.id)
    assert response.status_code == 404
    assert keys()[0].revoked_at is None and api_status(client, secret) == 200
    assert client.post(f"{LIST}/key_doesnotexist/revoke", data={"csrf_token": csrf_from(html)}).status_code == 404


def test_a_revoke_without_the_csrf_token_changes_nothing(client, sign_in, admin_a):
    sign_in(admin_a.email)
    create(client, "ERP")
    [key] = keys()
    assert client.post(f"{LIST}/{key.id}/revoke").status_code == 400
    assert keys()[0].revoked_at is None


# -- who may ----------------------------------------------------------------------------------


def test_agents_and_support_agents_have_no_access(client, sign_in, make_user, shop_a, agent_a, foreign_key):
    key, secret = create_api_key(shop_a, name="ERP", actor=Actor.system("tests"))
    sign_in(agent_a.email)
    token = csrf_from(page(client, "/console/orders"))
    for response in (
        client.get(LIST),
        client.post(LIST, data={"csrf_token": token, "name": "Mine"}),
        client.post(f"{LIST}/{key.id}/revoke", data={"csrf_token": token}),
    ):
        assert response.status_code == 403
        assert key.prefix not in response.get_data(as_text=True)

    support = client.application.test_client()
    make_user(email="support@apuri.example", role="support_agent", merchant=shop_a)
    sign_in("support@apuri.example", using=support)
    support_token = csrf_from(page(support, "/console/orders"))
    assert support.get(LIST).status_code == 403
    assert support.post(f"{LIST}/{key.id}/revoke", data={"csrf_token": support_token}).status_code == 403
    assert [(k.name, k.revoked_at) for k in keys() if k.merchant_id == shop_a.id] == [("ERP", None)]
    assert api_status(client, secret) == 200

    assert client.application.test_client().get(LIST).status_code == 302  # visitors: to the sign-in


def test_a_platform_admin_chooses_the_shop_then_manages_its_keys(client, sign_in, platform_admin, shop_a, shop_b):
    sign_in(platform_admin.email)
    choice = page(client)
    assert "Choose a shop" in choice and f'href="{LIST}?shop={shop_b.slug}"' in choice  # the shop first
    token = csrf_from(page(client, "/console/orders?shop=" + shop_a.slug))
    assert client.post(LIST, data={"csrf_token": token, "name": "Nowhere"}).status_code == 404
    query = f"?shop={shop_b.slug}"
    response = create(client, "Pyöräpaja ERP", url=LIST + query)
    assert response.status_code == 201 and SHOWN_ONCE in unescape(response.get_data(as_text=True))
    [key] = keys()
    assert key.merchant_id == shop_b.id
    assert revoke(client, key.id, query=query).headers["Location"] == f"{LIST}{query}#key-{key.id}"
    assert keys()[0].revoked_at is not None
    assert client.post(f"{LIST}/{key.id}/revoke", data={"csrf_token": token}).status_code == 404  # no shop chosen
