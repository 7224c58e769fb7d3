"""A property-based sweep of the whole JSON API with Schemathesis, against /api/v1/openapi.json.

Every operation of the published document is called with generated requests — valid ones and
invalid ones (Schemathesis' negative mode) — with working credentials: the shop's API key for
merchant operations, a buyer token for buyer operations, the signing secret for the webhooks.
The shop is seeded with orders, returns, claims (with photos), instalment plans, tickets, store
credit and catalogue variants in many states, and about half of the generated path parameters
are swapped for the ids of those real objects, so that requests reach them and not only 404.
Then ``test_seeded_objects`` sends one valid request to each operation on a real object, so
that every success answer is checked too. Each answer must:

- never be a server error (API.md: no request ever answers 500 for bad input);
- have a status code the document lists for the operation;
- have a Content-Type the document lists for that status;
- have a body that matches the documented schema (error answers included).

Deterministic and bounded: derandomized, MAX_EXAMPLES generated requests per operation, no
deadline. The data is seeded once for the module (its tests run in order, on one worker with
``--dist loadfile``); every table is emptied after it, as the ``app`` fixture does.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import time
from types import SimpleNamespace

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import strategies as st
from PIL import Image
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal import create_app
from portal.extensions import db
from tests.conftest import ON_POSTGRES, FreshContextClient, days_from_today, now_iso, order_document

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
MAX_EXAMPLES = 15
STRIPE_SECRET = "whsec_schemathesis"
INBOUND_SECRET = "inbound-schemathesis"

# The document as the app publishes it, loaded in-process through WSGI. Building it touches no
# table, so an app on an in-memory database serves it at collection time; the requests of the
# tests go to the module's app (``api`` below) on the test database.
_document_app = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://")
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json",
    _document_app,
    config=schemathesis.Config.from_dict(
        {
            "seed": 2026,
            "generation": {
                "mode": "all",
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
                # The tests send real credentials (below) rather than generated ones.
                "with-security-parameters": False,
            },
            "operations": [
                {
                    # The coverage phase sends every boundary and negation its schema defines: 300–400
                    # requests each for these two bodies (an order of nested objects; the whole policy
                    # document), half the file's time. They still get MAX_EXAMPLES valid and invalid
                    # bodies from the fuzzing phase, and test_api_orders.py and test_api_policy.py
                    # test their validation.
                    "include-operation-id": ["put_order", "patch_policy"],
                    "phases": {"coverage": {"enabled": False}},
                }
            ],
        }
    ),
)
# The raw e-mail of POST /inbound/email goes on the wire as text.
schemathesis.serializer.alias("message/rfc822", "text/plain")

# The seeded objects by path parameter name, for the hook below (filled by the ``seeded`` fixture).
REAL: dict[str, list] = {}


@schema.hook
def flatmap_path_parameters(context, path_parameters: dict | None) -> st.SearchStrategy:
    """Half the time, the ids of seeded objects instead of the generated ones."""
    names = set(path_parameters or ())
    if not names or not REAL:
        return st.just(path_parameters)
    if names == {"claim_id", "photo_id"}:
        real = st.sampled_from(REAL["claim_photo"]).map(lambda pair: {"claim_id": pair[0], "photo_id": pair[1]})
    elif all(REAL.get(name) for name in names):
        real = st.fixed_dictionaries({name: st.sampled_from(REAL[name]) for name in names})
    else:
        return st.just(path_parameters)
    return st.one_of(st.just(path_parameters), real)


# -- the seeded shop -----------------------------------------------------------------------------

TERMS = {
    "enabled": True,
    "months": [3, 6],
    "nominal_rate": "9.90",
    "monthly_fee": 0,
    "setup_fee": 150,
    "min_amount": 20000,
    "max_amount": 500000,
    "window_days": 30,
}
ITEMS = [
    {
        "id": "L1",
        "sku": "FRIDGE-A-200",
        "name": "Jääkaappi A200",
        "quantity": 1,
        "unit_price": 89900,
        "tax_rate": "25.5",
        "attributes": {"colour": "white"},
    },
    {
        "id": "L2",
        "sku": "SHOE-42",
        "name": "Juoksukenkä",
        "quantity": 2,
        "unit_price": 5000,
        "tax_rate": "25.5",
        "attributes": {"size": "42"},
    },
]
CAPTURED = 89900 + 2 * 5000 + 4900
AINO = {"email": "aino@example.fi", "name": "Aino Virtanen"}
EERO = {"email": "eero@example.fi", "name": "Eero Järvinen"}
SIZES = (("SHOE-41", "41", 5000, 5), ("SHOE-42", "42", 5000, 3), ("SHOE-43", "43", 5000, 0), ("SHOE-44", "44", 4000, 2))


def jpeg(width: int = 64, height: int = 48) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def api(_schema, database_url, tmp_path_factory):
    """The module's app on the test database (as the ``app`` fixture, for the whole module), with
    the webhooks set up as in production."""
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=database_url,
        UPLOAD_ROOT=str(tmp_path_factory.mktemp("schemathesis-uploads")),
        STRIPE_WEBHOOK_SECRET=STRIPE_SECRET,
        INBOUND_EMAIL_SECRET=INBOUND_SECRET,
    )
    app.test_client_class = FreshContextClient
    from portal.buyers import page_cache
    from portal.extensions import limiter

    with app.app_context():
        page_cache.clear()
        limiter.reset()
        yield app
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if ON_POSTGRES:
                conn.execute(db.text("TRUNCATE " + ", ".join(tables) + " CASCADE"))
            else:
                for table in tables:
                    conn.execute(db.text(f'DELETE FROM "{table}"'))
        db.engine.dispose()
        REAL.clear()


@pytest.fixture(scope="module")
def seeded(api):
    """Aino's orders at the shop in many states (one of each object for each thing done to it in
    ``test_seeded_objects``), another buyer's order at the shop and another shop's order."""
    from sqlalchemy import select

    from portal.accounts.services import create_user
    from portal.actors import Actor
    from portal.buyers import access
    from portal.claims import services as claims
    from portal.instalments import services as instalments
    from portal.merchants.services import create_api_key, create_merchant
    from portal.orders.models import Order
    from portal.payments import store_credit
    from portal.photos import accept_photo
    from portal.returns import services as returns
    from portal.support import services as desk

    system = Actor.system("tests")
    client = api.test_client()
    shop = create_merchant("kodinkone", name="Kodinkone Oy", support_email="help@kodinkone.fi", actor=system)
    other = create_merchant("fjallhem", name="Fjällhem", support_email="help@fjallhem.se", actor=system)
    merchant = {"Authorization": f"Bearer {create_api_key(shop, name='Shop backend', actor=system)[1]}"}
    elsewhere = {"Authorization": f"Bearer {create_api_key(other, name='Shop backend', actor=system)[1]}"}
    assert client.patch("/api/v1/policy", json={"instalments": TERMS}, headers=merchant).status_code == 200
    for sku, size, price, stock in SIZES:
        body = {
            "product": "SHOE",
            "name": f"Juoksukenkä {size}",
            "attributes": {"size": size},
            "price": price,
            "currency": "EUR",
            "stock": stock,
        }
        assert client.put(f"/api/v1/catalogue/variants/{sku}", json=body, headers=merchant).status_code == 201

    shipments: dict[str, str] = {}

    def order(number, *, customer=AINO, shipped=True, delivered=True, headers=merchant) -> Order:
        body = order_document(
            items=ITEMS,
            customer=customer,
            payment={"provider": "simulated", "reference": f"pay_{number}", "method": "card", "captured": CAPTURED},
        )
        assert client.put(f"/api/v1/orders/{number}", json=body, headers=headers).status_code == 201
        if shipped:
            shipment = client.post(
                f"/api/v1/orders/{number}/shipments",
                json={"carrier": "posti", "tracking_number": f"JJFI{number}"},
                headers=headers,
            ).get_json()
            shipments[number] = shipment["id"]
            if delivered:
                event = {"status": "delivered", "occurred_at": now_iso(-48)}
                response = client.post(f"/api/v1/shipments/{shipment['id']}/events", json=event, headers=headers)
                assert response.status_code == 201
        merchant_id = shop.id if headers is merchant else other.id
        return db.session.scalar(select(Order).where(Order.number == number, Order.merchant_id == merchant_id))

    def line(resolution="refund", exchange_sku=None) -> dict:
        entry = {"item_id": "L2", "quantity": 1, "reason": "wrong_size", "resolution": resolution}
        return entry | ({"exchange_sku": exchange_sku} if exchange_sku else {})

    fresh = order("1001")  # delivered, nothing asked yet: the buyer may return it
    order("1002", shipped=False)  # paid, not sent: the buyer may cancel it
    order("1003", delivered=False)  # on its way
    order("1019")  # delivered: the buyer reports a defect
    order("1020")  # delivered: the buyer switches to instalments
    aino = Actor(kind="buyer", id=fresh.customer_id, label=AINO["email"], merchant_id=shop.id)

    ret = {}
    for number, state in (
        ("1004", "requested"),  # the shop approves it
        ("1005", "approved"),  # the shop receives it; the buyer prints its slip
        ("1006", "received"),  # settled: a refund
        ("1007", "rejected"),
        ("1009", "to_reject"),  # the shop rejects it
        ("1016", "to_withdraw"),  # the buyer withdraws it
    ):
        row = returns.request_return(order(number), {"items": [line()]}, actor=aino)
        if state in ("approved", "received"):
            row = returns.approve(shop.id, row.id, actor=system)
        if state == "received":
            row = returns.receive(shop.id, row.id, actor=system)
        if state == "rejected":
            row = returns.reject(shop.id, row.id, {"message": "The shoes were worn outdoors."}, actor=system)
        ret[state] = row.id
    exchange = returns.request_return(
        order("1008"), {"items": [line(resolution="exchange", exchange_sku="SHOE-41")]}, actor=aino
    )
    ret["withdrawn"] = returns.cancel(shop.id, exchange.id, customer_id=fresh.customer_id, actor=aino).id

    claim, claim_photos = {}, []
    for number, state in (
        ("1010", "to_accept"),
        ("1017", "to_counter"),
        ("1018", "to_reject"),
        ("1011", "countered"),  # the buyer accepts the counter-offer
        ("1012", "accepted"),  # the shop marks it resolved
        ("1013", "escalated"),
    ):
        row = claims.open_claim(
            order(number),
            {
                "item_id": "L1",
                "description": "Naarmu oven pinnassa, 10 cm.",
                "remedy": "price_reduction" if state != "accepted" else "repair",
                **({"proposed_amount": 20000} if state != "accepted" else {}),
            },
            photos=[accept_photo(jpeg(), filename="ovi.jpg")],
            actor=aino,
        )
        if state == "countered":
            claims.counter(shop.id, row.id, {"amount": 10000, "message": "We offer 100 €."}, actor=system)
        elif state == "accepted":
            claims.accept(shop.id, row.id, actor=system)
        elif state == "escalated":
            claims.reject(shop.id, row.id, {"message": "The scratch is from the installation."}, actor=system)
        row = claims.get_claim(shop.id, row.id)
        claim[state] = row.id
        claim_photos.extend((row.id, photo.id) for photo in row.photos)

    waiting = instalments.prepare_card(instalments.start_plan(order("1014"), {"months": 3, "accept_terms": True}, aino))
    active = instalments.start_plan(order("1015"), {"months": 6, "accept_terms": True}, aino)
    active = instalments.save_card(active, aino, card_number="4242424242424242")

    store_credit.issue(fresh.customer, 50000, "EUR", actor=system, reason="Return settled with credit", order=fresh)
    agent = create_user(
        email="agent@kodinkone.fi",
        password="correct horse battery",
        role="merchant_agent",
        merchant_slug=shop.slug,
        actor=system,
    )
    staff = Actor(kind="user", id=agent.id, label=agent.email, merchant_id=shop.id)
    asked = desk.open_ticket(
        shop, fresh.customer, {"subject": "Sarana", "message": "Oven sarana on rikki."}, aino, order=fresh
    )
    solved = desk.open_ticket(shop, fresh.customer, {"subject": "Kuitti", "message": "Saisinko kuitin?"}, aino)
    desk.reply(solved, {"message": "Tässä kuitti."}, staff)
    desk.set_status(solved, "solved", staff)

    eeros = order("2001", customer=EERO)  # another buyer at the same shop: Aino's token never sees it
    eero = Actor(kind="buyer", id=eeros.customer_id, label=EERO["email"], merchant_id=shop.id)
    eeros_return = returns.request_return(eeros, {"items": [line()]}, actor=eero)
    theirs = order("3001", headers=elsewhere)  # another shop's

    token, _expires = access.issue_token(access.BuyerIdentity(fresh.customer_id, shop.id))
    db.session.commit()
    REAL.update(
        number=["1001", "1002", "1003", "1005", "1011", "1014", "1015", "1019", "1020", "2001", theirs.number],
        shipment_id=list(shipments.values()),
        sku=[sku for sku, *_rest in SIZES],
        email=[AINO["email"], EERO["email"]],
        return_id=[*ret.values(), eeros_return.id],
        claim_id=list(claim.values()),
        claim_photo=claim_photos,
        plan_id=[waiting.id, active.id],
        ticket_id=[asked.id, solved.id],
    )
    return SimpleNamespace(
        merchant=merchant,
        buyer={"Authorization": f"Bearer {token}"},
        shipments=shipments,
        ret=ret,
        claim=claim,
        claim_photos=dict(claim_photos),
        plans={"waiting": waiting.id, "active": active.id},
        tickets={"asked": asked.id, "solved": solved.id},
        reply_token=asked.reply_token,
    )


# -- credentials ---------------------------------------------------------------------------------


def stripe_signature(payload: bytes, secret: str = STRIPE_SECRET) -> str:
    """The Stripe-Signature header Stripe would send for ``payload``."""
    stamp = int(time.time())
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


def credentials(case, seeded) -> tuple[dict, dict]:
    """The headers that authenticate ``case``'s operation as its security requirement says, and
    the body to send instead of the generated one when the credentials depend on it."""
    security = case.operation.definition.raw.get("security") or []
    schemes = {name for requirement in security for name in requirement}
    if "merchantKey" in schemes:
        return seeded.merchant, {}
    if "buyerToken" in schemes:
        return seeded.buyer, {}
    if "inboundSecret" in schemes:
        return {"X-Inbound-Secret": INBOUND_SECRET}, {}
    if case.operation.path == "/api/v1/webhooks/stripe":
        # Signed as Stripe signs, over the exact bytes sent, so that the view goes on to read
        # whatever the generated body holds (a bad signature is one and the same 400 for any body).
        sent = case.as_transport_kwargs()
        if "json" in sent:
            payload = json.dumps(sent["json"]).encode()
        else:
            payload = sent.get("data") or b""
            payload = payload if isinstance(payload, bytes) else str(payload).encode()
        return {"Stripe-Signature": stripe_signature(payload)}, {"data": payload}
    return {}, {}


def call(api, case, seeded, language: str = "en"):
    headers, body = credentials(case, seeded)
    headers = {**headers, "Accept-Language": language}
    with api.app_context():  # each request in its own app context and session, as in production
        return case.call_and_validate(app=api, headers=headers, checks=CHECKS, **body)


# -- valid requests on the seeded objects --------------------------------------------------------


def valid_requests(seeded) -> list[tuple[str, str, dict, int]]:
    """(method, path, Case arguments, expected status): one success of each operation."""
    ret, claim, plans, tickets = seeded.ret, seeded.claim, seeded.plans, seeded.tickets
    photo = seeded.claim_photos[claim["to_accept"]]
    event = {"id": "evt_schemathesis_1", "type": "refund.updated", "data": {"object": {"object": "refund"}}}
    email = (
        f"From: Aino Virtanen <{AINO['email']}>\r\nTo: support+{seeded.reply_token}@kodinkone.fi\r\n"
        "Subject: Re: Sarana\r\nMessage-ID: <reply-1@example.fi>\r\n\r\nKiitos, odotan.\r\n"
    )
    return [
        ("GET", "/api/v1/openapi.json", {}, 200),
        # merchant
        ("PUT", "/api/v1/orders/{number}", {"path_parameters": {"number": "1050"}, "body": order_document()}, 201),
        ("PUT", "/api/v1/orders/{number}", {"path_parameters": {"number": "1050"}, "body": order_document()}, 200),
        ("GET", "/api/v1/orders/{number}", {"path_parameters": {"number": "1005"}}, 200),
        ("POST", "/api/v1/orders/{number}/buyer-link", {"path_parameters": {"number": "1001"}}, 200),
        (
            "POST",
            "/api/v1/orders/{number}/shipments",
            {
                "path_parameters": {"number": "1003"},
                "body": {"carrier": "posti", "tracking_number": "JJFI1003B", "estimated_delivery": "2026-11-06"},
            },
            201,
        ),
        (
            "POST",
            "/api/v1/shipments/{shipment_id}/events",
            {
                "path_parameters": {"shipment_id": seeded.shipments["1003"]},
                "body": {"status": "in_transit", "occurred_at": now_iso(-1), "location": "Vantaa"},
            },
            201,
        ),
        ("GET", "/api/v1/catalogue/variants/{sku}", {"path_parameters": {"sku": "SHOE-41"}}, 200),
        (
            "PUT",
            "/api/v1/catalogue/variants/{sku}",
            {
                "path_parameters": {"sku": "SHOE-45"},
                "body": {
                    "product": "SHOE",
                    "name": "Juoksukenkä 45",
                    "attributes": {"size": "45"},
                    "price": 6000,
                    "currency": "EUR",
                    "stock": 4,
                },
            },
            201,
        ),
        ("GET", "/api/v1/policy", {}, 200),
        ("PATCH", "/api/v1/policy", {"body": {"returns": {"window_days": 30}}}, 200),
        ("GET", "/api/v1/refunds", {"query": {"status": "succeeded"}}, 200),
        ("GET", "/api/v1/refunds", {"query": {"order": "1006"}}, 200),
        ("GET", "/api/v1/returns", {"query": {"status": "open"}}, 200),
        ("GET", "/api/v1/returns/{return_id}", {"path_parameters": {"return_id": ret["received"]}}, 200),
        (
            "POST",
            "/api/v1/returns/{return_id}/approve",
            {"path_parameters": {"return_id": ret["requested"]}, "body": {"message": "Send it back."}},
            200,
        ),
        (
            "POST",
            "/api/v1/returns/{return_id}/reject",
            {"path_parameters": {"return_id": ret["to_reject"]}, "body": {"message": "Worn outdoors."}},
            200,
        ),
        (
            "POST",
            "/api/v1/returns/{return_id}/receive",
            {
                "path_parameters": {"return_id": ret["approved"]},
                "body": {"items": [{"item_id": "L2", "condition": "damaged", "restocking_fee": True}]},
            },
            200,
        ),
        ("GET", "/api/v1/claims", {"query": {"status": "open"}}, 200),
        ("GET", "/api/v1/claims/{claim_id}", {"path_parameters": {"claim_id": claim["countered"]}}, 200),
        (
            "GET",
            "/api/v1/claims/{claim_id}/photos/{photo_id}",
            {"path_parameters": {"claim_id": claim["to_accept"], "photo_id": photo}, "query": {"size": "thumb"}},
            200,
        ),
        ("POST", "/api/v1/claims/{claim_id}/accept", {"path_parameters": {"claim_id": claim["to_accept"]}}, 200),
        (
            "POST",
            "/api/v1/claims/{claim_id}/counter",
            {"path_parameters": {"claim_id": claim["to_counter"]}, "body": {"amount": 5000, "message": "50 €?"}},
            200,
        ),
        (
            "POST",
            "/api/v1/claims/{claim_id}/reject",
            {"path_parameters": {"claim_id": claim["to_reject"]}, "body": {"message": "Not a defect."}},
            200,
        ),
        (
            "POST",
            "/api/v1/claims/{claim_id}/resolve",
            {
                "path_parameters": {"claim_id": claim["accepted"]},
                "body": {"carrier": "posti", "tracking_number": "JJFI9", "note": "Repaired."},
            },
            200,
        ),
        ("GET", "/api/v1/instalment-plans", {"query": {"status": "active"}}, 200),
        ("GET", "/api/v1/instalment-plans/{plan_id}", {"path_parameters": {"plan_id": plans["active"]}}, 200),
        ("GET", "/api/v1/customers/{email}/store-credit", {"path_parameters": {"email": AINO["email"]}}, 200),
        (
            "POST",
            "/api/v1/customers/{email}/store-credit",
            {
                "path_parameters": {"email": AINO["email"]},
                "headers": {"Idempotency-Key": "checkout-1"},
                "body": {"amount": 1000, "order_number": "1001", "reason": "Checkout 7"},
            },
            201,
        ),
        (
            "POST",
            "/api/v1/customers/{email}/store-credit",
            {
                "path_parameters": {"email": AINO["email"]},
                "headers": {"Idempotency-Key": "checkout-1"},
                "body": {"amount": 1000, "order_number": "1001", "reason": "Checkout 7"},
            },
            200,
        ),
        # buyer
        (
            "POST",
            "/api/v1/buyer/sessions",
            {"body": {"merchant": "kodinkone", "order_number": "1001", "email": AINO["email"]}},
            201,
        ),
        ("GET", "/api/v1/buyer/orders", {}, 200),
        ("GET", "/api/v1/buyer/orders/{number}", {"path_parameters": {"number": "1011"}}, 200),
        (
            "POST",
            "/api/v1/buyer/orders/{number}/returns",
            {
                "path_parameters": {"number": "1001"},
                "body": {
                    "items": [
                        {
                            "item_id": "L2",
                            "quantity": 1,
                            "reason": "wrong_size",
                            "resolution": "exchange",
                            "exchange_sku": "SHOE-44",
                        }
                    ],
                    "comment": "Too small.",
                },
            },
            201,
        ),
        ("GET", "/api/v1/buyer/returns/{return_id}", {"path_parameters": {"return_id": ret["approved"]}}, 200),
        (
            "GET",
            "/api/v1/buyer/returns/{return_id}/slip.pdf",
            {"path_parameters": {"return_id": ret["requested"]}},
            200,
        ),
        (
            "POST",
            "/api/v1/buyer/returns/{return_id}/cancel",
            {"path_parameters": {"return_id": ret["to_withdraw"]}},
            200,
        ),
        ("POST", "/api/v1/buyer/orders/{number}/cancel", {"path_parameters": {"number": "1002"}}, 200),
        (
            "POST",
            "/api/v1/buyer/orders/{number}/claims",
            {
                "path_parameters": {"number": "1019"},
                "media_type": "multipart/form-data",
                "body": {
                    "item_id": "L1",
                    "description": "Oven kahva irtoaa.",
                    "remedy": "price_reduction",
                    "proposed_amount": "2500",
                    "noticed_on": days_from_today(-1),
                    "photos": [jpeg()],
                },
            },
            201,
        ),
        ("GET", "/api/v1/buyer/claims/{claim_id}", {"path_parameters": {"claim_id": claim["escalated"]}}, 200),
        (
            "GET",
            "/api/v1/buyer/claims/{claim_id}/photos/{photo_id}",
            {"path_parameters": {"claim_id": claim["to_accept"], "photo_id": photo}},
            200,
        ),
        (
            "POST",
            "/api/v1/buyer/claims/{claim_id}/response",
            {"path_parameters": {"claim_id": claim["countered"]}, "body": {"decision": "accept"}},
            200,
        ),
        ("GET", "/api/v1/buyer/orders/{number}/instalment-options", {"path_parameters": {"number": "1020"}}, 200),
        (
            "POST",
            "/api/v1/buyer/orders/{number}/instalment-plan",
            {"path_parameters": {"number": "1020"}, "body": {"months": 3, "accept_terms": True}},
            201,
        ),
        ("GET", "/api/v1/buyer/instalment-plans/{plan_id}", {"path_parameters": {"plan_id": plans["active"]}}, 200),
        (
            "POST",
            "/api/v1/buyer/instalment-plans/{plan_id}/card",
            {"path_parameters": {"plan_id": plans["waiting"]}, "body": {"card_number": "4242424242424242"}},
            200,
        ),
        (
            "POST",
            "/api/v1/buyer/tickets",
            {"body": {"subject": "Lasku", "message": "Missä lasku on?", "order_number": "1001"}},
            201,
        ),
        ("GET", "/api/v1/buyer/tickets/{ticket_id}", {"path_parameters": {"ticket_id": tickets["asked"]}}, 200),
        (
            "POST",
            "/api/v1/buyer/tickets/{ticket_id}/messages",
            {"path_parameters": {"ticket_id": tickets["asked"]}, "body": {"message": "Onko uutta?"}},
            201,
        ),
        (
            "POST",
            "/api/v1/buyer/feedback",
            {"body": {"rating": 2, "comment": "Hidas.", "about": {"type": "ticket", "id": tickets["solved"]}}},
            200,
        ),
        # webhooks
        ("POST", "/api/v1/webhooks/stripe", {"body": event}, 200),
        ("POST", "/api/v1/inbound/email", {"body": email, "media_type": "message/rfc822"}, 200),
    ]


def test_seeded_objects(api, seeded):
    """One valid request to each operation, on a real object: the success answers match the document."""
    requests = valid_requests(seeded)
    documented = {(method.upper(), path) for path, methods in schema.raw_schema["paths"].items() for method in methods}
    assert documented == {(method, path) for method, path, _kwargs, _status in requests}, "an operation lacks a case"
    for method, path, kwargs, status in requests:
        case = schema[path][method].Case(**kwargs)
        response = call(api, case, seeded)
        assert response.status_code == status, (method, path, response.status_code, response.text[:500])


def bad_requests(seeded) -> list[tuple[str, str, dict, int]]:
    """What the sweep found answering 500 or breaking the document, as it is answered now."""
    events = "/api/v1/shipments/{shipment_id}/events"
    shipment = {"shipment_id": seeded.shipments["1003"]}
    nul_event = {"id": "evt_\u0000", "type": "refund.updated"}
    return [
        # Times beyond what converts to UTC and the shop's zone: 500 before, or an order no one could read.
        (
            "PUT",
            "/api/v1/orders/{number}",
            {"path_parameters": {"number": "1051"}, "body": order_document(placed_at="9999-12-31T23:59:59-05:00")},
            422,
        ),
        (
            "PUT",
            "/api/v1/orders/{number}",
            {"path_parameters": {"number": "1051"}, "body": order_document(placed_at="0001-01-01T00:00:00+05:00")},
            422,
        ),
        (
            "POST",
            events,
            {"path_parameters": shipment, "body": {"status": "in_transit", "occurred_at": "9999-12-31T23:59:59Z"}},
            422,
        ),
        # Helsinki kept local mean time (+01:39:49) before 1921: no RFC 3339 offset, so UTC goes out.
        (
            "POST",
            events,
            {"path_parameters": shipment, "body": {"status": "in_transit", "occurred_at": "1900-02-20T02:55:24Z"}},
            201,
        ),
        (
            "PUT",
            "/api/v1/orders/{number}",
            {"path_parameters": {"number": "1052"}, "body": order_document(placed_at="1900-01-01T00:00:00Z")},
            201,
        ),
        ("GET", "/api/v1/orders/{number}", {"path_parameters": {"number": "1003"}}, 200),
        # The app refuses a NUL in the query with 400 before any view: now documented.
        ("GET", "/api/v1/refunds", {"query": {"status": "\x00"}}, 400),
        # NUL characters PostgreSQL cannot keep: a malformed event (was 422, undocumented), a named field.
        ("POST", "/api/v1/webhooks/stripe", {"body": nul_event}, 400),
        (
            "POST",
            "/api/v1/customers/{email}/store-credit",
            {
                "path_parameters": {"email": AINO["email"]},
                "headers": {"Idempotency-Key": "a\x00b"},
                "body": {"amount": 100},
            },
            422,
        ),
    ]


def test_bad_input_found_by_the_sweep(api, seeded):
    for method, path, kwargs, status in bad_requests(seeded):
        case = schema[path][method].Case(**kwargs)
        response = call(api, case, seeded)
        assert response.status_code == status, (method, path, response.status_code, response.text[:500])


# -- the sweep -----------------------------------------------------------------------------------


def pytest_generate_tests(metafunc):
    # Every operation is swept in Finnish: the answers' messages and labels come from the
    # catalogues. Being parametrized also gives each operation's test its own node id: pytest 9
    # builds node ids from the parametrization, and without one every operation's test of
    # Schemathesis 4 would be ``test_api`` (pytest-xdist needs them apart).
    if "language" in metafunc.fixturenames:
        metafunc.parametrize("language", ["fi"])


@schema.parametrize()
@hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # The app and the seed are module-scoped on purpose (one seed for every operation); the
    # generated requests are small, but the app's answers are not instant.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api(case, api, seeded, language):
    call(api, case, seeded, language)
