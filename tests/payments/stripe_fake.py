"""A fake Stripe API on loopback, for driving the real ``stripe`` library in tests.

It answers ``POST /v1/refunds`` as Stripe does (form-encoded request, JSON refund object or
``{"error": {...}}``), keeps Stripe's idempotency rule (a key answers with its first result, so
a repeated key makes no second refund) and records every request: path, form fields and
Idempotency-Key header. ``fail_next`` queues what the next requests meet:

- ``"card_error"``: 402, type card_error, code card_declined (saved as the key's answer);
- ``"already_refunded"``: 400, invalid_request_error, code charge_already_refunded (saved);
- ``"server_error"``: 500 before Stripe's idempotency layer (nothing saved, nothing refunded);
- ``"unauthorized"``: 401, the API key is not valid;
- ``"slow"``: the refund is made and saved, but the answer comes only after ``delay`` seconds,
  longer than the client's timeout: the caller never hears it.

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
from urllib.parse import parse_qsl

import stripe

WEBHOOK_SECRET = "whsec_test_secret"


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
    _answers: dict[str, tuple[int, dict]] = field(default_factory=dict)  # idempotency key -> first answer
    _faults: list[str] = field(default_factory=list)
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

    def fail_next(self, fault: str, times: int = 1) -> None:
        assert fault in ("card_error", "already_refunded", "server_error", "unauthorized", "slow"), fault
        with self._lock:
            self._faults.extend([fault] * times)

    def refund_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == "/v1/refunds" and r.method == "POST"]

    def start(self) -> FakeStripe:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                recorded = Recorded(
                    method="POST",
                    path=self.path,
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

    def _answer(self, recorded: Recorded) -> tuple[int, dict, float]:
        with self._lock:
            self.requests.append(recorded)
            fault = self._faults.pop(0) if self._faults else None
            if recorded.path != "/v1/refunds":
                return 404, _error("invalid_request_error", "resource_missing", "Unrecognized request URL."), 0
            if fault == "server_error":
                return 500, _error("api_error", None, "An unknown error occurred."), 0
            if fault == "unauthorized":
                return 401, _error("invalid_request_error", None, "Invalid API Key provided: sk_test_x"), 0
            delay = self.delay if fault == "slow" else 0
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
