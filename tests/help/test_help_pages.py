"""The help centre as buyers and staff use it: the sections and one article in the buyer's
language, search, "was this helpful?" (once per browser), context help on the order page, and
the merchant editing articles (Markdown sanitised) with the most-read and least-helpful lists."""

from __future__ import annotations

from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.help import services as help_centre
from portal.help.models import HelpArticle
from tests.conftest import csrf_from
from tests.returns.test_buyer_return_pages import open_link

PASSWORD = "correct horse battery"


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return unescape(response.get_data(as_text=True))


def article(merchant, key: str) -> HelpArticle:
    db.session.expire_all()
    return db.session.scalars(
        select(HelpArticle).where(HelpArticle.merchant_id == merchant.id, HelpArticle.key == key)
    ).one()


@pytest.fixture
def shop(make_merchant):
    return make_merchant("kodinkone", name="Kodinkone Oy")


def test_the_help_centre_lists_the_sections_in_the_buyers_language(client, shop):
    html = page(client, "/s/kodinkone/help?lang=sv")
    assert '<html lang="sv">' in html
    for section in ("Leverans", "Betalning"):
        assert section in html
    sv_title = article(shop, "where-is-my-parcel").text("sv").title
    assert sv_title in html and 'href="/s/kodinkone/help/where-is-my-parcel"' in html
    html = page(client, "/s/kodinkone/help?lang=fi")
    assert article(shop, "where-is-my-parcel").text("fi").title in html


def test_search_answers_in_the_buyers_language_and_says_when_nothing_fits(client, shop):
    html = page(client, "/s/kodinkone/help?lang=fi&q=milloin+saan+rahani+takaisin")
    results = html[html.index('id="results-title"') :]
    assert article(shop, "refund-timing").text("fi").title in results[:1500]
    html = page(client, "/s/kodinkone/help?lang=en&q=xyzzy")
    assert "No article answers that yet." in html


def test_an_article_is_sanitised_counted_and_rated_once(client, shop, make_user, sign_in):
    help_centre.ensure_articles(shop)
    row = article(shop, "payment-methods")
    text = row.text("en")
    text.body = "**Cards** are fine.<script>alert(1)</script>\n\n[x](javascript:alert(1)) [ok](https://shop.example)"
    db.session.commit()
    html = client.get("/s/kodinkone/help/payment-methods?lang=en").get_data(as_text=True)
    assert "<strong>Cards</strong>" in html and "<script>alert(1)" not in html
    assert 'href="javascript' not in html and 'href="https://shop.example" rel="noopener noreferrer nofollow"' in html
    assert article(shop, "payment-methods").views == 1
    token = csrf_from(html)
    response = client.post("/s/kodinkone/help/payment-methods/feedback", data={"csrf_token": token, "helpful": "no"})
    assert response.status_code == 302
    assert "We use your answer to make this article better." in page(client, response.headers["Location"])
    again = client.post("/s/kodinkone/help/payment-methods/feedback", data={"csrf_token": token, "helpful": "no"})
    assert "You have already answered for this article." in page(client, again.headers["Location"])
    bad = client.post("/s/kodinkone/help/payment-methods/feedback", data={"csrf_token": token, "helpful": "maybe"})
    assert bad.status_code == 302
    row = article(shop, "payment-methods")
    assert (row.helpful_yes, row.helpful_no) == (0, 1)
    assert page(client, "/s/kodinkone/help/no-such-article", 404)


def test_the_order_page_links_the_articles_that_fit_a_late_order(client, shop, make_order):
    late = make_order(shop, "5001", locale="en", promised_delivery_date=(date.today() - timedelta(days=3)).isoformat())
    html = open_link(client, late)
    box = html[html.index('id="order-help-title"') :]
    box = box[: box.index("</section>")]
    assert article(shop, "late-parcel").text("en").title in box
    assert box.index("late-parcel") < box.index("where-is-my-parcel")
    assert 'href="/s/kodinkone/help"' in box


