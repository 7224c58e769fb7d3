"""Two carriers report delivery of two parcels of one order at the same moment."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from portal.actors import Actor
from portal.extensions import db
from portal.merchants.models import Merchant
from portal.notifications.models import OutboxMessage
from portal.orders.models import Order
from portal.orders.services import add_shipment, add_tracking_event

SYSTEM = Actor.system("tests")


@pytest.mark.postgres
def test_parallel_deliveries_of_two_parcels_deliver_the_order_once(app, make_merchant, make_order):
    shop = make_merchant("kodinkone")
    make_order(shop, "1001")
    first = add_shipment(shop, "1001", {"carrier": "Posti", "tracking_number": "A1"}, actor=SYSTEM)
    second = add_shipment(shop, "1001", {"carrier": "Posti", "tracking_number": "A2"}, actor=SYSTEM)
    shipment_ids, shop_id = [first.id, second.id], shop.id
    db.session.remove()
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def deliver(shipment_id: str) -> None:
        with app.app_context():
            try:
                barrier.wait()
                merchant = db.session.get(Merchant, shop_id)
                add_tracking_event(
                    merchant,
                    shipment_id,
                    {"status": "delivered", "occurred_at": datetime.now(UTC).isoformat()},
                    actor=SYSTEM,
                )
            except Exception as exc:  # reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=deliver, args=(ident,)) for ident in shipment_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    order = db.session.scalar(select(Order).where(Order.number == "1001"))
    assert order.delivery_status == "delivered"
    assert order.delivered_at is not None
    delivered_mails = db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "order_delivered")
    )
    assert delivered_mails == 1
