"""The world the access-control matrix (tests/test_access_matrix.py) runs in: two shops, every kind
of object of shop A (orders, returns, claims with photos, tickets with photos, plans, refunds,
webhooks, keys, invitations, …), shop B with its own buyer and staff, and the people (roles) who
knock on every door. Built once per module with the services the other tests use.

Objects are made with the same services and documents as tests/returns, tests/claims,
tests/instalments and tests/console; ``Fresh`` makes a new object of a kind on demand, for the
cells where an allowed role really changes something (so that one cell never spoils the next).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import count

from PIL import Image
from sqlalchemy import select

from portal.accounts import invites
from portal.accounts.models import Role
from portal.accounts.services import create_user, set_served_shops
from portal.actors import Actor
from portal.buyers import access
from portal.callbacks import services as callbacks
from portal.catalogue.services import upsert_variant
from portal.claims import services as claims
from portal.db import utcnow
from portal.extensions import db
from portal.feedback import services as feedback
from portal.help import services as help_centre
from portal.instalments import services as plans
from portal.integrations import webhooks
from portal.integrations.models import WebhookDelivery
from portal.merchants import branding
from portal.merchants.services import create_api_key, create_merchant, revoke_api_key, update_policy
from portal.notifications.models import OutboxMessage
from portal.orders.services import add_shipment, add_tracking_event, get_order, upsert_order
from portal.payments import services as ledger
from portal.payments import store_credit
from portal.payments.providers.simulated import switch_next_call
from portal.returns import services as returns
from portal.support import canned
from portal.support import services as desk
from portal.support.models import TicketAttachment
from tests.claims.conftest import Photo, claim_body, jpeg
from tests.conftest import csrf_from, order_document
from tests.instalments.conftest import TERMS
from tests.returns.conftest import ITEMS, line

PASSWORD = "correct horse battery"
SLUG_A, SLUG_B = "kodinkone", "pyorapaja"
SYSTEM = Actor.system("access-matrix")
# Requests come from an ordinary address, not the machine itself (/metrics is local-only, and
# "strong" session protection ties a session to the address it was made from).
REMOTE_ADDR = "198.51.100.23"

# Shop A's buyer: what must never show up in an answer to someone who may not see shop A's data.
BUYER_A_EMAIL = "aino.salainen@example.fi"
BUYER_A_NAME = "Aino Salainen"
TICKET_A_SUBJECT = "Secret hinge question"
BUYER_B_EMAIL = "bertil.berg@example.se"
A_SECRETS = (BUYER_A_EMAIL, BUYER_A_NAME, TICKET_A_SUBJECT)
A_ORDER_PREFIX = "KO-7"  # every order of shop A is numbered KO-7xxx (shop B's: PY-7xxx)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 60), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def _photo() -> Photo:
    return Photo(image=jpeg(), thumbnail=jpeg(16, 12), width=64, height=48)


def buyer_actor(order) -> Actor:
    return Actor(kind="buyer", id=order.customer_id, label=order.customer.email, merchant_id=order.merchant_id)


@dataclass(frozen=True)
class Person:
    """A role of the matrix: who they are, and how they knock.

    kind: anonymous | buyer | staff | api_key. ``ask_shop`` is the ?shop= a console request
    carries (merchant staff: ignored by the app); ``buyer_slug`` the shop in a buyer page's address.
    """

    name: str
    kind: str
    shop: str | None = None  # "A" / "B": the shop of merchant staff, of a buyer, of an API key
    role: Role | None = None  # staff role
    serves: frozenset = frozenset()  # support agents: the shops ("A"/"B") they serve
    ask_shop: str = SLUG_A
    buyer_slug: str = SLUG_A
    key_revoked: bool = False
    variant_of: str | None = None  # the same credentials as another role, asked otherwise

    @property
    def merchant_staff(self) -> bool:
        return self.kind == "staff" and self.role in (Role.MERCHANT_ADMIN, Role.MERCHANT_AGENT)


PEOPLE = [
    Person("anonymous", "anonymous"),
    Person("buyer_a", "buyer", shop="A"),
    Person("buyer_b", "buyer", shop="B"),
    # Shop B's buyer on shop B's own pages, with shop A's ids: the session is valid there.
    Person("buyer_b_via_own_shop", "buyer", shop="B", buyer_slug=SLUG_B, variant_of="buyer_b"),
    Person("shop_a_agent", "staff", shop="A", role=Role.MERCHANT_AGENT),
    Person("shop_a_admin", "staff", shop="A", role=Role.MERCHANT_ADMIN),
    Person("shop_b_agent", "staff", shop="B", role=Role.MERCHANT_AGENT),
    Person("shop_b_admin", "staff", shop="B", role=Role.MERCHANT_ADMIN),
    Person("support_serving_a", "staff", role=Role.SUPPORT_AGENT, serves=frozenset({"A"})),
    Person("support_serving_b", "staff", role=Role.SUPPORT_AGENT, serves=frozenset({"B"})),
    # The same agent working in shop B (which they serve) with shop A's ids.
    Person(
        "support_serving_b_in_shop_b",
        "staff",
        role=Role.SUPPORT_AGENT,
        serves=frozenset({"B"}),
        ask_shop=SLUG_B,
        variant_of="support_serving_b",
    ),
    Person("platform_admin", "staff", role=Role.PLATFORM_ADMIN),
    Person("api_key_a", "api_key", shop="A"),
    Person("api_key_b", "api_key", shop="B"),
    Person("api_key_revoked", "api_key", shop="A", key_revoked=True),
]
PEOPLE_BY_NAME = {person.name: person for person in PEOPLE}

STAFF_EMAILS = {
    "shop_a_agent": ("agent@kodinkone.fi", Role.MERCHANT_AGENT, "A"),
    "shop_a_admin": ("admin@kodinkone.fi", Role.MERCHANT_ADMIN, "A"),
    "shop_b_agent": ("agent@pyorapaja.fi", Role.MERCHANT_AGENT, "B"),
    "shop_b_admin": ("admin@pyorapaja.fi", Role.MERCHANT_ADMIN, "B"),
    "support_serving_a": ("tuki-a@apuri.example", Role.SUPPORT_AGENT, "A"),
    "support_serving_b": ("tuki-b@apuri.example", Role.SUPPORT_AGENT, "B"),
    "platform_admin": ("admin@apuri.example", Role.PLATFORM_ADMIN, None),
}


@dataclass
class Credentials:
    cookie: str | None = None  # the browser's session cookie (with its CSRF secret, maybe signed in)
    csrf: str = ""
    bearer: str | None = None  # Authorization: Bearer … for the API


@dataclass
class World:
    app: object
    shop_a: object
    shop_b: object
    params: dict = field(default_factory=dict)  # path parameter -> shop A's object
    endpoint_params: dict = field(default_factory=dict)  # endpoint -> {parameter: value}
    users: dict = field(default_factory=dict)
    credentials: dict = field(default_factory=dict)
    numbers: count = field(default_factory=lambda: count(1))

    # -- making objects -------------------------------------------------------------------------

    def order(self, merchant, *, email=BUYER_A_EMAIL, name=BUYER_A_NAME, items=None, delivered=True):
        """A paid order of ``merchant``, shipped and (by default) delivered two days ago."""
        items = items or ITEMS
        number = f"{merchant.slug[:2].upper()}-7{next(self.numbers):04d}"
        captured = sum(i["unit_price"] * i["quantity"] for i in items) + 4900
        document = order_document(
            locale="en",
            customer={"email": email, "name": name},
            items=items,
            payment={"provider": "simulated", "reference": f"pay_{number}", "method": "card", "captured": captured},
        )
        upsert_order(merchant, number, document, actor=SYSTEM)
        shipment = add_shipment(merchant, number, {"carrier": "Posti", "tracking_number": f"JJ{number}"}, actor=SYSTEM)
        if delivered:
            at = (utcnow() - timedelta(days=2)).isoformat()
            add_tracking_event(merchant, shipment.id, {"status": "delivered", "occurred_at": at}, actor=SYSTEM)
        return get_order(merchant.id, number)

    def return_of(self, order):
        return returns.request_return(order, {"items": [line("L2", reason="wrong_size")]}, actor=buyer_actor(order))

    def claim_of(self, order, *, escalated=False):
        claim = claims.open_claim(order, claim_body("L1", amount=20000), photos=[_photo()], actor=buyer_actor(order))
        if escalated:
            claim = claims.reject(order.merchant_id, claim.id, {"message": "Not a defect."}, actor=SYSTEM)
        return claim

    def ticket_of(self, order, subject="A question about delivery"):
        return desk.open_ticket(
            order.merchant,
            order.customer,
            {"subject": subject, "message": "Where is my parcel? It was due yesterday."},
            buyer_actor(order),
            order=order,
            photos=[_photo()],
        )

    def plan_of(self, merchant):
        order = self.order(merchant, items=[ITEMS[0]])
        plan = plans.start_plan(order, {"months": 3, "accept_terms": True}, buyer_actor(order))
        return plans.save_card(plan, buyer_actor(order), card_number="4242 4242 4242 4242")

    def failed_refund(self, merchant):
        order = self.order(merchant)
        switch_next_call("fail", "expired_or_canceled_card")
        return ledger.request_refund(order, 5000, "manual", "Dented door", SYSTEM)

    def callback_of(self, order):
        """The buyer asks to be called about ``order``, in the first slot with room."""
        slot = callbacks.open_slots(order.merchant)[0].value
        return callbacks.request_callback(
            order, {"phone": "040 123 4567", "topic": "delivery", "slot": slot}, buyer_actor(order)
        )

    def chat_of(self, order):
        """The buyer's live chat about ``order``, waiting in the shop's queue (a buyer has one open
        chat per shop: an earlier one is ended first)."""
        from portal.chat import services as chats

        earlier = chats.open_chat_of(order.merchant_id, order.customer_id)
        if earlier is not None:
            chats.end_chat(earlier.id, buyer_actor(order))
        turns = [{"who": "buyer", "text": "Where is my parcel?"}]
        return chats.start_chat(order.merchant, order.customer, turns, buyer_actor(order), order=order)

    def staff_member(self, merchant, role="merchant_agent"):
        email = f"staff{next(self.numbers)}@{merchant.slug}.fi"
        return create_user(email=email, password=PASSWORD, role=role, merchant_slug=merchant.slug, actor=SYSTEM)

    def support_agent(self, serves=()):
        user = create_user(
            email=f"tuki{next(self.numbers)}@apuri.example",
            password=PASSWORD,
            role="support_agent",
            merchant_slug=None,
            actor=SYSTEM,
        )
        if serves:
            set_served_shops(user, {shop.id for shop in serves}, SYSTEM)
        return user

    def invitation(self, merchant):
        invitation = invites.invite(
            merchant, email=f"new{next(self.numbers)}@{merchant.slug}.fi", role="merchant_agent", actor=SYSTEM
        )
        message = db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.kind == "staff_invite", OutboxMessage.recipient == invitation.email
            )
        ).one()
        token = re.search(r"/staff/invite/([A-Za-z0-9_.\-]+)", message.text_body or message.html_body).group(1)
        return invitation, token

    def canned_reply(self, merchant):
        return canned.create(
            merchant,
            {"locale": "en", "title": f"Delivery times {next(self.numbers)}", "body": "We deliver in 2 to 4 days."},
            SYSTEM,
        )

    def article(self, merchant):
        return help_centre.save_article(
            merchant,
            None,
            {
                "section": "delivery",
                "key": f"gift-wrapping-{next(self.numbers)}",
                "title_en": "Gift wrapping",
                "body_en": "We wrap every gift for free on request.",
            },
            SYSTEM,
        )

    def endpoint(self, merchant):
        # Port 9 (discard) on this machine: nothing listens, a delivery fails at once.
        return webhooks.create_endpoint(merchant, "http://127.0.0.1:9/hooks", ["return.requested"], SYSTEM)

    def parked_job(self, delivery_id: str):
        """A background job out of attempts, waiting for a person: a webhook delivery to nowhere."""
        from portal.jobs import parking

        return parking.park(
            "portal.integrations.webhooks:deliver", [delivery_id], {}, origin="worker", error="ConnectError", attempts=6
        )

    def api_key(self, merchant, name="Shop backend"):
        return create_api_key(merchant, name=name, actor=SYSTEM)


def build(app, tmp_dir) -> World:
    """Both shops with everything in them; the people signed in (see ``sign_everyone_in``)."""
    app.config.update(
        UPLOAD_ROOT=str(tmp_dir),
        # The secret-checked webhooks are set up (so that they check, rather than answer 500).
        STRIPE_WEBHOOK_SECRET="whsec_access_matrix",
        INBOUND_EMAIL_SECRET="inbound-access-matrix-secret",
        # Live chat: an event stream answers what there is and ends (no waiting for more); the
        # online agent and the waiting buyer stay so for the whole module.
        CHAT_STREAM_SECONDS=0,
        CHAT_PRESENCE_SECONDS=3600,
        CHAT_BUYER_GONE_SECONDS=3600,
    )
    shop_a = create_merchant(SLUG_A, name="Kodinkone Oy", support_email="help@kodinkone.fi", actor=SYSTEM)
    shop_b = create_merchant(SLUG_B, name="Pyöräpaja", support_email="help@pyorapaja.se", actor=SYSTEM)
    world = World(app=app, shop_a=shop_a, shop_b=shop_b)
    for shop in (shop_a, shop_b):
        update_policy(shop, {"instalments": TERMS}, actor=SYSTEM)
        help_centre.ensure_articles(shop)  # the first visit adds them: done here, not in a cell
        only = "KK-ONLY-1" if shop is shop_a else "PP-ONLY-1"
        for sku, size in (("SHOE-41", "41"), ("SHOE-42", "42"), (only, "40")):
            upsert_variant(
                shop,
                sku,
                {
                    "product": "SHOE",
                    "name": f"Shoe {size}",
                    "attributes": {"size": size},
                    "price": 5000,
                    "currency": "EUR",
                    "stock": 5,
                },
                actor=SYSTEM,
            )
    branding.update_branding(
        shop_a,
        branding.BrandingIn(
            name=shop_a.name,
            support_email="help@kodinkone.fi",
            support_phone="",
            brand_colour="",
            terms_url="",
            privacy_url="",
        ),
        logo=branding.LogoUpload(io.BytesIO(_png()), "logo.png"),
        actor=SYSTEM,
    )

    # People.
    users = {}
    for name, (email, role, shop) in STAFF_EMAILS.items():
        merchant = {"A": shop_a, "B": shop_b}.get(shop)
        agent = role == Role.SUPPORT_AGENT
        users[name] = create_user(
            email=email,
            password=PASSWORD,
            role=role.value,
            merchant_slug=merchant.slug if merchant and not agent else None,
            actor=SYSTEM,
        )
        if agent:
            set_served_shops(users[name], {merchant.id}, SYSTEM)
    world.users = users

    # Shop A's objects (and shop B's buyer).
    endpoint = world.endpoint(shop_a)
    order_a = world.order(shop_a)
    order_b = world.order(shop_b, email=BUYER_B_EMAIL, name="Bertil Berg")
    ret_a = world.return_of(order_a)  # also the webhook delivery of return.requested
    delivery = db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)).first()
    claim_a = world.claim_of(order_a)
    ticket_a = world.ticket_of(order_a, TICKET_A_SUBJECT)
    attachment = db.session.scalars(select(TicketAttachment).where(TicketAttachment.ticket_id == ticket_a.id)).one()
    plan_a = world.plan_of(shop_a)
    refund_a = world.failed_refund(shop_a)
    reply_a = world.canned_reply(shop_a)
    article_a = world.article(shop_a)
    key_a, secret_a = world.api_key(shop_a)
    _key_b, secret_b = world.api_key(shop_b)
    revoked, secret_revoked = world.api_key(shop_a, name="Old backend")
    revoke_api_key(shop_a, revoked.id, actor=SYSTEM)
    invitation, invite_token = world.invitation(shop_a)
    staff_target = world.staff_member(shop_a)
    job = world.parked_job(delivery.id)
    store_credit.issue(order_a.customer, 2500, "EUR", actor=SYSTEM, reason="Goodwill")
    callback_a = world.callback_of(order_a)
    from portal.chat import services as chats

    chats.set_presence(users["shop_a_agent"], "online", SYSTEM)  # a chat starts only with someone online
    chat_a = world.chat_of(order_a)
    feedback_a = _sent_feedback_request(order_a)
    db.session.commit()
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.merchant_id == shop_a.id)).first()

    world.params = {
        "number": order_a.number,
        "return_id": ret_a.id,
        "claim_id": claim_a.id,
        "photo_id": claim_a.photos[0].id,
        "ticket_id": ticket_a.id,
        "attachment_id": attachment.id,
        "plan_id": plan_a.id,
        "refund_id": refund_a.id,
        "refund_order": refund_a.order.number,  # (named in a query, not in a path)
        "message_id": mail.id,
        "reply_id": reply_a.id,
        "article_id": article_a.id,
        "key_id": key_a.id,
        "invitation_id": invitation.id,
        "user_id": staff_target.id,
        "endpoint_id": endpoint.id,
        "delivery_id": delivery.id,
        "shipment_id": order_a.shipments[0].id,
        "email": BUYER_A_EMAIL,
        "sku": "KK-ONLY-1",  # a SKU only shop A has
        "key": article_a.key,
        "figure": "return-rate",
        "rating": 5,
        "job_id": job.id,
        "callback_id": callback_a.id,
        "chat_id": chat_a.id,
        "score": 5,
        "table": "scores",  # console.feedback_csv: a table's name, not an object
    }
    world.endpoint_params = {
        "buyers.open_link": {"token": access.order_link(order_a).rsplit("/", 1)[1]},
        "buyers.open_orders_link": {"token": access.orders_link(order_a.customer).rsplit("/", 1)[1]},
        "buyers.ticket_survey": {"token": desk.survey_token(ticket_a)},
        "buyers.ticket_survey_answer": {"token": desk.survey_token(ticket_a)},
        "accounts.invitation": {"token": invite_token},
        "buyers.callback_new_time": {"token": callbacks.new_time_token(callback_a)},
        "buyers.feedback": {"token": feedback.feedback_token(feedback_a)},
        "buyers.feedback_answer": {"token": feedback.feedback_token(feedback_a)},
        "console.support_agent_shops": {"user_id": users["support_serving_a"].id},
    }
    world.orders = {"A": order_a, "B": order_b}
    world.secrets = {"A": secret_a, "B": secret_b, "revoked": secret_revoked}
    return world


def _sent_feedback_request(order):
    """The "how did the delivery go?" e-mail about ``order``, sent (its score links work then)."""
    from portal.feedback.models import FeedbackRequest

    feedback.feedback_due("delivery", order)  # (delivering it noted this already)
    feedback.send_due_feedback(utcnow() + feedback.delivery_delay())
    return db.session.scalars(
        select(FeedbackRequest).where(
            FeedbackRequest.merchant_id == order.merchant_id, FeedbackRequest.status == "sent"
        )
    ).first()


# -- signing the people in ------------------------------------------------------------------------


def new_client(app, cookie: str | None = None):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = REMOTE_ADDR
    if cookie is not None:
        client.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie, domain="localhost")
    return client


def _cookie(app, client) -> str | None:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"], domain="localhost")
    return cookie.value if cookie else None


def sign_in(world: World, name: str) -> Credentials:
    """The person's browser session, made the way the app makes it, and their API credentials."""
    app = world.app
    person = PEOPLE_BY_NAME[name]
    if person.variant_of:
        return sign_in(world, person.variant_of)
    client = new_client(app)
    bearer = None
    if person.kind == "staff":
        email = STAFF_EMAILS[name][0]
        token = csrf_from(client.get("/staff/login").get_data(as_text=True))
        response = client.post("/staff/login", data={"csrf_token": token, "email": email, "password": PASSWORD})
        assert response.status_code == 302 and "/staff/login" not in response.headers["Location"], name
        page = client.get("/staff/two-factor")
    elif person.kind == "buyer":
        order = world.orders[person.shop]
        response = client.get("/o/" + access.order_link(order).split("/o/", 1)[1])
        assert response.status_code == 302 and f"/orders/{order.number}" in response.headers["Location"], name
        page = client.get(f"/s/{order.merchant.slug}/")
        bearer, _expires = access.issue_token(access.BuyerIdentity(order.customer_id, order.merchant_id))
    else:  # anonymous, and the shops' systems (an API key, and a browser that never signed in)
        page = client.get("/staff/login")
        if person.kind == "api_key":
            bearer = world.secrets["revoked" if person.key_revoked else person.shop]
    assert page.status_code == 200, (name, page.status_code)
    return Credentials(cookie=_cookie(app, client), csrf=csrf_from(page.get_data(as_text=True)), bearer=bearer)