def test_staff_edit_an_article_and_buyers_read_it_at_once(client, shop, make_user, sign_in, make_order):
    make_user(email="agent@kodinkone.fi", password=PASSWORD, role="merchant_agent", merchant=shop)
    order = make_order(shop, "5002", locale="en", promised_delivery_date=(date.today() - timedelta(days=3)).isoformat())
    buyer = client.application.test_client()
    assert "late-parcel" in open_link(buyer, order)  # the order page is cached with the old titles
    sign_in("agent@kodinkone.fi")
    row = article(shop, "late-parcel")
    url = f"/console/help/{row.id}"
    html = page(client, url)
    assert "Edit the article" in html and row.text("fi").title in html
    form = {"csrf_token": csrf_from(html), "section": "delivery"}
    for text in row.texts:
        form[f"title_{text.locale}"] = text.title
        form[f"body_{text.locale}"] = text.body
    form["title_en"] = "My parcel is late — what now?"
    form["body_is"] = ""
    form["title_is"] = ""
    response = client.post(url, data=form)
    assert response.status_code == 302
    assert "Article “My parcel is late — what now?” saved." in page(client, response.headers["Location"])
    assert "My parcel is late — what now?" in unescape(buyer.get("/s/kodinkone/orders/5002").get_data(as_text=True))
    html = page(buyer, "/s/kodinkone/help/late-parcel?lang=is")
    assert '<html lang="is">' in html and '<article class="card help-article" lang="en">' in html
    assert "My parcel is late — what now?" in html

    bad = dict(form, title_en="", body_fi="short")
    response = client.post(url, data=bad)
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 422 and "Write a title of 3 to 200 characters." in html
    assert "Write the answer: 10 to 20 000 characters." in html
    assert article(shop, "late-parcel").text("en").title == "My parcel is late — what now?"


def test_staff_add_and_delete_an_article_and_see_what_buyers_read(client, shop, make_user, sign_in):
    make_user(email="agent@kodinkone.fi", password=PASSWORD, role="merchant_agent", merchant=shop)
    sign_in("agent@kodinkone.fi")
    html = page(client, "/console/help/new?section=payment")
    form = {
        "csrf_token": csrf_from(html),
        "section": "payment",
        "key": "gift-cards",
        "title_en": "Can I pay with a gift card?",
        "body_en": "Yes: enter the gift card code at the checkout.",
    }
    response = client.post("/console/help/new", data=form)
    assert response.status_code == 302
    new = article(shop, "gift-cards")
    assert [t.locale for t in new.texts] == ["en"]
    assert [h.article.key for h in help_centre.find(shop, "gift card", "en")][0] == "gift-cards"
    response = client.post("/console/help/new", data=form)
    assert response.status_code == 422 and "Another article has this address already." in response.get_data(
        as_text=True
    )

    for helpful in (True, False, False):
        help_centre.vote(new, helpful)
    help_centre.record_view(new)
    html = page(client, "/console/help")
    least = html[html.index('id="least-helpful-title"') :]
    assert "Can I pay with a gift card?" in least[:800] and "1 helpful, 2 not" in least[:800]
    most = html[html.index('id="most-viewed-title"') : html.index('id="least-helpful-title"')]
    assert "Can I pay with a gift card?" in most and "1 reading" in most

    response = client.post(f"/console/help/{new.id}/delete", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302
    assert help_centre.find(shop, "gift card", "en") == [] or all(
        h.article.key != "gift-cards" for h in help_centre.find(shop, "gift card", "en")
    )
    assert page(client, "/s/kodinkone/help/gift-cards", 404)


def test_another_shops_staff_cannot_edit_and_support_only_reads(client, shop, make_merchant, make_user, sign_in):
    other = make_merchant("pyorapaja", name="Pyöräpaja")
    make_user(email="agent@pyorapaja.fi", password=PASSWORD, role="merchant_agent", merchant=other)
    make_user(email="tuki@apuri.example", password=PASSWORD, role="support_agent", merchant=shop)
    help_centre.ensure_articles(shop)
    row = article(shop, "late-parcel")
    sign_in("agent@pyorapaja.fi")
    assert client.get(f"/console/help/{row.id}").status_code == 404
    token = csrf_from(page(client, "/console/help"))
    assert client.post(f"/console/help/{row.id}", data={"csrf_token": token, "section": "payment"}).status_code == 404
    assert client.post(f"/console/help/{row.id}/delete", data={"csrf_token": token}).status_code == 404
    support = client.application.test_client()
    sign_in("tuki@apuri.example", using=support)
    html = unescape(support.get(f"/console/help/{row.id}").get_data(as_text=True))
    assert "Only the shop's staff can edit articles." in html
    response = support.post(f"/console/help/{row.id}", data={"csrf_token": csrf_from(html), "section": "payment"})
    assert response.status_code == 403
    assert article(shop, "late-parcel").section == "delivery"
