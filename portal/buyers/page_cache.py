"""Rendered buyer order pages, kept in process memory.

A page is keyed by everything it shows: the order's version (bumped by every change the buyer
can see), the customer's version (their other orders), the language and the merchant's date
(lateness). A stale entry can therefore never be served; it just ages out.

The version itself comes from one small query (``order_head``), whose answer is kept for
ORDER_HEAD_TTL_SECONDS (default 1 s): a change made through another app process reaches a
buyer's page at most that much later; the process that made it forgets its copy at once.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, select


class PageCache:
    def __init__(self, size: int) -> None:
        self.size = size
        self._pages: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> str | None:
        if self.size <= 0:
            return None
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: Hashable, page: str) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


class HeadCache:
    """Order heads by (shop slug, order number), each kept for a few seconds at most."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._heads: OrderedDict[tuple[str, str], tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str], now: float) -> Any | None:
        with self._lock:
            entry = self._heads.get(key)
            if entry is None or entry[0] <= now:
                return None
            return entry[1]

    def put(self, key: tuple[str, str], head: Any, expires: float) -> None:
        with self._lock:
            self._heads[key] = (expires, head)
            self._heads.move_to_end(key)
            while len(self._heads) > self.size:
                self._heads.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._heads.clear()


_pages: PageCache | None = None
_heads = HeadCache()
_head_statement = None


def pages() -> PageCache:
    global _pages
    if _pages is None or _pages.size != current_app.config["ORDER_PAGE_CACHE_SIZE"]:
        _pages = PageCache(current_app.config["ORDER_PAGE_CACHE_SIZE"])
    return _pages


def clear() -> None:
    """Forget every page and head of this process (tests; after a change of this process)."""
    pages().clear()
    _heads.clear()


def _statement():
    """Built once: a Core statement with bound parameters costs a fraction of an ORM query."""
    global _head_statement
    if _head_statement is None:
        from portal.merchants.models import Merchant
        from portal.orders.models import Customer, Order

        orders, merchants, customers = Order.__table__, Merchant.__table__, Customer.__table__
        _head_statement = (
            select(
                orders.c.id,
                orders.c.version,
                orders.c.locale,
                orders.c.customer_id,
                orders.c.merchant_id,
                customers.c.version.label("customer_version"),
                merchants.c.timezone,
                merchants.c.version.label("merchant_version"),
            )
            .select_from(
                orders.join(merchants, orders.c.merchant_id == merchants.c.id).join(
                    customers, orders.c.customer_id == customers.c.id
                )
            )
            .where(merchants.c.slug == bindparam("slug"), orders.c.number == bindparam("number"))
        )
    return _head_statement


def order_head(slug: str, number: str):
    """Who may see the order and which version it is: (id, version, locale, customer_id,
    merchant_id, customer_version, timezone, merchant_version), or None when there is no such order."""
    from portal.extensions import db

    ttl = current_app.config["ORDER_HEAD_TTL_SECONDS"]
    now = time.monotonic()
    key = (slug, number)
    if ttl > 0:
        head = _heads.get(key, now)
        if head is not None:
            return head
    head = db.session.connection().execute(_statement(), {"slug": slug, "number": number}).first()
    if head is not None and ttl > 0:
        _heads.put(key, head, now + ttl)
    return head


def forget_all_heads() -> None:
    """A shop's policy changed in this process: every order's next page reads its head afresh."""
    _heads.clear()


def forget_order(slug: str, number: str) -> None:
    """This process changed the order: its next page shows the change at once."""
    with _heads._lock:
        _heads._heads.pop((slug, number), None)
