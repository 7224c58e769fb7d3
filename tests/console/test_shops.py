"""The platform admin's shops page: every shop with its order count, and a form that creates a
shop (audited); errors beside the fields with what was typed kept; a taken address refused.
Merchant admins, agents and support agents have no access."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.merchants.models import Merchant
from tests.conftest import csrf_from

SHOPS = "/console/shops"
NEW_SHOP = {
    "slug": "fjallbod",
    "name": "Fjällboden AB",
    "currency": "SEK",
    "locale": "sv",
    "country": "SE",
    "timezone": "Europe/Stockholm",
}


def page(client, url: str = SHOPS, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return unescape(response.get_data(as_text=True))


def create(client, **fields):
    return client.post(SHOPS, data={"csrf_token": csrf_from(page(client)), **{**NEW_SHOP, **fields}})


def row(html: str, slug: str) -> list[str]:
    start = html.index(f'<tr id="shop-{slug}"')
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", html[start : html.index("</tr>", start)], re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]


def shops() -> dict[str, Merchant]:
    db.session.expire_all()
    return {m.slug: m for m in db.session.scalars(select(Merchant))}


def field_error(html: str, name: str) -> str:
    return re.search(rf'<p class="error" id="shop-{name}-error">(.*?)</p>', html).group(1)


def test_the_list_shows_every_shop_with_its_order_count(client, sign_in, platform_admin, shop_a, shop_b, make_order):
    make_order(shop_a)
    make_order(shop_a)
    sign_in(platform_admin.email)
    html = page(client)
    assert row(html, "kodinkone") == ["Kodinkone Oy", "kodinkone", "EUR", "Suomi", "Finland", "Europe/Helsinki", "2"]
    assert row(html, "pyorapaja")[-1] == "0"
    assert html.index('id="shop-kodinkone"') < html.index('id="shop-pyorapaja"')  # by name
    assert 'href="/console/orders?shop=kodinkone"' in html


def test_a_platform_admin_creates_a_shop(client, sign_in, platform_admin):
    sign_in(platform_admin.email)

    response = create(client)

    assert response.status_code == 303 and response.headers["Location"] == f"{SHOPS}#shop-fjallbod"
    shop = shops()["fjallbod"]
    assert (shop.name, shop.currency, shop.default_locale, shop.country, shop.timezone) == (
        "Fjällboden AB",
        "SEK",
        "sv",
        "SE",
        "Europe/Stockholm",
    )
    html = page(client)
    assert "Shop “Fjällboden AB” created. Its buyers' pages are at /s/fjallbod/." in html
    assert row(html, "fjallbod") == ["Fjällboden AB", "fjallbod", "SEK", "Svenska", "Sweden", "Europe/Stockholm", "0"]
    audited = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "merchant.created"))
    assert (audited.actor_id, audited.subject_id) == (platform_admin.id, shop.id)


def test_the_form_offers_the_currencies_languages_countries_and_nordic_time_zones(client, sign_in, platform_admin):
    sign_in(platform_admin.email)
    html = page(client)
    for name, values in (
        ("currency", ["EUR", "SEK", "DKK", "NOK", "ISK"]),
        ("locale", ["fi", "sv", "da", "nb", "is", "en"]),
        ("country", ["FI", "SE", "DK", "NO", "IS"]),
        (
            "timezone",
            ["Europe/Helsinki", "Europe/Stockholm", "Europe/Copenhagen", "Europe/Oslo", "Atlantic/Reykjavik"],
        ),
    ):
        select_html = html.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
        assert re.findall(r'<option value="([^"]+)"', select_html) == values
    assert '<option value="EUR" selected>' in html and '<option value="fi" lang="fi" selected>' in html


@pytest.mark.parametrize(
    ("fields", "name", "message"),
    [
        ({"slug": "A"}, "slug", "Use 3–64 lower-case letters, digits and hyphens."),
        ({"slug": "my shop"}, "slug", "Use 3–64 lower-case letters, digits and hyphens."),
        ({"name": "   "}, "name", "The shop needs a name."),
        ({"name": "n" * 201}, "name", "Keep the name to 200 characters or fewer."),
        ({"currency": "USD"}, "currency", "Use one of: EUR, SEK, DKK, NOK, ISK."),
        ({"locale": "de"}, "locale", "Use one of: fi, sv, da, nb, is, en."),
        ({"country": "DE"}, "country", "Choose one of the countries in the list."),
        ({"timezone": "Europe/Berlin"}, "timezone", "Choose one of the time zones in the list."),
    ],
)
def test_a_bad_field_is_refused_beside_it_and_the_values_are_kept(
    client, sign_in, platform_admin, fields, name, message
):
    sign_in(platform_admin.email)
    response = create(client, **fields)
    assert response.status_code == 422
    html = unescape(response.get_data(as_text=True))
    assert field_error(html, name) == message
    assert f'id="shop-{name}"' in html and 'aria-invalid="true"' in html
    assert "The shop was not created: check the fields marked below." in html
    if name != "slug":
        assert 'value="fjallbod"' in html  # what was typed is kept
    if name != "locale":
        assert '<option value="sv" lang="sv" selected>' in html
    assert "fjallbod" not in shops()


def test_a_taken_address_is_refused(client, sign_in, platform_admin, shop_a):
    sign_in(platform_admin.email)
    response = create(client, slug="Kodinkone", name="Toinen kauppa")
    assert response.status_code == 409
    html = unescape(response.get_data(as_text=True))
    assert field_error(html, "slug") == "A shop with the address kodinkone already exists."
    assert 'value="Toinen kauppa"' in html
    assert shops()["kodinkone"].name == "Kodinkone Oy" and len(shops()) == 1


def test_only_platform_admins_have_access(client, sign_in, make_user, shop_a, agent_a):
    make_user(email="admin@kodinkone.fi", role="merchant_admin", merchant=shop_a)
    make_user(email="support@apuri.example", role="support_agent", merchant=shop_a)
    for email in ("admin@kodinkone.fi", agent_a.email, "support@apuri.example"):
        browser = client.application.test_client()
        sign_in(email, using=browser)
        token = csrf_from(page(browser, "/console/orders"))
        assert browser.get(SHOPS).status_code == 403
        assert browser.post(SHOPS, data={"csrf_token": token, **NEW_SHOP}).status_code == 403
    assert "fjallbod" not in shops()
    assert client.get(SHOPS).status_code == 302  # signed out: to the sign-in page
