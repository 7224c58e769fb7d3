"""A fake Stripe API on loopback, for driving the real ``stripe`` library in tests.

It answers as Stripe does (form-encoded request, JSON object or ``{"error": {...}}``):

- ``POST /v1/refunds``: a refund;
- ``GET /v1/payment_intents/{id}``, ``GET /v1/charges/{id}``: a payment the test made with
  ``add_payment`` (with the buyer's ``customer`` and saved ``payment_method`` unless told
  otherwise), or a PaymentIntent made here; 404 resource_missing for an unknown id;
- ``GET /v1/payment_intents?customer=…``: the customer's PaymentIntents, newest first;
- ``POST /v1/payment_intents``: a new PaymentIntent in ``intent_status`` (succeeded unless
  told otherwise). Like Stripe, confirming one whose payment methods may redirect the buyer
  needs a ``return_url`` or ``automatic_payment_methods[allow_redirects]=never``. A card saved
  with ``confirm_setup`` answers as Stripe's test card of the same kind (``CARDS``): "auth"
  fails off-session with a 402 authentication_required and, on-session, waits in
  requires_action with its client secret (``confirm_payment`` finishes it as the buyer's bank
  would); "decline" fails with a 402 card_declined; a payment method of another customer is a
  400;
- ``POST /v1/customers``, ``GET /v1/customers/{id}``: a customer (``add_payment``'s, or made here);
- ``POST /v1/setup_intents``, ``GET /v1/setup_intents/{id}``: a SetupIntent waiting for a card
  (requires_payment_method, with its ``seti_…_secret_…`` client secret); ``confirm_setup``
  saves a card on it as Stripe.js ``confirmCardSetup`` does;
- ``GET /v1/payment_methods/{id}``: a card saved with ``confirm_setup`` (or ``add_payment``'s).

It keeps Stripe's idempotency rule (a key answers with its first result, so a repeated key
makes no second refund, PaymentIntent, customer or SetupIntent; such a key reused with other
parameters, other than a refund's, is a 400 idempotency_error) and records every request: method, path, form fields (the query string
of a GET) and Idempotency-Key header. ``fail_next`` queues what the next requests of a method
(POST unless told) meet:

- ``"card_error"``: 402, type card_error, code card_declined (saved as the key's answer);
- ``"card_declined"``, ``"insufficient_funds"`` (code card_declined, decline_code
  insufficient_funds), ``"expired_card"``, ``"authentication_required"`` (what Stripe answers
  an off-session payment the bank wants confirmed): 402 card errors for a new PaymentIntent,
  which Stripe still makes (requires_payment_method, in the error) and saves as the key's answer;
- ``"already_refunded"``: 400, invalid_request_error, code charge_already_refunded (saved);
- ``"server_error"``: 500 before Stripe's idempotency layer (nothing saved, nothing made);
- ``"unauthorized"``: 401, the API key is not valid;
- ``"slow"``: the refund or PaymentIntent is made and saved, but the answer comes only after
  ``delay`` seconds, longer than the client's timeout: the caller never hears it.

Also builds signed webhook requests as Stripe does (``signed_headers``).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import stripe

WEBHOOK_SECRET = "whsec_test_secret"
FAULTS = (
    "card_error",
    "card_declined",
    "insufficient_funds",
    "expired_card",
    "authentication_required",
    "already_refunded",
    "server_error",
    "unauthorized",
    "slow",
)
# fault → (code, decline_code, message) of the 402 card error a new PaymentIntent meets.
CARD_ERRORS = {
    "card_error": ("card_declined", None, "Your card was declined."),
    "card_declined": ("card_declined", None, "Your card was declined."),
    "insufficient_funds": ("card_declined", "insufficient_funds", "Your card has insufficient funds."),
    "expired_card": ("expired_card", None, "Your card has expired."),
    "authentication_required": (
        "authentication_required",
        "authentication_required",
        "Your card was declined. This transaction requires authentication.",
    ),
}

# Stripe's test cards a SetupIntent can be confirmed with (``confirm_setup``): the number's last
# four, and what later PaymentIntents on the saved card meet.
CARDS = {
    "4242": "4242",  # 4242 4242 4242 4242: every payment succeeds
    "auth": "3184",  # 4000 0027 6000 3184: the bank wants authentication on every payment
    "decline": "0341",  # 4000 0000 0000 0341: saved, but every payment is declined
    "refuse": "0002",  # 4000 0000 0000 0002: declined already when it is being saved
}


@dataclass
class Recorded:
    method: str
    path: str
    form: dict[str, str]
    idempotency_key: str | None
    authorization: str | None


@dataclass
class FakeStripe:
    delay: float = 1.5
    refund_status: str = "succeeded"  # the status new refunds get
    requests: list[Recorded] = field(default_factory=list)
    refunds: dict[str, dict] = field(default_factory=dict)  # id -> refund object
    intent_status: str = "succeeded"  # the status new PaymentIntents get
    intent_error: dict | None = None  # the last_payment_error new PaymentIntents get
    intents: dict[str, dict] = field(default_factory=dict)  # id -> PaymentIntent made by POST
    payments: dict[str, dict] = field(default_factory=dict)  # id -> original payment (add_payment)
    customers: dict[str, dict] = field(default_factory=dict)  # id -> customer
    setup_intents: dict[str, dict] = field(default_factory=dict)  # id -> SetupIntent
    payment_methods: dict[str, dict] = field(default_factory=dict)  # id -> card payment method
    card_kinds: dict[str, str] = field(default_factory=dict)  # payment method id -> CARDS key
    _answers: dict[str, tuple[int, dict]] = field(default_factory=dict)  # idempotency key -> first answer
    _intent_requests: dict[str, dict[str, str]] = field(default_factory=dict)  # key -> first form
    _faults: list[tuple[str, str]] = field(default_factory=list)  # (method, fault)
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _server: ThreadingHTTPServer | None = None

    # -- the test's side ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def fail_next(self, fault: str, times: int = 1, *, method: str = "POST") -> None:
        """The next ``times`` requests of ``method`` meet ``fault`` (other methods pass by)."""
        assert fault in FAULTS, fault
        with self._lock:
            self._faults.extend([(method.upper(), fault)] * times)

    def refund_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == "/v1/refunds" and r.method == "POST"]

    def intent_requests(self) -> list[Recorded]:
        """The requests that create a PaymentIntent."""
        return [r for r in self.requests if r.path == "/v1/payment_intents" and r.method == "POST"]

    def setup_requests(self) -> list[Recorded]:
        """The requests that create a SetupIntent."""
        return [r for r in self.requests if r.path == "/v1/setup_intents" and r.method == "POST"]

    def customer_requests(self) -> list[Recorded]:
        """The requests that create a customer."""
        return [r for r in self.requests if r.path == "/v1/customers" and r.method == "POST"]

    def confirm_setup(self, setup_id: str, card: str = "4242") -> dict:
        """The buyer enters a card on the page and Stripe.js ``confirmCardSetup`` confirms the
        SetupIntent (any 3-D Secure step passed): the card is saved on the SetupIntent's customer,
        unless it is the "refuse" card, which leaves the SetupIntent waiting with the decline
        in ``last_setup_error``."""
        assert card in CARDS, card
        with self._lock:
            setup = self.setup_intents[setup_id]
            assert setup["status"] in ("requires_payment_method", "requires_confirmation", "requires_action"), setup
            method = self._payment_method(card, None)
            if card == "refuse":
                setup["last_setup_error"] = {
                    "type": "card_error",
                    "code": "card_declined",
                    "decline_code": "generic_decline",
                    "message": "Your card was declined.",
                    "payment_method": method,
                }
                setup["status"] = "requires_payment_method"
                return setup
            method["customer"] = setup["customer"]
            setup.update(
                {
                    "status": "succeeded",
                    "payment_method": method["id"],
                    "latest_attempt": f"setatt_{next(self._ids):06d}",
                    "last_setup_error": None,
                    "next_action": None,
                }
            )
            return setup

    def confirm_payment(self, intent_id: str, *, authenticated: bool = True) -> dict:
        """The buyer's bank step for an intent in requires_action (Stripe.js ``handleNextAction``):
        passed, the intent succeeds; failed, it waits for another payment method."""
        with self._lock:
            intent = self.intents[intent_id]
            assert intent["status"] == "requires_action", intent
            intent["next_action"] = None
            if authenticated:
                intent.update({"status": "succeeded", "latest_charge": f"ch_{intent_id[3:]}"})
            else:
                intent.update(
                    {
                        "status": "requires_payment_method",
                        "last_payment_error": {
                            "type": "invalid_request_error",
                            "code": "payment_intent_authentication_failure",
                            "message": "The provided PaymentMethod has failed authentication. You can provide "
                            "payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent "
                            "again.",
                        },
                    }
                )
            return intent

    def forget_keys(self) -> None:
        """What Stripe does with idempotency keys after 24 hours."""
        with self._lock:
            self._answers.clear()
            self._intent_requests.clear()

    def add_payment(
        self,
        reference: str = "pi_123",
        *,
        customer: str | None = "cus_buyer",
        payment_method: str | None = "pm_saved_card",
        amount: int = 94800,
    ) -> dict:
        """The order's original payment (a PaymentIntent ``pi_…``, else a Charge), as Stripe
        keeps it; None leaves out the customer or the saved card."""
        kind = "payment_intent" if reference.startswith("pi_") else "charge"
        payment = {
            "id": reference,
            "object": kind,
            "amount": amount,
            "currency": "eur",
            "customer": customer,
            "payment_method": payment_method,
            "status": "succeeded",
            "created": int(time.time()) - 86400,
            "metadata": {},
        }
        if kind == "payment_intent":
            payment["setup_future_usage"] = "off_session" if customer and payment_method else None
            payment["latest_charge"] = "ch_original"
        with self._lock:
            self.payments[reference] = payment
            if customer and customer not in self.customers:
                self.customers[customer] = _customer(customer, None, {})
            if payment_method and payment_method not in self.payment_methods:
                self._payment_method("4242", customer, payment_method)
        return payment

    def start(self) -> FakeStripe:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                self._handle("POST", self.path, self.rfile.read(length).decode())

            def do_GET(self):  # noqa: N802
                url = urlsplit(self.path)
                self._handle("GET", url.path, url.query)

            def _handle(self, method: str, path: str, body: str) -> None:
                recorded = Recorded(
                    method=method,
                    path=path,
                    form=dict(parse_qsl(body, keep_blank_values=True)),
                    idempotency_key=self.headers.get("Idempotency-Key"),
                    authorization=self.headers.get("Authorization"),
                )
                status, answer, delay = fake._answer(recorded)
                if delay:
                    fake._stop.wait(delay)
                self._send(status, answer)

            def _send(self, status: int, answer: dict) -> None:
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.send_header("Request-Id", f"req_{next(fake._ids)}")
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a timeout): the answer is lost

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeStripe:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- Stripe's side -----------------------------------------------------------------------

    def _take_fault(self, method: str) -> str | None:
        for i, (wanted, fault) in enumerate(self._faults):
            if wanted == method:
                del self._faults[i]
                return fault
        return None

    def _answer(self, recorded: Recorded) -> tuple[int, dict, float]:
        with self._lock:
            self.requests.append(recorded)
            fault = self._take_fault(recorded.method)
            if fault == "server_error":
                return 500, _error("api_error", None, "An unknown error occurred."), 0
            if fault == "unauthorized":
                return 401, _error("invalid_request_error", None, "Invalid API Key provided: sk_test_x"), 0
            delay = self.delay if fault == "slow" else 0
            if recorded.method == "GET":
                status, answer = self._read(recorded)
                return status, answer, delay
            if recorded.path == "/v1/payment_intents":
                status, answer = self._create_intent(recorded, fault)
                return status, answer, delay
            if recorded.path == "/v1/customers":
                status, answer = self._keyed(recorded, self._create_customer)
                return status, answer, delay
            if recorded.path == "/v1/setup_intents":
                status, answer = self._keyed(recorded, self._create_setup)
                return status, answer, delay
            if recorded.path != "/v1/refunds":
                return 404, _error("invalid_request_error", "resource_missing", "Unrecognized request URL."), 0
            key = recorded.idempotency_key
            if key and key in self._answers:
                status, answer = self._answers[key]
                return status, answer, delay
            status, answer = self._decide(recorded.form, fault)
            if key:
                self._answers[key] = (status, answer)
            return status, answer, delay

    def _decide(self, form: dict[str, str], fault: str | None) -> tuple[int, dict]:
        if fault == "card_error":
            return 402, _error("card_error", "card_declined", "Your card was declined.")
        if fault == "already_refunded":
            return 400, _error(
                "invalid_request_error", "charge_already_refunded", "Charge ch_1 has already been refunded."
            )
        if "amount" not in form or not (form.get("payment_intent") or form.get("charge")):
            return 400, _error("invalid_request_error", "parameter_missing", "Missing required param.")
        refund_id = f"re_{next(self._ids):06d}"
        refund = {
            "id": refund_id,
            "object": "refund",
            "amount": int(form["amount"]),
            "currency": "eur",
            "charge": "ch_fake",
            "payment_intent": form.get("payment_intent"),
            "created": int(time.time()),
            "metadata": {k[len("metadata[") : -1]: v for k, v in form.items() if k.startswith("metadata[")},
            "reason": None,
            "status": self.refund_status,
            "failure_reason": None,
        }
        self.refunds[refund_id] = refund
        return 200, refund

    def _read(self, recorded: Recorded) -> tuple[int, dict]:
        path = recorded.path
        if path == "/v1/payment_intents":
            return 200, self._list_intents(recorded.form)
        for prefix, kind, found_in in (
            ("/v1/setup_intents/", "setup_intent", self.setup_intents),
            ("/v1/payment_methods/", "payment_method", self.payment_methods),
            ("/v1/customers/", "customer", self.customers),
        ):
            object_id = path[len(prefix) :] if path.startswith(prefix) else ""
            if object_id and "/" not in object_id:
                if object_id in found_in:
                    return 200, found_in[object_id]
                name = {"setup_intent": "setupintent", "payment_method": "PaymentMethod"}.get(kind, kind)
                return 404, _error("invalid_request_error", "resource_missing", f"No such {name}: '{object_id}'")
        for prefix, kind in (("/v1/payment_intents/", "payment_intent"), ("/v1/charges/", "charge")):
            object_id = path[len(prefix) :] if path.startswith(prefix) else ""
            if object_id and "/" not in object_id:
                found = self.payments.get(object_id) or self.intents.get(object_id)
                if found is not None and found["object"] == kind:
                    return 200, found
                return 404, _error("invalid_request_error", "resource_missing", f"No such {kind}: '{object_id}'")
        return 404, _error("invalid_request_error", "resource_missing", "Unrecognized request URL.")

    def _list_intents(self, query: dict[str, str]) -> dict:
        found = [
            i
            for i in reversed([*self.payments.values(), *self.intents.values()])  # newest first
            if i["object"] == "payment_intent" and (not query.get("customer") or i["customer"] == query["customer"])
        ]
        after = query.get("starting_after")
        if after:
            ids = [i["id"] for i in found]
            found = found[ids.index(after) + 1 :] if after in ids else []
        limit = int(query.get("limit") or 10)
        return {
            "object": "list",
            "url": "/v1/payment_intents",
            "data": found[:limit],
            "has_more": len(found) > limit,
        }

    def _keyed(self, recorded: Recorded, decide) -> tuple[int, dict]:
        """Stripe's idempotency layer around a create: a key answers with its first answer."""
        form, key = recorded.form, recorded.idempotency_key
        if key and key in self._answers:
            if self._intent_requests.get(key) != form:
                return 400, _error(
                    "idempotency_error",
                    None,
                    f"Keys for idempotent requests can only be used with the same parameters they were first "
                    f"used with. Try using a key other than '{key}' if you meant to execute a different request.",
                )
            return self._answers[key]
        status, answer = decide(form)
        if key:
            self._answers[key] = (status, answer)
            self._intent_requests[key] = form
        return status, answer

    def _create_customer(self, form: dict[str, str]) -> tuple[int, dict]:
        customer = _customer(f"cus_{next(self._ids):06d}", form.get("email") or None, _metadata(form))
        self.customers[customer["id"]] = customer
        return 200, customer

    def _create_setup(self, form: dict[str, str]) -> tuple[int, dict]:
        customer = form.get("customer") or None
        if customer is not None and customer not in self.customers:
            error = _error("invalid_request_error", "resource_missing", f"No such customer: '{customer}'")
            error["error"]["param"] = "customer"
            return 400, error
        usage = form.get("usage") or "off_session"
        if usage not in ("off_session", "on_session"):
            error = _error("invalid_request_error", "parameter_invalid_string", "Invalid usage.")
            error["error"]["param"] = "usage"
            return 400, error
        automatic = None
        if form.get("automatic_payment_methods[enabled]") == "true":
            automatic = {
                "enabled": True,
                "allow_redirects": form.get("automatic_payment_methods[allow_redirects]") or "always",
            }
        setup_id = f"seti_{next(self._ids):06d}"
        setup = {
            "id": setup_id,
            "object": "setup_intent",
            "application": None,
            "automatic_payment_methods": automatic,
            "cancellation_reason": None,
            "client_secret": f"{setup_id}_secret_{next(self._ids):08d}",
            "created": int(time.time()),
            "customer": customer,
            "description": None,
            "flow_directions": None,
            "last_setup_error": None,
            "latest_attempt": None,
            "livemode": False,
            "mandate": None,
            "metadata": _metadata(form),
            "next_action": None,
            "on_behalf_of": None,
            "payment_method": None,
            "payment_method_options": {
                "card": {"mandate_options": None, "network": None, "request_three_d_secure": "automatic"}
            },
            "payment_method_types": ["card"],
            "single_use_mandate": None,
            "status": "requires_payment_method",
            "usage": usage,
        }
        self.setup_intents[setup_id] = setup
        return 200, setup

    def _payment_method(self, card: str, customer: str | None, method_id: str | None = None) -> dict:
        method_id = method_id or f"pm_{next(self._ids):06d}"
        method = {
            "id": method_id,
            "object": "payment_method",
            "allow_redisplay": "unspecified",
            "billing_details": {"address": None, "email": None, "name": None, "phone": None},
            "card": {
                "brand": "visa",
                "checks": {"address_line1_check": None, "address_postal_code_check": None, "cvc_check": "pass"},
                "country": "US",
                "display_brand": "visa",
                "exp_month": 12,
                "exp_year": time.gmtime().tm_year + 3,
                "funding": "credit",
                "last4": CARDS[card],
                "networks": {"available": ["visa"], "preferred": None},
                "three_d_secure_usage": {"supported": True},
                "wallet": None,
            },
            "created": int(time.time()),
            "customer": customer,
            "livemode": False,
            "metadata": {},
            "type": "card",
        }
        self.payment_methods[method_id] = method
        self.card_kinds[method_id] = card
        return method

    def _create_intent(self, recorded: Recorded, fault: str | None) -> tuple[int, dict]:
        return self._keyed(recorded, lambda form: self._decide_intent(form, fault))

    def _decide_intent(self, form: dict[str, str], fault: str | None) -> tuple[int, dict]:
        if not form.get("amount") or not form.get("currency"):
            return 400, _error("invalid_request_error", "parameter_missing", "Missing required param: amount.")
        redirects = form.get("automatic_payment_methods[allow_redirects]", "always")
        if form.get("confirm") == "true" and redirects != "never" and not form.get("return_url"):
            return 400, _error(
                "invalid_request_error",
                None,
                "A `return_url` must be specified because this Payment Intent is configured to automatically "
                "accept the payment methods enabled in the Dashboard, some of which may require a full page "
                "redirect to succeed.",
            )
        method_id = form.get("payment_method")
        method = self.payment_methods.get(method_id or "")
        if method is not None and method["customer"] and method["customer"] != form.get("customer"):
            error = _error(
                "invalid_request_error",
                None,
                f"The provided PaymentMethod {method_id} belongs to a different Customer than the one given.",
            )
            error["error"]["param"] = "payment_method"
            return 400, error
        card = self.card_kinds.get(method_id or "")
        off_session = form.get("off_session") == "true"
        card_error = CARD_ERRORS.get(fault or "")
        if card_error is None and form.get("confirm") == "true":
            if card == "decline":
                card_error = ("card_declined", "generic_decline", "Your card was declined.")
            elif card == "auth" and off_session:
                card_error = CARD_ERRORS["authentication_required"]
        needs_action = card_error is None and card == "auth" and form.get("confirm") == "true"
        last_error = self.intent_error
        if card_error is not None:
            code, decline_code, message = card_error
            last_error = {"type": "card_error", "code": code, "message": message}
            if decline_code:
                last_error["decline_code"] = decline_code
        intent_id = f"pi_{next(self._ids):06d}"
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": int(form["amount"]),
            "currency": form["currency"],
            "customer": form.get("customer"),
            "payment_method": form.get("payment_method"),
            "confirmation_method": "automatic",
            "capture_method": "automatic",
            "created": int(time.time()),
            "metadata": {k[len("metadata[") : -1]: v for k, v in form.items() if k.startswith("metadata[")},
            "status": "requires_payment_method" if card_error else self.intent_status,
            "last_payment_error": last_error,
            "latest_charge": f"ch_{intent_id[3:]}",
            "client_secret": f"{intent_id}_secret_{next(self._ids):08d}",
            "next_action": None,
            "setup_future_usage": None,
        }
        if needs_action:  # on-session: the bank's 3-D Secure step, done by Stripe.js on the page
            intent.update(
                {
                    "status": "requires_action",
                    "last_payment_error": None,
                    "latest_charge": None,
                    "next_action": {
                        "type": "use_stripe_sdk",
                        "use_stripe_sdk": {"type": "three_d_secure_redirect", "stripe_js": "https://hooks.stripe.com/"},
                    },
                }
            )
        self.intents[intent_id] = intent
        if card_error is not None:
            error = _error("card_error", card_error[0], card_error[2])
            error["error"].update({"payment_intent": intent, "charge": intent["latest_charge"]})
            if method is not None:
                error["error"]["payment_method"] = method
            if card_error[1]:
                error["error"]["decline_code"] = card_error[1]
            return 402, error
        return 200, intent


