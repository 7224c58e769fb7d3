"""Run by test_refund_crash.py in its own process: request a refund, and die (os._exit) right
after the provider has refunded and before the outcome is written to the ledger."""

import os
import sys

database_url, order_id = sys.argv[1], sys.argv[2]

from portal import create_app  # noqa: E402
from portal.actors import Actor  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.orders.models import Order  # noqa: E402
from portal.payments import services  # noqa: E402


def crash(*_args, **_kwargs):
    sys.stdout.flush()
    os._exit(137)  # the process dies: no exception handler, no rollback, no cleanup


app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url)
services.record_outcome = crash
with app.app_context():
    order = db.session.get(Order, order_id)
    services.request_refund(order, 10000, "manual", "crash test", Actor.system("crash-worker"))
    print("not reached")
