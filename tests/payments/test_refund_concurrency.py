"""20 staff members refund one order at the same moment: never more than was captured."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from portal.actors import Actor
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.orders.models import Order
from portal.payments import services as ledger
from portal.payments.models import Refund, SimulatedTransaction


# On both databases: PostgreSQL locks the order row; SQLite takes its write lock (lock_one).
def test_twenty_parallel_refunds_never_exceed_what_was_captured(app, make_merchant, make_order):
    shop = make_merchant("kodinkone")
    order = make_order(shop, "1001")  # captured 94 800
    order_id = order.id
    db.session.remove()
    amount = 94800 // 10 + 500  # ten of these would be too much: nine fit
    barrier = threading.Barrier(20)
    accepted: list[str] = []
    refused: list[Exception] = []
    unexpected: list[Exception] = []

    def refund(n: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)  # before touching the pool: 20 threads, 15 connections
                locked_order = db.session.get(Order, order_id)
                accepted.append(
                    ledger.request_refund(locked_order, amount, "manual", f"parallel {n}", Actor.system(f"t{n}")).id
                )
            except ValidationFailed as exc:
                refused.append(exc)
            except Exception as exc:  # reported below
                unexpected.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=refund, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert unexpected == []
    assert len(accepted) == 9 and len(refused) == 11
    total = db.session.scalar(select(func.sum(Refund.amount)).where(Refund.status.in_(["pending", "succeeded"])))
    assert total == 9 * amount <= 94800
    assert db.session.scalar(select(func.count()).select_from(SimulatedTransaction)) == 9
    assert all("refunded" in str(exc.fields["amount"][0]) for exc in refused)
