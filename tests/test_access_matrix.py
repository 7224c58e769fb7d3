"""Tenancy, door by door: every role × every view and API endpoint × shop A's objects.

Every rule of ``app.url_map`` (but ``static``) is classified below by who may use it, as the
views' decorators and their first checks decide (``staff_required``, ``login_required``,
``merchant_required``, ``buyer_required``, the buyer pages' ``_buyer_*`` helpers, ``_shop()``).
A view added later without a class fails here: "classify <endpoint> in tests/test_access_matrix.py".

Each cell sends one request, as the role, to the rule with its path filled by a real object of
shop A (tests/access_matrix_world.py), and checks what the class says the role must get:

- refused: the class's refusal (sign-in page, 401, 403 for a role or a shop the person does not
  serve, 404 for another shop's object, the buyer's order lookup), nothing of shop A's buyer in
  the answer, and — for a POST/PUT/PATCH/DELETE — not one row changed anywhere in the database;
- allowed: not refused (no 401/403/404, no redirect to a sign-in page) and never a 500; a
  changing request goes to a fresh object of shop A, so that it never spoils another cell;
- own shop: another shop's staff or key on a shop-wide page acts on its own shop: not refused,
  and nothing of shop A's buyer in the answer.

Forms carry a valid CSRF token of the person's own session (else the refusal would prove nothing).
Changing requests send an empty body (JSON ``{}`` to the API) unless the view checks the body
before it looks the object up, or the object is named in the body (``JSON_BODIES``,
``FORM_BODIES``, ``MULTIPART_BODIES``). Cells run in order: reads, refused changes, allowed
changes; ``test_a_refusal_does_not_tell_whether_the_object_exists`` checks that refusals read the
same for shop A's objects and for ids that exist nowhere.
"""

from __future__ import annotations

import functools
import io
import os
import tempfile
from dataclasses import dataclass, field

import pytest
from werkzeug.security import generate_password_hash

from portal.accounts.models import Role
from portal.accounts.permissions import has_role
from portal.extensions import db
from portal.merchants.models import Merchant
from tests.access_matrix_world import (
    A_ORDER_PREFIX,
    A_SECRETS,
    PEOPLE,
    SLUG_A,
    SLUG_B,
    Fresh,
    Person,
    build,
    new_client,
    sign_everyone_in,
    sign_in,
)

# CI runs the suite twice (SQLite, then PostgreSQL) within 20 minutes. Who may reach what is
# decided in Python before any database-specific SQL, so CI checks the matrix in its SQLite pass
# only; on PostgreSQL outside CI (CI unset) it runs as everywhere else.
pytestmark = pytest.mark.skipif(
    os.environ.get("CI") == "true" and os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="the access matrix runs in CI's SQLite pass (tenancy is decided before any SQL); unset CI to run it here",
)
from tests.claims.conftest import jpeg

ADMIN, AGENT, SUPPORT, PLATFORM = Role.MERCHANT_ADMIN, Role.MERCHANT_AGENT, Role.SUPPORT_AGENT, Role.PLATFORM_ADMIN
CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_REFUSED = "The form expired or was sent from elsewhere"


