from datetime import date, timedelta

from sqlalchemy import select

from portal import scheduler
from portal.extensions import db
from portal.notifications.models import OutboxMessage


def test_the_scheduler_sends_a_late_notice_once_and_survives_a_failing_job(app, make_merchant, make_order, monkeypatch):
    shop = make_merchant("kodinkone")
    make_order(shop, "1001", locale="fi", promised_delivery_date=(date.today() - timedelta(days=2)).isoformat())

    def broken():
        raise RuntimeError("carrier API down")

    monkeypatch.setattr(scheduler, "PERIODIC", [("broken", 60, broken)] + scheduler.PERIODIC)
    last_run: dict[str, float] = {}
    ran = scheduler.run_due(app, last_run, now=10_000.0)
    assert ran == [
        "late-orders",
        "mail-retry",
        "refund-reconcile",
        "instalments",
        "sla",
        "webhooks",
        "tracking-staleness",
        "job-retries",
        "callback-erasure",
        "feedback",
    ]
    # within the interval nothing runs again
    assert scheduler.run_due(app, last_run, now=10_030.0) == []
    late = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "order_late")).all()
    assert len(late) == 1 and late[0].recipient == "aino@example.fi"
    scheduler.run_due(app, last_run, now=20_000.0)
    assert (
        db.session.scalar(select(db.func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "order_late"))
        == 1
    )