def sign_everyone_in(world: World) -> None:
    world.credentials = {person.name: sign_in(world, person.name) for person in PEOPLE}


class Fresh:
    """New objects of shop A for the cells where an allowed role changes what it is sent to."""

    def __init__(self, world: World):
        self.world = world

    def params(self, endpoint: str, names: list[str], person: Person) -> dict:
        world, shop = self.world, self.world.shop_a
        values: dict = {}
        if "claim_id" in names:
            # Support staff decide only the claims a shop escalated to them.
            escalated = person.role == Role.SUPPORT_AGENT
            claim = world.claim_of(world.order(shop), escalated=escalated)
            values.update(claim_id=claim.id, photo_id=claim.photos[0].id)
        if "return_id" in names:
            values["return_id"] = world.return_of(world.order(shop)).id
        if "number" in names:
            values["number"] = world.order(shop).number
        if "ticket_id" in names:
            ticket = world.ticket_of(world.orders["A"])  # tickets take nothing from the order
            values["ticket_id"] = ticket.id
        if "plan_id" in names:
            values["plan_id"] = world.plan_of(shop).id
        if "refund_id" in names:
            values["refund_id"] = world.failed_refund(shop).id
        if "reply_id" in names:
            values["reply_id"] = world.canned_reply(shop).id
        if "article_id" in names:
            values["article_id"] = world.article(shop).id
        if "key_id" in names:
            values["key_id"] = world.api_key(shop, name="Spare")[0].id
        if "invitation_id" in names:
            values["invitation_id"] = world.invitation(shop)[0].id
        if "user_id" in names:
            if endpoint == "console.support_agent_shops":
                values["user_id"] = world.support_agent(serves=[shop]).id
            else:
                values["user_id"] = world.staff_member(shop).id
        if "endpoint_id" in names:
            values["endpoint_id"] = world.endpoint(shop).id
        if "chat_id" in names:
            # The buyer's own chat for the buyer's cells; another buyer of shop A's for staff's.
            email = BUYER_A_EMAIL if person.kind == "buyer" else f"chat{next(world.numbers)}@example.fi"
            values["chat_id"] = world.chat_of(world.order(shop, email=email)).id
        if "callback_id" in names:
            values["callback_id"] = world.callback_of(world.order(shop)).id
        if "job_id" in names:
            values["job_id"] = world.parked_job(world.params["delivery_id"]).id
        if "shipment_id" in names:
            values["shipment_id"] = world.order(shop, delivered=False).shipments[0].id
        db.session.commit()
        return values
