"""The buyer's claim pages: read the rights, report a defect with photos from the phone, follow
the claim, answer the shop's offer; and nobody else sees any of it."""

from __future__ import annotations

import io
import re
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from sqlalchemy import func, select

from portal.claims import services as claims
from portal.claims.models import Claim, ClaimPhoto
from portal.extensions import db
from portal.merchants.policy import merge_policy
from portal.orders.services import delivered_on
from portal.payments.models import Refund
from portal.storage import get_storage
from tests.claims.conftest import BUYER, SHOP, claim_body, jpeg
from tests.conftest import csrf_from
from tests.returns.test_buyer_return_pages import open_link

DESCRIPTION = "The door seal is torn along the bottom edge."
SWEDISH_ADDRESS = {
    "amount": 4900,
    "address": {
        "name": "Aino Virtanen",
        "street": "Storgatan 1",
        "postal_code": "11122",
        "city": "Stockholm",
        "country": "SE",
    },
}


@pytest.fixture
def uploads(app, tmp_path):
    """Claim photos land in a folder of this test's own."""
    app.config["UPLOAD_ROOT"] = str(tmp_path / "uploads")
    return tmp_path / "uploads"


def _form_url(order, item: str | None = "L1") -> str:
    url = f"/s/{order.merchant.slug}/orders/{order.number}/claim"
    return f"{url}?item={item}" if item else url


def _page(response) -> str:
    return unescape(response.get_data(as_text=True))


def _photo(name: str = "door.jpg", content: bytes | None = None, mimetype: str = "image/jpeg"):
    return (io.BytesIO(jpeg(320, 240) if content is None else content), name, mimetype)


def _send(client, order, *, photos, item="L1", **fields):
    """The claim form as a phone sends it: multipart, with the page's CSRF token."""
    token = csrf_from(client.get(_form_url(order, item)).get_data(as_text=True))
    data = {
        "csrf_token": token,
        "item_id": item,
        "description": DESCRIPTION,
        "remedy": "price_reduction",
        "amount": "150,00",
        **fields,
        "photos": photos,
    }
    return client.post(_form_url(order, item), data=data, content_type="multipart/form-data")


def _claim_count() -> int:
    return db.session.scalar(select(func.count(Claim.id)))


def _stored_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_the_form_says_the_rights_in_plain_words_and_suggests_amounts(client, make_merchant, delivered_order):
    shop = make_merchant("kodinkone")
    order = delivered_order(shop, locale="en")
    open_link(client, order)
    chooser = _page(client.get(_form_url(order, item=None)))
    assert "Which item has the defect?" in chooser
    assert "claim?item=L1" in chooser and "claim?item=L2" in chooser
    html = _page(client.get(_form_url(order)))
    rights = claims.options(order).rights
    assert re.search(r"You can report a defect until \w+ \d+, \d{4} \(delivered \w+ \d+, \d{4}\)\.", html)
    assert str(rights.claim_until.year) in html
    assert "A notice within 2 months of finding the defect is always in time." in html
    assert "In Finland, a defect that shows within 1 year of delivery is presumed to have been there" in html
    # The fridge costs 899.00: 10, 20 and 30 % as quick choices, and the most it can get back.
    assert "10 % · €89.90" in html and "20 % · €179.80" in html and "30 % · €269.70" in html
    assert 'value="89.90"' in html
    assert "Never more than €899.00 for this item." in html
    assert 'enctype="multipart/form-data"' in html and 'inputmode="decimal"' in html
    assert (
        '<input type="file" id="photos" name="photos" '
        'accept="image/jpeg,image/png,image/webp,image/heic,image/heif" capture="environment" multiple'
    ) in html
    assert '<label for="photos">' in html
    for label in ("A price reduction", "A replacement", "A repair", "Cancelling the purchase (money back)"):
        assert label in html


def test_a_swedish_delivery_is_presumed_defective_for_two_years(client, make_merchant, delivered_order):
    shop = make_merchant("kodinkone")
    order = delivered_order(shop, locale="en", shipping=SWEDISH_ADDRESS)
    open_link(client, order)
    html = _page(client.get(_form_url(order)))
    assert "In Sweden, a defect that shows within 2 years of delivery is presumed" in html


