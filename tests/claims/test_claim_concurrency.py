"""Twenty staff and systems accept one claim at the same moment: one refund, one answer."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from portal.claims import services as claims
from portal.extensions import db
from portal.payments.models import Refund, SimulatedTransaction
from tests.claims.conftest import BUYER, SHOP, claim_body


# On both databases: PostgreSQL locks the order row; SQLite takes its write lock (lock_one).
def test_twenty_simultaneous_accepts_make_one_refund(app, make_merchant, delivered_order, photo):
    shop = make_merchant()
    order = delivered_order(shop)
    claim = claims.open_claim(order, claim_body(amount=20000), photos=[photo], actor=BUYER)
    shop_id, claim_id, order_id = shop.id, claim.id, order.id
    db.session.remove()
    barrier = threading.Barrier(20)
    answers, unexpected = [], []

    def accept() -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                answers.append(claims.accept(shop_id, claim_id, actor=SHOP).refund_id)
            except Exception as exc:  # reported by the assertion below
                unexpected.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=accept) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert unexpected == []
    assert len(answers) == 20 and len(set(answers)) == 1  # the same answer to everyone
    refunds = db.session.scalars(select(Refund).where(Refund.order_id == order_id)).all()
    assert [(r.amount, r.source, r.status) for r in refunds] == [(20000, "claim", "succeeded")]
    assert db.session.scalar(select(func.count()).select_from(SimulatedTransaction)) == 1
