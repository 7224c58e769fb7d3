"""Two tabs, a double click, the console and the API at once: one return, one refund, stock once."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from portal.catalogue.models import Variant
from portal.errors import Conflict, ValidationFailed
from portal.extensions import db
from portal.orders.models import Order
from portal.payments.models import Refund, SimulatedTransaction
from portal.returns import services
from portal.returns.models import ReturnRequest
from tests.returns.conftest import BUYER, SHOP, line


def _in_parallel(app, count: int, work) -> tuple[list, list, list]:
    barrier = threading.Barrier(count)
    done, refused, unexpected = [], [], []

    def run(n: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                done.append(work(n))
            except (ValidationFailed, Conflict) as exc:
                refused.append(exc)
            except Exception as exc:  # reported by the caller's assertion
                unexpected.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done, refused, unexpected


# On both databases: PostgreSQL locks the order row; SQLite takes its write lock (lock_one).
def test_eight_tabs_return_the_same_last_items_once(app, make_merchant, delivered_order, variants):
    shop = make_merchant()
    variants(shop)
    order = delivered_order(shop)
    order_id = order.id
    db.session.remove()

    def ask(n: int):
        exchange = {"resolution": "exchange", "exchange_sku": "SHOE-44"} if n % 2 else {}
        return services.request_return(
            db.session.get(Order, order_id), {"items": [line("L2", quantity=2, **exchange)]}, actor=BUYER
        ).id

    done, refused, unexpected = _in_parallel(app, 8, ask)
    assert unexpected == []
    assert len(done) == 1 and len(refused) == 7
    assert db.session.scalar(select(func.count(ReturnRequest.id))) == 1
    stock = db.session.scalar(select(Variant).where(Variant.sku == "SHOE-44")).available
    winner = db.session.get(ReturnRequest, done[0])
    assert stock == (0 if winner.items[0].exchange_sku else 2)  # reserved once or not at all


def test_receive_clicked_in_six_places_refunds_once(app, make_merchant, delivered_order):
    shop = make_merchant()
    order = delivered_order(shop)
    ret = services.request_return(order, {"items": [line("L2", quantity=2)]}, actor=BUYER)
    services.approve(shop.id, ret.id, actor=SHOP)
    shop_id, ret_id, order_id = shop.id, ret.id, order.id
    db.session.remove()

    done, refused, unexpected = _in_parallel(
        app, 6, lambda n: services.receive(shop_id, ret_id, None, actor=SHOP).refund_id
    )
    assert unexpected == [] and refused == []
    assert len(set(done)) == 1
    refunds = db.session.scalars(select(Refund).where(Refund.order_id == order_id)).all()
    assert [(r.amount, r.status) for r in refunds] == [(10000, "succeeded")]
    assert db.session.scalar(select(func.count()).select_from(SimulatedTransaction)) == 1