def test_a_claim_with_a_phone_photo_is_stored_and_acknowledged_with_its_due_time(
    client, make_merchant, delivered_order, uploads
):
    shop = make_merchant("kodinkone", name="Kodinkone Oy")
    order = delivered_order(shop, locale="en")
    open_link(client, order)
    # The delivery day in the shop's time zone (in the evening UTC it is already the next day in Helsinki).
    delivered = delivered_on(order)
    response = _send(client, order, photos=[_photo("IMG_2041.jpg")], noticed_on=delivered.isoformat())
    assert response.status_code == 302
    claim = db.session.scalars(select(Claim)).one()
    assert response.headers["Location"].endswith(f"/s/kodinkone/claims/{claim.id}")
    assert (claim.remedy, claim.description, claim.offers[0].amount) == ("price_reduction", DESCRIPTION, 15000)
    assert claim.noticed_on == delivered
    [photo] = claim.photos
    storage = get_storage()
    assert storage.exists(photo.storage_key) and storage.exists(photo.thumb_key)
    assert storage.open(photo.storage_key).startswith(b"\xff\xd8")
    assert len(_stored_files(uploads)) == 2
    page = _page(client.get(response.headers["Location"]))
    due = format_datetime(claim.answer_due_at, "medium", tzinfo=ZoneInfo(shop.timezone), locale="en")
    assert f"We received your claim {claim.number}. Kodinkone Oy answers by {due} at the latest." in page
    assert "Waiting for the shop's answer" in page
    assert "You reported the defect and proposed a price reduction of €150.00." in page
    assert DESCRIPTION in page
    assert f"/s/kodinkone/claims/{claim.id}/photos/{photo.id}/thumb" in page


@pytest.mark.parametrize(
    ("name", "content", "mimetype"),
    [
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "image/svg+xml"),
        ("notes.jpg", b"Just some text, not a picture at all.", "image/jpeg"),
    ],
)
def test_a_file_that_is_not_a_photo_is_named_and_what_the_buyer_wrote_stays(
    client, make_merchant, delivered_order, uploads, name, content, mimetype
):
    shop = make_merchant("kodinkone")
    order = delivered_order(shop, locale="en")
    open_link(client, order)
    response = _send(client, order, photos=[_photo(), _photo(name, content, mimetype)], amount="120,50")
    assert response.status_code == 422
    page = _page(response)
    assert f"<li>{name}: This file is not a photo we can read. Send a JPEG, PNG, WebP or HEIC picture.</li>" in page
    assert f">{DESCRIPTION}</textarea>" in page
    assert 'value="120,50"' in page
    assert 'name="remedy" value="price_reduction" checked' in page
    assert "please add them again" in page
    assert _claim_count() == 0 and _stored_files(uploads) == []


def test_more_than_five_photos_are_refused(client, make_merchant, delivered_order, uploads):
    shop = make_merchant("kodinkone")
    order = delivered_order(shop, locale="en")
    open_link(client, order)
    response = _send(client, order, photos=[_photo(f"IMG_{n}.jpg") for n in range(6)])
    assert response.status_code == 422
    assert "A claim can have at most 5 photos." in _page(response)
    assert _claim_count() == 0 and _stored_files(uploads) == []


def test_a_claim_without_photos_asks_for_them(client, make_merchant, delivered_order, uploads):
    shop = make_merchant("kodinkone")
    order = delivered_order(shop, locale="en")
    open_link(client, order)
    response = _send(client, order, photos=[])
    assert response.status_code == 422
    assert 'id="photos-error"><li>Add 1 to 5 photos of the defect.</li>' in _page(response)
    assert _claim_count() == 0


def test_an_amount_above_what_the_item_can_get_back_is_refused_beside_the_amount(
    client, make_merchant, delivered_order, uploads
):
    shop = make_merchant("kodinkone")
    order = delivered_order(shop, locale="en")
    open_link(client, order)
    # Two trainers at 50.00: at most 100.00 back for the line.
    response = _send(client, order, item="L2", photos=[_photo()], amount="150,00")
    assert response.status_code == 422
    page = _page(response)
    assert 'id="amount-error">At most €100.00 can still be refunded for this item.</p>' in page
    assert 'aria-invalid="true"' in page and 'value="150,00"' in page
    unreadable = _send(client, order, item="L2", photos=[_photo()], amount="about 20", description="short")
    assert unreadable.status_code == 422
    page = _page(unreadable)
    assert 'id="amount-error">Write the amount as a number, for example 12,50.</p>' in page
    assert 'id="description-error">' in page  # every problem at once
    assert _claim_count() == 0 and _stored_files(uploads) == []


