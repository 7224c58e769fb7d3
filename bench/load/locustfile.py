"""Buyers and merchants on Apuri, and the bare-Flask baseline, in one locust process.

- **Buyer** (weighted): opens an order's page (from the e-mail's signed link now and then, else
  reloading it), reads the tracking through the buyer JSON API, starts a return on a fresh
  order through the real HTML form (CSRF token from the page), and reports a defect with a photo
  (a real JPEG made once with Pillow) through the real multipart form.
- **Merchant** (``LOAD_MERCHANTS`` users): signs in once through the real form, opens the
  inboxes (returns awaiting a decision, open claims), and approves a return or accepts a claim
  from them through the one-click forms.
- **Bare** (``LOAD_BARE_USERS`` users): the smallest Flask app under the same gunicorn settings,
  loaded at the same time: the yardstick the figures are divided by.

Every request is named by page, not by URL. A status other than the expected one (2xx, or the
302 a form answers with) or a page without what it must show is a failure. An order is taken
for a return or a claim once, by one user; running out of fresh orders is a failure too.

Settings from the environment (run.sh sets them): LOAD_DATA (the JSON prepare_load.py wrote),
LOAD_APP_URL, LOAD_BARE_URL, LOAD_MERCHANTS, LOAD_BARE_USERS, LOAD_WARMUP (seconds at the start
whose figures are dropped: every worker compiles its templates then), LOAD_WAIT_MIN/MAX (a
user's pause between two tasks, seconds), LOAD_SUMMARY (where the warm-up's failures and the
work done are written at the end).
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import resource
from html import unescape

import gevent
from locust import HttpUser, between, events, task

DATA = json.loads(open(os.environ.get("LOAD_DATA", "/tmp/apuri-load/data.json"), encoding="utf-8").read())
APP_URL = os.environ.get("LOAD_APP_URL", "http://127.0.0.1:8000")
BARE_URL = os.environ.get("LOAD_BARE_URL", "http://127.0.0.1:8001")
WARMUP = float(os.environ.get("LOAD_WARMUP", "30"))
WAIT = between(float(os.environ.get("LOAD_WAIT_MIN", "0.5")), float(os.environ.get("LOAD_WAIT_MAX", "2.0")))

# Fresh orders, each taken once (locust runs every user in one process: list.pop is atomic).
FRESH_RETURNS = list(DATA["returns"])
FRESH_CLAIMS = list(DATA["claims"])
random.shuffle(FRESH_RETURNS)
random.shuffle(FRESH_CLAIMS)
BROWSE = DATA["browse"]
STAFF = DATA["staff"]
PASSWORD = DATA["password"]

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
REDIRECT_STATUSES = (301, 302, 303)

# What happened, beyond locust's own figures (written to LOAD_SUMMARY at the end).
SUMMARY = {
    "warmup_seconds": WARMUP,
    "warmup_requests": 0,
    "warmup_failures": [],
    "returns_sent": 0,
    "claims_sent": 0,
    "returns_approved": 0,
    "claims_accepted": 0,
    "already_decided": 0,
    "inbox_empty": 0,
}
_measuring = {"on": WARMUP <= 0}


def _photo() -> bytes:
    """A small real photo: 800×600, a gradient with some noise, as a phone's JPEG would be."""
    from PIL import Image

    rng = random.Random(7)
    image = Image.new("RGB", (800, 600))
    pixels = image.load()
    for y in range(600):
        for x in range(800):
            n = rng.randint(-12, 12)
            pixels[x, y] = (max(0, min(255, x * 255 // 800 + n)), max(0, min(255, y * 255 // 600 + n)), 120 + n)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


PHOTO = _photo()


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@events.test_start.add_listener
def _start_warmup(environment, **_kwargs):
    SUMMARY["locust_cpu_seconds"] = -_cpu_seconds()
    if WARMUP <= 0:
        return

    def end_warmup():
        gevent.sleep(WARMUP)
        environment.runner.stats.reset_all()
        _measuring["on"] = True

    gevent.spawn(end_warmup)


@events.request.add_listener
def _count_warmup(name, exception, response=None, **_kwargs):
    if _measuring["on"]:
        return
    SUMMARY["warmup_requests"] += 1
    if exception is not None:
        SUMMARY["warmup_failures"].append(f"{name}: {exception}"[:300])


@events.test_stop.add_listener
def _write_summary(environment, **_kwargs):
    SUMMARY["locust_cpu_seconds"] = round(SUMMARY["locust_cpu_seconds"] + _cpu_seconds(), 2)
    SUMMARY["fresh_returns_left"] = len(FRESH_RETURNS)
    SUMMARY["fresh_claims_left"] = len(FRESH_CLAIMS)
    path = os.environ.get("LOAD_SUMMARY")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            json.dump(SUMMARY, out, indent=1)


def csrf_of(html: str) -> str | None:
    found = CSRF_RE.search(html)
    return found.group(1) if found else None


class Page:
    """One request, checked: the expected status and, for a page, the text it must contain."""

    def __init__(self, user: HttpUser, method: str, url: str, name: str, *, expect=200, must=(), **kwargs):
        self.response = None
        self.ok = False
        kwargs.setdefault("allow_redirects", False)
        with user.client.request(method, url, name=name, catch_response=True, **kwargs) as response:
            self.response = response
            wanted = expect if isinstance(expect, tuple) else (expect,)
            if response.status_code not in wanted:
                where = response.headers.get("Location", "")
                response.failure(f"status {response.status_code}{' to ' + where if where else ''}, not {expect}")
                return
            text = response.text if must else ""
            missing = [m for m in must if m not in text]
            if missing:
                response.failure(f"the page lacks {missing[0]!r}")
                return
            response.success()
            self.ok = True

    @property
    def text(self) -> str:
        return self.response.text

    @property
    def location(self) -> str:
        """The redirect's target as a path (the app answers with absolute or relative URLs)."""
        where = self.response.headers.get("Location", "")
        return re.sub(r"^https?://[^/]+", "", where)


def fail(user: HttpUser, name: str, message: str) -> None:
    """Record a failure that is no request's (e.g. no fresh order left)."""
    user.environment.events.request.fire(
        request_type="CHECK",
        name=name,
        response_time=0,
        response_length=0,
        response=None,
        context={},
        exception=Exception(message),
    )


class Buyer(HttpUser):
    """A buyer from the shop's e-mails: follows an order, returns items, reports a defect."""

    host = APP_URL
    wait_time = WAIT
    weight = 1

    def on_start(self):
        self.order = random.choice(BROWSE)
        self.linked: dict[str, str] = {}  # shop → the order whose link this browser opened last
        self.open_link(self.order)

    def open_link(self, row: dict) -> bool:
        """The signed link from the e-mail: a redirect to the order, then the order's page."""
        link = Page(self, "GET", row["link"], "buyer: open link (302)", expect=302)
        if not link.ok:
            return False
        if not link.location.endswith(f"/orders/{row['number']}"):
            link.response.failure(f"the link led to {link.location}")
            return False
        self.linked[row["shop"]] = row["number"]
        return self.order_page(row)

    def order_page(self, row: dict) -> bool:
        page = Page(
            self,
            "GET",
            f"/s/{row['shop']}/orders/{row['number']}",
            "buyer: order page",
            must=(row["number"], "JJFI6451230", "Parcel delivered"),
        )
        return page.ok

    @task(10)
    def follow_order(self):
        """Open the order again (tracking on the page); now and then another order, from its e-mail."""
        if random.random() < 0.25:
            self.order = random.choice(BROWSE)
        if self.linked.get(self.order["shop"]) != self.order["number"]:
            self.open_link(self.order)
        else:
            self.order_page(self.order)

    @task(4)
    def read_tracking(self):
        """The buyer JSON API's order: tracking events, refunds and what the buyer may do."""
        row = self.order
        with self.client.get(
            f"/api/v1/buyer/orders/{row['number']}",
            name="buyer: tracking (JSON API)",
            headers={"Authorization": f"Bearer {row['api_token']}"},
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
                return
            try:
                body = response.json()
                events_seen = sum(len(s.get("events") or []) for s in body.get("shipments") or [])
            except (ValueError, AttributeError):
                response.failure("not the order's JSON")
                return
            if body.get("number") != row["number"] or events_seen < 10:
                response.failure(f"order {body.get('number')!r} with {events_seen} tracking events")

    @task(1)
    def start_return(self):
        """A fresh delivered order: from its link to the return form, sent with its CSRF token."""
        if not FRESH_RETURNS:
            fail(self, "buyer: no fresh order left for a return", "the return pool ran out: prepare more orders")
            return
        row = FRESH_RETURNS.pop()
        if not self.open_link(row):
            return
        base = f"/s/{row['shop']}/orders/{row['number']}"
        form = Page(self, "GET", f"{base}/return", "buyer: return form", must=('name="qty-L2"', "csrf_token"))
        if not form.ok:
            return
        reason = re.search(
            r'name="reason-L2"[^>]*>\s*<option value="">[^<]*</option>\s*<option value="([a-z_]+)"', form.text
        )
        data = {
            "csrf_token": csrf_of(form.text),
            "qty-L2": "1",
            "reason-L2": reason.group(1) if reason else "changed_mind",
            "resolution-L2": "refund",
            "comment": "Liian pieni, kiitos!",
        }
        sent = Page(self, "POST", f"{base}/return", "buyer: send return (302)", expect=302, data=data)
        if not sent.ok:
            return
        if "/returns/" not in sent.location:
            sent.response.failure(f"the return form led to {sent.location}")
            return
        SUMMARY["returns_sent"] += 1
        Page(self, "GET", sent.location, "buyer: return page", must=(f"{row['number']}-R",))

    @task(1)
    def report_defect(self):
        """A fresh delivered order: the claim form for one item, a price reduction, one photo."""
        if not FRESH_CLAIMS:
            fail(self, "buyer: no fresh order left for a claim", "the claim pool ran out: prepare more orders")
            return
        row = FRESH_CLAIMS.pop()
        if not self.open_link(row):
            return
        base = f"/s/{row['shop']}/orders/{row['number']}"
        form = Page(self, "GET", f"{base}/claim?item=L1", "buyer: claim form", must=('name="photos"', "csrf_token"))
        if not form.ok:
            return
        choice = re.search(r'name="amount_choice" value="([^"]+)"', form.text)
        data = {
            "csrf_token": csrf_of(form.text),
            "item_id": "L1",
            "description": "Sauma ratkesi ensimmäisellä käyttökerralla, kuva liitteenä.",
            "remedy": "price_reduction",
            "amount_choice": unescape(choice.group(1)) if choice else "",
        }
        files = {"photos": ("sauma.jpg", PHOTO, "image/jpeg")}
        sent = Page(
            self, "POST", f"{base}/claim?item=L1", "buyer: send claim + photo (302)", expect=302, data=data, files=files
        )
        if not sent.ok:
            return
        if "/claims/" not in sent.location:
            sent.response.failure(f"the claim form led to {sent.location}")
            return
        SUMMARY["claims_sent"] += 1
        Page(self, "GET", sent.location, "buyer: claim page", must=(f"{row['number']}-C",))


class Merchant(HttpUser):
    """Shop staff: signed in once, working the inboxes."""

    host = APP_URL
    wait_time = between(1.0, 3.0)
    fixed_count = int(os.environ.get("LOAD_MERCHANTS", "3"))
    _next = 0

    def on_start(self):
        Merchant._next += 1
        self.staff = STAFF[(Merchant._next - 1) % len(STAFF)]
        form = Page(self, "GET", "/staff/login", "staff: sign-in form", must=("csrf_token",))
        if not form.ok:
            return
        data = {"csrf_token": csrf_of(form.text), "email": self.staff["email"], "password": PASSWORD, "next": ""}
        Page(self, "POST", "/staff/login", "staff: sign in (302)", expect=302, data=data)

    def inbox(self, kind: str) -> list[str]:
        """The inbox's page: returns awaiting a decision or open claims; the ids it lists."""
        if kind == "returns":
            page = Page(
                self, "GET", "/console/returns?status=requested", "staff: returns inbox", must=("return-filters",)
            )
        else:
            page = Page(self, "GET", "/console/claims", "staff: claims inbox", must=("claim-filters",))
        if not page.ok:
            return []
        prefix = "ret" if kind == "returns" else "clm"
        return sorted(set(re.findall(rf'href="/console/{kind}/({prefix}_[0-9a-z]+)"', page.text)))

    @task(3)
    def returns_inbox(self):
        self.inbox("returns")

    @task(3)
    def claims_inbox(self):
        self.inbox("claims")

    @task(2)
    def approve_return(self):
        ids = self.inbox("returns")
        if not ids:
            SUMMARY["inbox_empty"] += 1
            return
        return_id = random.choice(ids)
        page = Page(self, "GET", f"/console/returns/{return_id}", "staff: return page", must=(return_id,))
        if not page.ok:
            return
        if f'/console/returns/{return_id}/approve"' not in page.text:  # decided meanwhile by a colleague
            SUMMARY["already_decided"] += 1
            return
        data = {"csrf_token": csrf_of(page.text), "approve-message": "Tervetuloa palauttamaan."}
        done = Page(
            self, "POST", f"/console/returns/{return_id}/approve", "staff: approve return (302)", expect=302, data=data
        )
        if not done.ok:
            return
        after = Page(self, "GET", done.location, "staff: return page", must=(return_id,))
        if after.ok:
            if "was already approved" in after.text:
                SUMMARY["already_decided"] += 1
            elif " approved." in unescape(after.text):
                SUMMARY["returns_approved"] += 1
            else:
                after.response.failure("no word of the approval on the return's page")

    @task(2)
    def accept_claim(self):
        ids = self.inbox("claims")
        if not ids:
            SUMMARY["inbox_empty"] += 1
            return
        claim_id = random.choice(ids)
        page = Page(self, "GET", f"/console/claims/{claim_id}", "staff: claim page", must=(claim_id,))
        if not page.ok:
            return
        if f'/console/claims/{claim_id}/accept"' not in page.text:
            SUMMARY["already_decided"] += 1
            return
        data = {"csrf_token": csrf_of(page.text)}
        done = Page(
            self, "POST", f"/console/claims/{claim_id}/accept", "staff: accept claim (302)", expect=302, data=data
        )
        if not done.ok:
            return
        after = Page(self, "GET", done.location, "staff: claim page", must=(claim_id,))
        if after.ok:
            text = unescape(after.text)
            if "was already accepted" in text:
                SUMMARY["already_decided"] += 1
            elif " accepted." in text:
                SUMMARY["claims_accepted"] += 1
            else:
                after.response.failure("no word of the acceptance on the claim's page")


class Bare(HttpUser):
    """The yardstick: the bare Flask app's hello, as often as a buyer asks for pages."""

    host = BARE_URL
    wait_time = WAIT
    fixed_count = int(os.environ.get("LOAD_BARE_USERS", "3"))

    @task
    def hello(self):
        Page(self, "GET", "/", "bare: hello", must=("Hello, World!",))
