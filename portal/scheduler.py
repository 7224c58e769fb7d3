"""Periodic work: late-order notices, mail retries, refund reconcile, instalment charges and
reminders, the support desk's SLA check, webhook deliveries, parcels the carrier has gone quiet
about, and the retries of failed jobs. ``flask jobs scheduler`` runs it in production; the embedded demo runs the same
loop in a background thread of the dev server (INLINE_SCHEDULER=1, set by ``make run``)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from flask import Flask

log = logging.getLogger(__name__)


def _late_orders() -> None:
    from portal.orders.services import notify_late_orders

    notify_late_orders()


def _mail_retry() -> None:
    from portal.notifications.services import retry_failed

    retry_failed()


def _refund_reconcile() -> None:
    from portal.payments.charges import reconcile_charges
    from portal.payments.services import reconcile

    reconcile()
    reconcile_charges()


def _instalments() -> None:
    from portal.instalments.services import charge_due, send_reminders

    charge_due()
    send_reminders()


def _sla() -> None:
    from portal.support.services import check_sla

    check_sla()


def _tracking_staleness() -> None:
    from portal.orders.services import flag_stale_tracking

    flag_stale_tracking()


def _job_retries() -> None:
    from portal.jobs.parking import retry_due

    retry_due()


def _callback_erasure() -> None:
    from portal.callbacks.services import erase_phone_numbers

    erase_phone_numbers()


def _feedback() -> None:
    from portal.feedback.services import send_due_feedback

    send_due_feedback()


def _webhooks() -> None:
    from portal.integrations.webhooks import deliver_due

    deliver_due()


# (name, every N seconds, job)
PERIODIC: list[tuple[str, int, Callable[[], None]]] = [
    ("late-orders", 15 * 60, _late_orders),
    ("mail-retry", 10 * 60, _mail_retry),
    ("refund-reconcile", 5 * 60, _refund_reconcile),
    ("instalments", 60 * 60, _instalments),
    ("sla", 5 * 60, _sla),
    ("webhooks", 60, _webhooks),
    ("tracking-staleness", 60 * 60, _tracking_staleness),
    ("job-retries", 60, _job_retries),
    ("callback-erasure", 60 * 60, _callback_erasure),
    ("feedback", 10 * 60, _feedback),
]


def run_due(app: Flask, last_run: dict[str, float], now: float) -> list[str]:
    """Run every periodic job whose interval has passed; a failing job never stops the others."""
    ran = []
    for name, every, job in PERIODIC:
        if now - last_run.get(name, 0) < every:
            continue
        last_run[name] = now
        with app.app_context():
            try:
                job()
                ran.append(name)
            except Exception:
                log.exception("periodic job %s failed; it runs again next interval", name)
    return ran


def run_forever(app: Flask, tick: float = 30.0, stop: threading.Event | None = None) -> None:
    last_run: dict[str, float] = {}
    stop = stop or threading.Event()
    while not stop.is_set():
        run_due(app, last_run, time.time())
        stop.wait(tick)


def start_in_background(app: Flask) -> threading.Thread:
    thread = threading.Thread(target=run_forever, args=(app,), name="apuri-scheduler", daemon=True)
    thread.start()
    return thread