def test_a_quick_choice_within_the_shops_rule_is_accepted_at_once(client, make_merchant, delivered_order, uploads):
    shop = make_merchant("kodinkone", name="Kodinkone Oy")
    shop.policy = merge_policy(shop.policy, {"claims": {"auto_accept_max_pct": "10"}})
    db.session.commit()
    order = delivered_order(shop, locale="en")
    open_link(client, order)
    response = _send(client, order, photos=[_photo()], amount="", amount_choice="89.90")
    assert response.status_code == 302
    claim = db.session.scalars(select(Claim)).one()
    page = _page(client.get(response.headers["Location"]))
    assert f"Claim {claim.number} is accepted: €89.90 comes back to your payment." in page
    assert "Accepted at once under Kodinkone Oy's rules." in page and "returned to your payment" in page
    assert [(r.amount, r.source) for r in db.session.scalars(select(Refund))] == [(8990, "claim")]


def _countered(order, shop, photo, amount=30000, offer=15000):
    claim = claims.open_claim(order, claim_body(amount=amount), photos=[photo], actor=BUYER)
    return claims.counter(shop.id, claim.id, {"amount": offer, "message": "The scratch is small."}, actor=SHOP)


def test_the_buyer_accepts_the_shops_offer_and_the_refund_starts(client, make_merchant, delivered_order, photo):
    shop = make_merchant("kodinkone", name="Kodinkone Oy")
    order = delivered_order(shop, locale="en")
    claim = _countered(order, shop, photo)
    open_link(client, order)
    url = f"/s/kodinkone/claims/{claim.id}"
    page = _page(client.get(url))
    assert "Kodinkone Oy offers €150.00 for your claim." in page
    assert "The scratch is small." in page
    assert "You reported the defect and proposed a price reduction of €300.00." in page
    assert "Kodinkone Oy offered €150.00 instead." in page
    assert 'name="decision" value="accept"' in page and 'name="decision" value="decline"' in page
    token = csrf_from(page)
    response = client.post(f"{url}/response", data={"csrf_token": token, "decision": "accept"})
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    refunds = db.session.scalars(select(Refund).where(Refund.order_id == order.id)).all()
    assert [(r.amount, r.source, r.source_id) for r in refunds] == [(15000, "claim", claim.id)]
    page = _page(client.get(url))
    assert "You accepted the offer: €150.00 comes back to your payment." in page
    assert "Agreed" in page and "€150.00" in page and "returned to your payment" in page
    assert "You accepted the offer of €150.00." in page
    assert 'name="decision"' not in page
    # A second click (another tab) makes no second refund.
    client.post(f"{url}/response", data={"csrf_token": token, "decision": "accept"})
    assert db.session.scalar(select(func.count(Refund.id))) == 1
    order_page = open_link(client, order)
    assert f"Claim {claim.number}" in order_page and "Agreed" in order_page


def test_declining_the_offer_hands_the_claim_to_customer_support(client, make_merchant, delivered_order, photo):
    shop = make_merchant("kodinkone")
    order = delivered_order(shop, locale="en")
    claim = _countered(order, shop, photo)
    open_link(client, order)
    url = f"/s/kodinkone/claims/{claim.id}"
    page = client.get(url).get_data(as_text=True)
    response = client.post(
        f"{url}/response", data={"csrf_token": csrf_from(page), "decision": "decline"}, follow_redirects=True
    )
    page = _page(response)
    assert "You declined the offer. Customer support takes over your claim" in page
    assert "With customer support" in page and "so customer support takes it over" in page
    assert "You declined the offer." in page and "Customer support took over the claim." in page
    db.session.expire_all()
    assert db.session.get(Claim, claim.id).status == "escalated"
    assert db.session.scalar(select(func.count(Refund.id))) == 0


def test_the_shops_rejection_is_not_shown_as_the_buyer_declining(client, make_merchant, delivered_order, photo):
    shop = make_merchant("kodinkone", name="Kodinkone Oy")
    order = delivered_order(shop, locale="en")
    claim = _countered(order, shop, photo)
    claims.reject(shop.id, claim.id, {"message": "Wear and tear."}, actor=SHOP)
    open_link(client, order)
    page = _page(client.get(f"/s/kodinkone/claims/{claim.id}"))
    assert "Kodinkone Oy did not accept the claim." in page and "Wear and tear." in page
    assert "You declined the offer." not in page


def test_a_photo_is_served_as_a_jpeg_that_is_never_sniffed(client, make_merchant, delivered_order, photo):
    shop = make_merchant("kodinkone")
    order = delivered_order(shop, locale="en")
    claim = claims.open_claim(order, claim_body(), photos=[photo], actor=BUYER)
    [stored] = claim.photos
    open_link(client, order)
    base = f"/s/kodinkone/claims/{claim.id}/photos/{stored.id}"
    for url, expected in ((base, photo.image), (f"{base}/thumb", photo.thumbnail)):
        response = client.get(url)
        assert response.status_code == 200
        assert response.mimetype == "image/jpeg"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.data == expected
    assert client.get(f"/s/kodinkone/claims/{claim.id}/photos/pho_nosuchphoto").status_code == 404


