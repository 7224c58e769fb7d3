"""Run by test_ledger_crash.py as its own process: ``crash_worker.py ORDER_ID AMOUNT``.

Requests a refund on the database named by DATABASE_URL, with jobs inline as in the embedded
mode, and dies (``os._exit(137)``, as if killed) at the moment the provider's answer would be
written: the provider has refunded and committed its books, the ledger row stays pending.
"""

from __future__ import annotations

import os
import sys


def main(order_id: str, amount: int) -> None:
    from portal import create_app
    from portal.actors import Actor
    from portal.extensions import db
    from portal.orders.models import Order
    from portal.payments import services as ledger

    def die_before_recording(refund_id: str, **answer: object) -> None:
        print(f"provider answered {answer.get('status')} for {refund_id} attempt {answer.get('attempt')}", flush=True)
        os._exit(137)  # no rollback, no cleanup: the process is gone

    app = create_app("testing")  # the database comes from DATABASE_URL, as in production
    with app.app_context():
        assert app.config["JOBS_INLINE"]
        ledger.record_outcome = die_before_recording  # execute_refund looks it up at call time
        order = db.session.get(Order, order_id)
        ledger.request_refund(order, amount, "manual", "crash test", Actor.system("crash-worker"))
    print("the provider was never asked", flush=True)
    sys.exit(3)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