def _metadata(form: dict[str, str]) -> dict[str, str]:
    return {k[len("metadata[") : -1]: v for k, v in form.items() if k.startswith("metadata[")}


def _customer(customer_id: str, email: str | None, metadata: dict[str, str]) -> dict:
    return {
        "id": customer_id,
        "object": "customer",
        "created": int(time.time()),
        "email": email,
        "invoice_settings": {"default_payment_method": None},
        "livemode": False,
        "metadata": metadata,
        "name": None,
    }


def _error(kind: str, code: str | None, message: str) -> dict:
    error: dict[str, Any] = {"type": kind, "message": message}
    if code:
        error["code"] = code
    return {"error": error}


# -- webhooks ------------------------------------------------------------------------------


def event(event_type: str, obj: dict, *, event_id: str | None = None) -> dict:
    """A Stripe event around an object, as Stripe posts it."""
    return {
        "id": event_id or f"evt_{next(_event_ids):08d}",
        "object": "event",
        "api_version": "2025-01-27.acacia",
        "created": int(time.time()),
        "livemode": False,
        "pending_webhooks": 1,
        "type": event_type,
        "data": {"object": obj},
    }


_event_ids = itertools.count(1)


def signed_headers(payload: str, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> dict[str, str]:
    """The headers Stripe sends: Stripe-Signature is t=<ts>,v1=<HMAC-SHA256 of "<ts>.<body>">."""
    signature = stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)
    return {"Content-Type": "application/json", "Stripe-Signature": signature}


# -- the app's side --------------------------------------------------------------------------


def use_fake_stripe(app, fake: FakeStripe, **settings: Any) -> None:
    """Point the app's Stripe provider at the fake (a short timeout, the library's retries on)."""
    app.config.update(
        {
            "STRIPE_SECRET_KEY": "sk_test_x",
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_API_BASE": fake.url,
            "STRIPE_TIMEOUT_SECONDS": 0.5,
            "STRIPE_MAX_NETWORK_RETRIES": 2,
            **settings,
        }
    )
    close_providers(app)


def close_providers(app) -> None:
    """Forget the providers built from the previous settings (and close their connections)."""
    for provider in app.extensions.pop("apuri.payment_providers", {}).values():
        close = getattr(provider, "close", None)
        if close is not None:
            close()