# -- access classes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """Who may use a view.

    kind: public | token (the token in the address is the credential) | secret (webhooks in:
    a signature or shared secret, which no role has) | local (/metrics) | signed_in (any staff) |
    console | buyer (the buyer pages, by the browser's buyer session) | merchant_api | buyer_api.
    target: object (the address or body names an object of shop A) | shop (the shop as a whole:
    another shop's staff or key works on its own) | none (platform-wide pages).
    roles: console roles of ``staff_required`` (none: any staff). shop_choice: the view calls
    ``_shop()`` (platform staff pick a shop by ?shop=; a support agent not serving it gets 403).
    user_scope: the object is looked up by what the user may see (their shop, the shops they
    serve, every shop), not by the chosen shop. late_roles: a role check inside the view after the
    object was found. refusal: the status a ``secret`` view refuses with (and a buyer view that
    refuses otherwise than by sending to the order lookup). also_allowed: statuses an
    allowed role may get besides success (each use says why).
    """

    kind: str
    target: str = "object"
    roles: tuple = ()
    shop_choice: bool = True
    user_scope: bool = False
    late_roles: tuple = ()
    refusal: int | None = None
    also_allowed: frozenset = frozenset()
    ends_session: bool = False  # an allowed request signs the person out (they are signed in again after)


def console(*roles, target="object", **options) -> Access:
    return Access("console", target=target, roles=roles, **options)


PUBLIC = Access("public", target="none")
TOKEN = Access("token", target="none")
SIGNED_IN = Access("signed_in", target="none")
LOCAL = Access("local", target="none")
STAFF, STAFF_SHOP = console(), console(target="shop")
AGENT_ONLY, AGENT_SHOP = console(AGENT), console(AGENT, target="shop")
ADMIN_ONLY, ADMIN_SHOP = console(ADMIN), console(ADMIN, target="shop")
PLATFORM_ONLY = console(PLATFORM, target="none", shop_choice=False)
BUYER, BUYER_SHOP = Access("buyer"), Access("buyer", target="shop")
MERCHANT_API, MERCHANT_API_SHOP = Access("merchant_api"), Access("merchant_api", target="shop")
BUYER_API, BUYER_API_SHOP = Access("buyer_api"), Access("buyer_api", target="shop")

# endpoint -> Access (all its methods), or {method: Access}.
ACCESS: dict[str, Access | dict[str, Access]] = {
    # -- health and metrics (portal/observability.py) --
    "healthz": PUBLIC,
    "readyz": PUBLIC,
    "metrics": LOCAL,  # this machine only (or METRICS_TOKEN): the matrix asks from elsewhere
    # -- staff accounts (portal/accounts/views.py) --
    "accounts.login": PUBLIC,
    "accounts.login_code": PUBLIC,
    "accounts.invitation": TOKEN,
    "accounts.logout": Access("signed_in", target="none", ends_session=True),
    "accounts.two_factor": SIGNED_IN,
    # The QR code exists only while a set-up is under way: 404 otherwise, for whoever asks.
    "accounts.two_factor_qr": Access("signed_in", target="none", also_allowed=frozenset({404})),
    # -- buyer pages (portal/buyers/*.py) --
    "buyers.home": PUBLIC,
    "buyers.lookup": PUBLIC,
    "buyers.request_orders_link": PUBLIC,
    "buyers.signout": PUBLIC,  # forgets this browser's buyer at the shop; nothing else
    "buyers.brand_css": PUBLIC,
    "buyers.brand_logo": PUBLIC,
    "buyers.help_centre_page": PUBLIC,
    "buyers.help_article": PUBLIC,
    "buyers.help_feedback": PUBLIC,
    "buyers.assistant": PUBLIC,  # answers about the browser's own order only
    "buyers.assistant_clear": PUBLIC,
    "buyers.assistant_handover": BUYER_SHOP,  # a ticket for the buyer signed in at the shop, else the lookup
    "buyers.open_link": TOKEN,
    "buyers.open_orders_link": TOKEN,
    "buyers.ticket_survey": TOKEN,
    "buyers.ticket_survey_answer": TOKEN,
    "buyers.orders": BUYER_SHOP,
    "buyers.order": BUYER,
    "buyers.cancel_order": BUYER,
    "buyers.start_return": BUYER,
    "buyers.start_claim": BUYER,
    "buyers.instalment_options": BUYER,
    "buyers.contact": BUYER,
    "buyers.report_not_received": BUYER,
    "buyers.return_page": BUYER,
    "buyers.return_slip": BUYER,
    "buyers.cancel_return": BUYER,
    "buyers.dispute_return": BUYER,
    "buyers.claim_page": BUYER,
    "buyers.claim_photo": BUYER,
    "buyers.claim_photo_thumb": BUYER,
    "buyers.claim_response": BUYER,
    "buyers.plan_page": BUYER,
    "buyers.plan_card": BUYER,
    "buyers.plan_card_done": BUYER,
    "buyers.plan_cancel": BUYER,
    "buyers.plan_agreement": BUYER,
    "buyers.plan_pay": BUYER,
    "buyers.plan_payment_done": BUYER,
    "buyers.ticket_page": BUYER,
    "buyers.ticket_attachment": BUYER,
    "buyers.ticket_attachment_thumb": BUYER,
    "buyers.chat_start": BUYER_SHOP,  # portal/buyers/chat.py: the buyer signed in at the shop, else the lookup
    "buyers.chat_page": BUYER,
    "buyers.chat_message": BUYER,
    "buyers.chat_end": BUYER,
    "buyers.chat_rating": BUYER,
    # The event stream answers a plain 404 (EventSource cannot follow a redirect to the lookup).
    "buyers.chat_events": Access("buyer", refusal=404),
    "buyers.callback_request": BUYER,  # portal/buyers/callbacks.py
    "buyers.callback_page": BUYER,
    "buyers.callback_new_time": TOKEN,  # the no-answer e-mail's link, for that callback only
    "buyers.feedback": TOKEN,  # portal/buyers/feedback.py: the e-mail's score links
    "buyers.feedback_answer": TOKEN,
    # -- console (portal/console/*.py) --
    "console.home": console(target="none", shop_choice=False),
    "console.today": STAFF_SHOP,
    "console.today_csv": STAFF_SHOP,  # <figure> is a table's name, not an object
    "console.orders": STAFF_SHOP,
    "console.order": STAFF,
    "console.manual_refund": ADMIN_ONLY,
    "console.refunds": STAFF_SHOP,
    "console.retry_refund": AGENT_ONLY,
    "console.mail": STAFF_SHOP,
    "console.mail_message": console(user_scope=True),
    "console.mail_html": console(user_scope=True, shop_choice=False),
    "console.policy": {"GET": STAFF_SHOP, "POST": console(target="shop", late_roles=(ADMIN,))},
    "console.returns": STAFF_SHOP,
    "console.return_detail": STAFF,
    "console.approve_return": AGENT_ONLY,
    "console.approve_disputed_return": console(SUPPORT),
    "console.reject_return": AGENT_ONLY,
    "console.receive_return": AGENT_ONLY,
    "console.claims": STAFF_SHOP,
    "console.claim_detail": STAFF,
    "console.claim_photo": STAFF,
    "console.claim_photo_thumb": STAFF,
    # Support staff decide only escalated claims (403 for others, after the claim is found).
    "console.accept_claim": console(AGENT, SUPPORT),
    "console.counter_claim": console(AGENT, SUPPORT),
    "console.reject_claim": AGENT_ONLY,
    "console.resolve_claim": AGENT_ONLY,
    "console.plans": STAFF_SHOP,
    "console.plan_detail": STAFF,
    "console.tickets": STAFF_SHOP,
    "console.ticket_detail": STAFF,
    "console.ticket_attachment": STAFF,
    "console.ticket_attachment_thumb": STAFF,
    "console.ticket_reply": STAFF,
    "console.ticket_assign": STAFF,
    "console.ticket_status": STAFF,
    "console.chats": STAFF_SHOP,  # portal/console/chat.py: tenancy as the desk's
    "console.chat_queue": STAFF_SHOP,
    "console.chat_queue_events": STAFF_SHOP,
    "console.chat_presence": STAFF_SHOP,  # the user's own Online/Away, from the chosen shop's page
    "console.chat_detail": STAFF,
    "console.chat_events": STAFF,
    "console.chat_take": STAFF,
    "console.chat_reply": STAFF,
    "console.chat_article": STAFF,
    "console.chat_order": STAFF,
    "console.chat_end": STAFF,
    "console.callbacks": STAFF_SHOP,  # portal/console/callbacks.py: shop-scoped like the desk
    "console.callback_detail": STAFF,
    "console.callback_outcome": STAFF,
    "console.callback_reschedule": STAFF,
    "console.feedback": STAFF_SHOP,  # portal/console/feedback.py
    "console.feedback_csv": STAFF_SHOP,  # <table> is a table's name, not an object
    "console.canned_replies": STAFF_SHOP,
    "console.canned_reply_new": STAFF_SHOP,
    "console.canned_reply": STAFF,
    "console.canned_reply_delete": STAFF,
    "console.help_articles": STAFF_SHOP,
    "console.help_article_new": AGENT_SHOP,
    "console.help_article_edit": {"GET": STAFF, "POST": console(late_roles=(AGENT,))},
    "console.help_article_delete": AGENT_ONLY,
    "console.audit_log": STAFF_SHOP,
    "console.branding": ADMIN_SHOP,
    "console.branding_logo_remove": ADMIN_SHOP,
    "console.api_keys": ADMIN_SHOP,
    "console.api_key_create": ADMIN_SHOP,
    "console.api_key_revoke": ADMIN_ONLY,
    "console.webhooks": ADMIN_SHOP,
    "console.webhook_create": ADMIN_SHOP,
    "console.webhook_active": ADMIN_ONLY,
    "console.webhook_delete": ADMIN_ONLY,
    "console.webhook_resend": ADMIN_ONLY,
    "console.staff": ADMIN_SHOP,
    "console.staff_invite": ADMIN_SHOP,
    "console.staff_invite_withdraw": ADMIN_ONLY,
    "console.staff_role": ADMIN_ONLY,
    "console.staff_active": ADMIN_ONLY,
    "console.staff_two_factor_rule": ADMIN_SHOP,
    "console.order_import": ADMIN_SHOP,
    "console.order_import_sample": console(ADMIN, target="none", shop_choice=False),  # the same file for all
    "console.order_import_preview": ADMIN_SHOP,
    "console.order_import_confirm": ADMIN_SHOP,
    "console.shops": PLATFORM_ONLY,
    "console.shop_create": PLATFORM_ONLY,
    "console.support_agents": PLATFORM_ONLY,
    "console.support_agent_shops": PLATFORM_ONLY,
    "console.jobs": PLATFORM_ONLY,  # portal/console/jobs.py: background jobs of every shop
    "console.job_run": PLATFORM_ONLY,
    "console.job_discard": PLATFORM_ONLY,
    # -- JSON API: the shop's system (portal/api/*.py, merchant_required) --
    "api.put_order": MERCHANT_API_SHOP,  # the number is the caller's own: it upserts the caller's order
    "api.get_order": MERCHANT_API,
    "api.buyer_link": MERCHANT_API,
    "api.add_shipment": MERCHANT_API,
    "api.add_tracking_event": MERCHANT_API,
    "api.get_policy": MERCHANT_API_SHOP,
    "api.patch_policy": MERCHANT_API_SHOP,
    "api.list_returns": MERCHANT_API_SHOP,
    "api.get_return": MERCHANT_API,
    "api.approve_return": MERCHANT_API,
    "api.reject_return": MERCHANT_API,
    "api.receive_return": MERCHANT_API,
    "api.list_claims": MERCHANT_API_SHOP,
    "api.get_claim": MERCHANT_API,
    "api.claim_photo": MERCHANT_API,
    "api.accept_claim": MERCHANT_API,
    "api.counter_claim": MERCHANT_API,
    "api.reject_claim": MERCHANT_API,
    "api.resolve_claim": MERCHANT_API,
    "api.list_plans": MERCHANT_API_SHOP,
    "api.merchant_plan": MERCHANT_API,
    "api.list_shop_refunds": MERCHANT_API_SHOP,
    "api.get_store_credit": MERCHANT_API,  # <email>: shop A's customer
    "api.redeem_store_credit": MERCHANT_API,
    "api.get_variant": MERCHANT_API,  # <sku>: a SKU only shop A has
    "api.put_variant": MERCHANT_API_SHOP,  # the SKU is the caller's own: it upserts the caller's variant
    # -- JSON API: the buyer (buyer_required) --
    "api.create_buyer_session": PUBLIC,
    "api.buyer_orders": BUYER_API_SHOP,
    "api.buyer_order": BUYER_API,
    "api.create_return": BUYER_API,
    "api.cancel_order": BUYER_API,
    "api.buyer_return": BUYER_API,
    "api.buyer_return_slip": BUYER_API,
    "api.cancel_return": BUYER_API,
    "api.create_claim": BUYER_API,
    "api.buyer_claim": BUYER_API,
    "api.buyer_claim_photo": BUYER_API,
    "api.respond_to_claim": BUYER_API,
    "api.instalment_options": BUYER_API,
    "api.create_plan": BUYER_API,
    "api.buyer_plan": BUYER_API,
    "api.save_plan_card": BUYER_API,
    "api.create_ticket": BUYER_API,  # the order is named in the body (BODIES)
    "api.buyer_ticket": BUYER_API,
    "api.buyer_ticket_message": BUYER_API,
    "api.buyer_feedback": BUYER_API,  # the ticket is named in the body (BODIES)
    # -- JSON API: public and webhooks in --
    "api.openapi_document": PUBLIC,
    "api.stripe_webhook": Access("secret", target="none", refusal=400),  # Stripe-Signature
    "api.inbound_email": Access("secret", target="none", refusal=401),  # X-Inbound-Secret
}

# Shop-wide lists of shop A's orders, returns, claims, …: another shop's staff, key or buyer gets
# its own list, which must not show shop A's buyer or order numbers.
LISTS = {
    "console.orders",
    "console.returns",
    "console.claims",
    "console.plans",
    "console.refunds",
    "console.tickets",
    "console.callbacks",
    "console.mail",
    "console.audit_log",
    "buyers.orders",
    "api.list_returns",
    "api.list_claims",
    "api.list_plans",
    "api.list_shop_refunds",
    "api.buyer_orders",
}

# What a changing request sends. By default an empty body (JSON ``{}`` to the API; only the CSRF
# token to a form). Where a view checks the body before it looks the object up, an empty body
# would get every caller the same 400/415/422 and the cell would prove nothing about tenancy:
# those get a valid body, so the object is looked up (and an allowed caller really makes the
# change, on a fresh object). Two API requests name the object in the body itself:
# create_ticket (the order) and buyer_feedback (the ticket).
JSON_BODIES = {
    "api.add_shipment": lambda w: {"carrier": "Posti", "tracking_number": "JJFI-MATRIX"},
    "api.add_tracking_event": lambda w: {"status": "in_transit", "occurred_at": "2026-11-03T10:00:00+02:00"},
    "api.reject_return": lambda w: {"message": "The box was opened."},
    "api.counter_claim": lambda w: {"amount": 10000, "message": "We can give half back."},
    "api.reject_claim": lambda w: {"message": "This is wear, not a defect."},
    "api.redeem_store_credit": lambda w: {"amount": 100, "currency": "EUR"},
    "api.create_return": lambda w: {
        "items": [{"item_id": "L2", "quantity": 1, "reason": "wrong_size", "resolution": "refund"}]
    },
    "api.respond_to_claim": lambda w: {"decision": "decline"},
    "api.create_plan": lambda w: {"months": 3, "accept_terms": True},
    "api.save_plan_card": lambda w: {"card_number": "4242 4242 4242 4242"},
    "api.buyer_ticket_message": lambda w: {"message": "Any news about my parcel?"},
    "api.create_ticket": lambda w: {
        "subject": "Where is it?",
        "message": "Tell me about this order, please.",
        "order_number": w.params["number"],
    },
    "api.buyer_feedback": lambda w: {"rating": 1, "about": {"type": "ticket", "id": w.params["ticket_id"]}},
}
# The claim form is multipart with a photo (anything else is refused with 415 before the lookup).
MULTIPART_BODIES = {
    "api.create_claim": lambda w: {
        "item_id": "L1",
        "remedy": "price_reduction",
        "proposed_amount": "20000",
        "description": "A scratch on the door, 10 cm.",
        "photos": (io.BytesIO(jpeg()), "defect.jpg"),
    },
}
FORM_BODIES = {
    "console.staff_role": lambda w: {"role": "merchant_admin"},  # an unknown role is refused before the lookup
    "console.staff_active": lambda w: {"active": "0"},
    "console.ticket_reply": lambda w: {"kind": "note", "message": "A note from the matrix."},
    "console.ticket_assign": lambda w: {"assignee": ""},
    "console.ticket_status": lambda w: {"status": "solved", "priority": "urgent"},
    "console.reject_return": lambda w: {"reject-message": "The box was opened."},
    "console.counter_claim": lambda w: {"counter-amount": "100.00", "counter-message": "Half back?"},
    "console.reject_claim": lambda w: {"reject-message": "This is wear, not a defect."},
    "console.manual_refund": lambda w: {"amount": "5.00", "reason": "Goodwill"},
    "console.canned_reply": lambda w: {"locale": "en", "title": "Changed title", "body": "Changed body text."},
    "console.help_article_edit": lambda w: {
        "section": "delivery",
        "title_en": "Gift wrapping",
        "body_en": "We wrap every gift for free, always.",
    },
    "console.webhook_active": lambda w: {"active": "0"},
    "console.job_discard": lambda w: {"reason": "Not needed any more."},
}


# -- what a cell expects -------------------------------------------------------------------------

ALLOW, OWN = "allowed", "own shop"


@dataclass(frozen=True)
class Refuse:
    codes: frozenset
    to: str | None = None  # where a redirect must point

    def __str__(self):
        return f"refused with {sorted(self.codes)}" + (f" to {self.to}" if self.to else "")


def _shop_of_slug(slug: str) -> str:
    return {SLUG_A: "A", SLUG_B: "B"}[slug]


def expected(access: Access, person: Person):
    """What ``person`` must get from a view of ``access`` about shop A: ALLOW, OWN or a Refuse."""
    kind = access.kind
    if kind in ("public", "token"):
        return ALLOW
    if kind == "secret":
        return Refuse(frozenset({access.refusal}))
    if kind == "local":
        return Refuse(frozenset({403}))
    if kind == "signed_in":
        return ALLOW if person.kind == "staff" else Refuse(frozenset({302}), "/staff/login")
    if kind == "console":
        return _console(access, person)
    if kind == "buyer":
        lookup = f"/s/{person.buyer_slug}/"
        refuse = Refuse(frozenset({access.refusal})) if access.refusal else Refuse(frozenset({302}), lookup)
        if person.kind != "buyer" or person.shop != _shop_of_slug(person.buyer_slug):
            return refuse
        if person.shop == "A":
            return ALLOW
        return OWN if access.target == "shop" else refuse
    wanted = {"merchant_api": "api_key", "buyer_api": "buyer"}[kind]
    if person.kind != wanted or person.key_revoked:
        return Refuse(frozenset({401}))
    if person.shop == "A":
        return ALLOW
    return OWN if access.target == "shop" else Refuse(frozenset({404}))


def _console(access: Access, person: Person):
    if person.kind != "staff":
        return Refuse(frozenset({302}), "/staff/login")
    if not has_role(person.role, *access.roles):
        return Refuse(frozenset({403}))
    if access.target == "none":
        return ALLOW
    sees: set[str] = set()  # the shops whose objects the request can reach
    if access.shop_choice:  # services.shop_for
        if person.merchant_staff:
            shop = person.shop
        else:
            shop = _shop_of_slug(person.ask_shop)
            if person.role == SUPPORT and shop not in person.serves:
                return Refuse(frozenset({403}))  # "You do not serve this shop."
        if access.target == "shop":
            if access.late_roles and not has_role(person.role, *access.late_roles):
                return Refuse(frozenset({403}))
            return ALLOW if shop == "A" else OWN
        sees = {shop}
    if access.user_scope:
        sees = {person.shop} if person.merchant_staff else set(person.serves) if person.role == SUPPORT else {"A", "B"}
    if "A" not in sees:
        return Refuse(frozenset({404}))
    if access.late_roles and not has_role(person.role, *access.late_roles):
        return Refuse(frozenset({403}))
    return ALLOW


# -- the cells -----------------------------------------------------------------------------------


def _app():
    """An app for its URL map and views (no database is touched)."""
    os.environ.setdefault("APURI_INSTANCE_DIR", tempfile.mkdtemp(prefix="apuri-test-instance-"))
    from portal import create_app

    return create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://")


APP = _app()
RULES = sorted(
    (rule for rule in APP.url_map.iter_rules() if rule.endpoint != "static"), key=lambda r: (r.endpoint, r.rule)
)


def _access(endpoint: str, method: str) -> Access | None:
    entry = ACCESS.get(endpoint)
    return entry.get(method) if isinstance(entry, dict) else entry


def _applies(person: Person, access: Access, rule) -> bool:
    """The "same person, asked otherwise" roles only where the other way exists."""
    if person.name == "buyer_b_via_own_shop":
        return access.kind == "buyer" and "slug" in rule.arguments
    if person.name == "support_serving_b_in_shop_b":
        return access.kind == "console" and access.shop_choice
    return True


@dataclass(frozen=True)
class Cell:
    endpoint: str
    rule: str
    method: str
    person: Person
    access: Access | None
    arguments: tuple = field(default=())

    @property
    def changing(self) -> bool:
        return self.method in CHANGING

    @property
    def outcome(self):
        return expected(self.access, self.person) if self.access else None

    @property
    def id(self) -> str:
        several = sum(1 for rule in RULES if rule.endpoint == self.endpoint) > 1
        where = f" {self.rule}" if several else ""
        return f"{self.method} {self.endpoint}{where} as {self.person.name}"


def _cells() -> list[Cell]:
    cells = []
    for rule in RULES:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            access = _access(rule.endpoint, method)
            people = [p for p in PEOPLE if access is None or _applies(p, access, rule)]
            for person in people[:1] if access is None else people:
                cells.append(Cell(rule.endpoint, rule.rule, method, person, access, tuple(sorted(rule.arguments))))

    def order(cell: Cell) -> int:
        # Reads first, then the refused changes (on the shared objects), then the allowed changes.
        if not cell.changing:
            return 0
        return 1 if isinstance(cell.outcome, Refuse) else 2

    return sorted(cells, key=order)


CELLS = _cells()


def test_every_view_is_classified():
    missing = sorted(
        {
            f"classify {rule.endpoint} ({method} {rule.rule}) in tests/test_access_matrix.py"
            for rule in RULES
            for method in rule.methods - {"HEAD", "OPTIONS"}
            if _access(rule.endpoint, method) is None
        }
    )
    stale = sorted(set(ACCESS) - {rule.endpoint for rule in RULES})
    assert not missing, "\n".join(missing)
    assert not stale, f"no such endpoint any more, remove from ACCESS: {stale}"


def test_the_api_classes_agree_with_the_views_decorators():
    """merchant_required / buyer_required mark their views (``api_auth``); the classes say the same."""
    for rule in RULES:
        if not rule.endpoint.startswith("api."):
            continue
        marked = getattr(APP.view_functions[rule.endpoint], "api_auth", None)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            access = _access(rule.endpoint, method)
            said = {"merchant_api": "merchant", "buyer_api": "buyer"}.get(access.kind) if access else None
            assert said == marked, (rule.endpoint, said, marked)


# -- the module's world --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(_schema, database_url, tmp_path_factory):
    """One app and one world for the whole module (the cells only read it, or change fresh objects)."""
    from portal import create_app
    from portal.buyers import page_cache
    from portal.extensions import limiter
    from tests.conftest import ON_POSTGRES, FreshContextClient

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url)
    app.test_client_class = FreshContextClient
    with app.app_context(), pytest.MonkeyPatch.context() as patch:
        # Staff passwords hashed cheaply: a dozen scrypt hashes and sign-ins are seconds spent
        # on nothing this module checks (signing in still checks the hash).
        patch.setattr(
            "portal.accounts.services.generate_password_hash",
            functools.partial(generate_password_hash, method="pbkdf2:sha256:1000"),
        )
        page_cache.clear()
        limiter.reset()
        try:
            built = build(app, tmp_path_factory.mktemp("access-matrix-uploads"))
            sign_everyone_in(built)
            built.fresh = Fresh(built)
            built.policy_a = dict(built.shop_a.policy or {})
            built.state = None
            yield built
        finally:
            db.session.remove()
            tables = [t.name for t in reversed(db.metadata.sorted_tables)]
            with db.engine.begin() as conn:
                if ON_POSTGRES:
                    conn.execute(db.text("TRUNCATE " + ", ".join(tables) + " CASCADE"))
                else:
                    for table in tables:
                        conn.execute(db.text(f'DELETE FROM "{table}"'))
            db.engine.dispose()


# Columns a refused request may touch: the caller's own key notes when it was last used.
VOLATILE = {("api_keys", "last_used_at")}
_SNAPSHOT_SQL: dict[str, str] = {}


def snapshot() -> dict[str, tuple]:
    """Every row of every table (but VOLATILE columns), to prove a refused request changed nothing:
    per table a digest of its rows in primary-key order, and the rows (for the failure message)."""
    if not _SNAPSHOT_SQL:
        for table in db.metadata.sorted_tables:
            columns = ", ".join(f'"{c.name}"' for c in table.columns if (table.name, c.name) not in VOLATILE)
            order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns) or "1"
            _SNAPSHOT_SQL[table.name] = f'SELECT {columns} FROM "{table.name}" ORDER BY {order}'
    state = {}
    connection = db.engine.raw_connection()  # the driver's own: thousands of reads, no bookkeeping
    try:
        cursor = connection.cursor()
        for name, sql in _SNAPSHOT_SQL.items():
            cursor.execute(sql)
            rows = tuple(cursor.fetchall())
            try:
                digest = hash(rows)
            except TypeError:  # JSON columns come back as dicts from PostgreSQL
                digest = hash(repr(rows))
            state[name] = (digest, rows)
        cursor.close()
        connection.rollback()
    finally:
        connection.close()
    return state


def _same(before: dict, after: dict) -> bool:
    return all(before[name][0] == after[name][0] for name in before)


def _changed(before: dict, after: dict) -> list[str]:
    return [
        f"{name}: {len(before[name][1])} -> {len(after[name][1])} rows, "
        f"e.g. now {[row for row in after[name][1] if row not in before[name][1]][:1]}"
        for name in before
        if before[name][0] != after[name][0]
    ]


def _send(world, cell: Cell, values: dict, credentials):
    from flask import url_for

    with world.app.test_request_context():
        url = url_for(cell.endpoint, **values)
    client = new_client(world.app, credentials.cookie)
    headers = {"Authorization": f"Bearer {credentials.bearer}"} if credentials.bearer else {}
    kwargs = {"headers": headers}
    if cell.changing:
        if cell.endpoint in MULTIPART_BODIES:
            kwargs.update(data=MULTIPART_BODIES[cell.endpoint](world), content_type="multipart/form-data")
        elif cell.endpoint.startswith("api."):
            kwargs["json"] = JSON_BODIES[cell.endpoint](world) if cell.endpoint in JSON_BODIES else {}
        else:
            form = FORM_BODIES[cell.endpoint](world) if cell.endpoint in FORM_BODIES else {}
            kwargs["data"] = {"csrf_token": credentials.csrf, **form}
    return url, client.open(url, method=cell.method, **kwargs)


def _values(world, cell: Cell, person: Person, fresh: bool) -> dict:
    names = list(cell.arguments)
    values = {name: world.params[name] for name in names if name in world.params}
    values.update(world.endpoint_params.get(cell.endpoint, {}))
    if fresh:
        values.update(world.fresh.params(cell.endpoint, names, person))
    if "slug" in names:
        values["slug"] = person.buyer_slug if cell.access.kind == "buyer" else SLUG_A
    if cell.access.kind == "console" and cell.access.shop_choice:
        values["shop"] = person.ask_shop  # merchant staff: the app ignores it
    missing = set(names) - set(values)
    assert not missing, f"give {cell.endpoint}'s {sorted(missing)} a value in tests/access_matrix_world.py"
    return values


@pytest.mark.parametrize("cell", CELLS, ids=[cell.id for cell in CELLS])
def test_access(world, cell: Cell):
    assert cell.access is not None, f"classify {cell.endpoint} in tests/test_access_matrix.py"
    refused = isinstance(cell.outcome, Refuse)
    db.session.expire_all()
    if cell.changing and refused:
        before = world.state or snapshot()
        world.state = None
        problems = []
        try:
            _knock(world, cell)
        except AssertionError as failure:
            problems.append(str(failure))
        after = snapshot()
        world.state = after  # the next refused change starts from here
        if not _same(before, after):
            changed = "\n".join(_changed(before, after))
            problems.append(f"{cell.id}: a refused request changed the database:\n{changed}")
        assert not problems, "\n".join(problems)
        return
    world.state = None
    try:
        _knock(world, cell)
    finally:
        if cell.changing:
            _tidy_after_change(world, cell)


def _knock(world, cell: Cell):
    """Send the cell's request and check the answer against what the cell expects."""
    person, outcome = cell.person, cell.outcome
    values = _values(world, cell, person, fresh=cell.changing and not isinstance(outcome, Refuse))
    url, response = _send(world, cell, values, world.credentials[person.name])
    text = not (response.mimetype or "").startswith(("image/", "application/pdf"))
    body = response.get_data(as_text=True) if text else ""
    where = f"{cell.method} {url} as {person.name}: {response.status_code}"
    location = response.headers.get("Location", "")
    redirect = response.status_code in (301, 302, 303)

    assert CSRF_REFUSED not in body, f"{where}: the CSRF token was refused, so the cell proves nothing"
    assert response.status_code < 500, f"{where}\n{body[:2000]}"
    if isinstance(outcome, Refuse):
        assert response.status_code in outcome.codes, f"{where}, expected {outcome}"
        assert outcome.to is None or outcome.to in location, f"{where} -> {location}, expected {outcome}"
    else:
        refusals = {401, 403, 404} - cell.access.also_allowed
        assert response.status_code not in refusals, f"{where}, expected {outcome}\n{body[:1500]}"
        if redirect and cell.access.kind in ("console", "signed_in") and not cell.access.ends_session:
            assert "/staff/login" not in location, f"{where} -> {location}: sent to sign in"
        if redirect and cell.access.kind == "buyer":
            assert not location.endswith(f"/s/{person.buyer_slug}/"), f"{where} -> {location}: sent to the lookup"
    if outcome != ALLOW:
        # Another shop's own pages must not show shop A's orders either (their numbers are in the
        # address of a refused request, so only its buyer is looked for there).
        secrets = A_SECRETS + ((A_ORDER_PREFIX,) if outcome == OWN else ())
        leaked = [secret for secret in secrets if secret in body]
        assert not leaked, f"{where}: shop A's {leaked} in the answer"
    elif cell.endpoint in LISTS and cell.method == "GET":
        # The other side: shop A's own list shows them, so the check above can see a leak.
        assert any(secret in body for secret in (*A_SECRETS, A_ORDER_PREFIX)), f"{where}: shop A's data not shown"
    return response, where


# One view of each kind with an object in its address: a refusal there must read the same
# whether the object exists (in shop A) or not at all, so that it tells nobody what shop A has.
PROBED = (
    "console.order",
    "console.claim_detail",
    "console.ticket_attachment",
    "console.mail_html",
    "console.canned_reply",
    "console.chat_detail",
    "api.get_order",
    "api.get_claim",
    "api.buyer_return",
    "api.buyer_ticket",
    "buyers.order",
    "buyers.claim_page",
    "buyers.ticket_attachment",
    "buyers.chat_events",
)
EXISTENCE_CELLS = [
    cell for cell in CELLS if cell.endpoint in PROBED and cell.method == "GET" and isinstance(cell.outcome, Refuse)
]


def _made_up(value):
    text = str(value)
    return text[:4] + "9" * (len(text) - 4)


@pytest.mark.parametrize("cell", EXISTENCE_CELLS, ids=[cell.id for cell in EXISTENCE_CELLS])
def test_a_refusal_does_not_tell_whether_the_object_exists(world, cell: Cell):
    credentials = world.credentials[cell.person.name]
    real = _values(world, cell, cell.person, fresh=False)
    ids = {name: value for name, value in real.items() if name not in ("slug", "shop")}
    made_up = {**real, **{name: _made_up(value) for name, value in ids.items()}}
    answers = []
    for values in (real, made_up):
        url, response = _send(world, cell, values, credentials)
        location = response.headers.get("Location", "")
        for name in ids:
            location = location.replace(str(values[name]), f"<{name}>")
        answers.append((response.status_code, location))
    assert answers[0] == answers[1], f"{cell.id}: shop A's object {answers[0]}, none {answers[1]}"


def _tidy_after_change(world, cell: Cell) -> None:
    """Undo what an allowed change did to what other cells share: shop A's policy, the sessions."""
    db.session.expire_all()
    merchant = db.session.get(Merchant, world.shop_a.id)
    if dict(merchant.policy or {}) != world.policy_a:
        merchant.policy = dict(world.policy_a)
        db.session.commit()
    if cell.access.ends_session:
        user = cell.person.variant_of or cell.person.name
        for other in PEOPLE:
            if user in (other.name, other.variant_of):
                world.credentials[other.name] = sign_in(world, other.name)


def test_an_order_named_in_the_query_is_another_shops_404(world):
    """GET /api/v1/refunds?order=<number>: the one list filter that names an object."""
    client = new_client(world.app)
    number = world.params["refund_order"]
    answers = {
        name: client.get(
            f"/api/v1/refunds?order={number}", headers={"Authorization": f"Bearer {world.secrets[name]}"}
        ).status_code
        for name in ("A", "B")
    }
    assert answers == {"A": 200, "B": 404}


def test_metrics_are_served_on_this_machine(world):
    """The other side of LOCAL: /metrics answers a request from the machine itself."""
    client = world.app.test_client()
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 403