def test_another_buyer_sees_neither_the_claim_nor_its_photos(client, make_merchant, delivered_order, make_order, photo):
    shop = make_merchant("kodinkone")
    order = delivered_order(shop, locale="en")
    claim = _countered(order, shop, photo)
    [stored] = claim.photos
    other = make_order(shop, customer={"email": "someone@example.fi", "name": "Joku"})
    open_link(client, other)
    base = f"/s/kodinkone/claims/{claim.id}"
    for url in (base, f"{base}/photos/{stored.id}", f"{base}/photos/{stored.id}/thumb", _form_url(order)):
        response = client.get(url)
        assert response.status_code == 302 and "/s/kodinkone/" in response.headers["Location"], url
    token = csrf_from(client.get("/s/kodinkone/").get_data(as_text=True))
    answer = client.post(f"{base}/response", data={"csrf_token": token, "decision": "accept"})
    assert answer.status_code == 302 and "/s/kodinkone/" in answer.headers["Location"]
    db.session.expire_all()
    assert db.session.get(Claim, claim.id).status == "countered"
    assert db.session.scalar(select(func.count(Refund.id))) == 0


def test_the_order_page_offers_the_form_per_item_and_lists_the_claims(client, make_merchant, delivered_order, photo):
    shop = make_merchant("kodinkone")
    order = delivered_order(shop, locale="en")
    html = unescape(open_link(client, order))
    assert "Report a defect" in html
    assert re.search(r"You can report a defect until \w+ \d+, \d{4}\.", html)
    assert f"/s/kodinkone/orders/{order.number}/claim?item=L1" in html
    assert f"/s/kodinkone/orders/{order.number}/claim?item=L2" in html
    claim = claims.open_claim(order, claim_body(), photos=[photo], actor=BUYER)
    html = unescape(client.get(f"/s/kodinkone/orders/{order.number}").get_data(as_text=True))
    assert f"Claim {claim.number}" in html and f"/s/kodinkone/claims/{claim.id}" in html
    assert "Waiting for the shop's answer" in html


def test_after_the_claim_period_the_form_and_the_order_page_say_why(client, make_merchant, delivered_order):
    shop = make_merchant("kodinkone")
    order = delivered_order(shop, locale="en", days_ago=800)
    html = unescape(open_link(client, order))
    assert "The claim period for this order ended on" in html
    assert "?item=" not in html
    response = client.get(_form_url(order))
    assert response.status_code == 200
    page = _page(response)
    assert "A defect cannot be reported here" in page and "The claim period for this order ended on" in page
    assert 'name="photos"' not in page


def test_the_returns_card_sends_a_late_buyer_to_the_claim_form(client, make_merchant, delivered_order):
    shop = make_merchant("kodinkone")
    order = delivered_order(shop, locale="en", days_ago=60)  # the return window has closed
    html = unescape(open_link(client, order))
    assert "Is something faulty? Report a defect" in html
    assert f'href="/s/kodinkone/orders/{order.number}/claim"' in html


def test_an_expired_form_changes_nothing(client, make_merchant, delivered_order, uploads):
    shop = make_merchant("kodinkone")
    order = delivered_order(shop, locale="en")
    open_link(client, order)
    response = client.post(
        _form_url(order),
        data={"item_id": "L1", "description": DESCRIPTION, "remedy": "repair", "photos": [_photo()]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "The form expired or was sent from elsewhere." in _page(response)
    assert _claim_count() == 0 and db.session.scalar(select(func.count(ClaimPhoto.id))) == 0


def test_a_resolved_replacement_shows_its_tracking_to_the_buyer(client, make_merchant, delivered_order, photo):
    shop = make_merchant("kodinkone")
    order = delivered_order(shop, locale="en")
    claim = claims.open_claim(order, claim_body(remedy="replacement", amount=None), photos=[photo], actor=BUYER)
    claims.accept(shop.id, claim.id, actor=SHOP)
    claims.resolve(
        shop.id, claim.id, {"carrier": "Posti", "tracking_number": "JJFI64512300099", "note": "Sent today."}, actor=SHOP
    )
    open_link(client, order)
    page = unescape(client.get(f"/s/kodinkone/claims/{claim.id}").get_data(as_text=True))
    assert "Your replacement is on its way with Posti." in page
    assert "JJFI64512300099" in page and "posti.fi" in page and "Sent today." in page
