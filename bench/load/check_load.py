"""After the load: did the background work keep up, and did every decision get exactly its outcome?

Waits (up to ``--timeout`` seconds) until the RQ queue is empty (nothing queued, running or
waiting for a retry), then checks in PostgreSQL, with the app's settings from the environment:

- no job parked for a person (``failed_jobs.status = 'parked'``) and none waiting for a retry;
- every e-mail the run queued was sent (none queued or failed);
- every approved return has exactly one "return approved" e-mail, sent, and the SMTP sink got
  exactly one slip (``return-<number>.pdf``) for each and no other;
- every accepted claim has exactly one refund, succeeded, of the agreed amount, and the
  simulated provider moved that money exactly once; no other refund exists;
- every claim has its photo, and the photo and its thumbnail are in the upload store.

Prints one line per check and a JSON summary (``--json``); exits 1 if any check failed.

    .venv/bin/python bench/load/check_load.py --mail /tmp/…/mail.jsonl --json /tmp/…/checks.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def wait_for_queue(redis_url: str, timeout: float) -> tuple[bool, str, float]:
    from redis import Redis
    from rq import Queue
    from rq.registry import ScheduledJobRegistry, StartedJobRegistry

    connection = Redis.from_url(redis_url)
    queue = Queue("apuri", connection=connection)
    started = time.monotonic()
    while True:
        waiting = queue.count
        running = StartedJobRegistry(queue=queue).count
        retrying = ScheduledJobRegistry(queue=queue).count
        state = f"{waiting} queued, {running} running, {retrying} waiting for a retry"
        if waiting == running == retrying == 0:
            return True, state, time.monotonic() - started
        if time.monotonic() - started > timeout:
            return False, state, time.monotonic() - started
        time.sleep(1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mail", required=True, help="the SMTP sink's JSON lines")
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--timeout", type=float, default=180)
    args = parser.parse_args()

    from sqlalchemy import func, select

    from portal import create_app
    from portal.claims.models import Claim, ClaimPhoto
    from portal.extensions import db
    from portal.jobs.models import FailedJob
    from portal.notifications.models import OutboxMessage
    from portal.payments.models import Refund, SimulatedTransaction
    from portal.returns.models import ReturnRequest
    from portal.storage import get_storage

    app = create_app()
    results: list[tuple[bool, str]] = []

    def check(ok: bool, text: str) -> None:
        results.append((ok, text))
        print(f"  [{'ok' if ok else 'FAIL'}] {text}", flush=True)

    drained, state, waited = wait_for_queue(app.config["REDIS_URL"], args.timeout)
    check(drained, f"RQ queue 'apuri' drained ({state}; waited {waited:.0f} s after the load)")

    figures: dict = {"queue_drain_seconds": round(waited, 1)}
    with app.app_context():
        jobs = Counter(
            dict(db.session.execute(select(FailedJob.status, func.count()).group_by(FailedJob.status)).all())
        )
        figures["failed_jobs"] = dict(jobs)
        parked = list(
            db.session.execute(select(FailedJob.func, FailedJob.last_error).where(FailedJob.status == "parked"))
        )
        check(not parked, f"no job parked (failed_jobs: {dict(jobs) or 'empty'})")
        for func_path, error in parked[:5]:
            print(f"      parked: {func_path}: {error[:200]}")
        check(jobs.get("retrying", 0) == 0, f"no job waiting for a retry ({jobs.get('retrying', 0)})")

        mail = Counter(
            dict(
                db.session.execute(
                    select(OutboxMessage.status, func.count())
                    .where(OutboxMessage.status != "held")  # the prepared orders' mail, never sent
                    .group_by(OutboxMessage.status)
                ).all()
            )
        )
        figures["mail"] = dict(mail)
        check(
            mail.get("queued", 0) == 0 and mail.get("failed", 0) == 0,
            f"every e-mail of the run sent ({dict(mail)})",
        )

        returns = Counter(
            dict(db.session.execute(select(ReturnRequest.status, func.count()).group_by(ReturnRequest.status)).all())
        )
        figures["returns"] = dict(returns)
        approved = {
            ret_id: number
            for ret_id, number in db.session.execute(
                select(ReturnRequest.id, ReturnRequest.number).where(ReturnRequest.status == "approved")
            )
        }
        approved_mail = Counter(
            key.split(":", 1)[1]
            for (key,) in db.session.execute(
                select(OutboxMessage.dedupe_key).where(
                    OutboxMessage.kind == "return_approved", OutboxMessage.status == "sent"
                )
            )
        )
        wrong = [n for i, n in approved.items() if approved_mail.get(i) != 1]
        check(
            not wrong,
            f"each of the {len(approved)} approved returns has exactly one sent approval e-mail"
            + (f" (not: {wrong[:5]})" if wrong else ""),
        )

        sink = [json.loads(line) for line in Path(args.mail).read_text(encoding="utf-8").splitlines() if line]
        slips = Counter(
            a["filename"] for message in sink for a in message["attachments"] if a["type"] == "application/pdf"
        )
        expected = Counter(f"return-{number}.pdf" for number in approved.values())
        figures["smtp_messages"] = len(sink)
        figures["slips_received"] = sum(slips.values())
        check(
            slips == expected,
            f"the SMTP sink got exactly one slip per approved return ({sum(slips.values())} PDFs for "
            f"{len(approved)} returns; {len(sink)} messages in all)",
        )

        claims = Counter(dict(db.session.execute(select(Claim.status, func.count()).group_by(Claim.status)).all()))
        figures["claims"] = dict(claims)
        accepted = {
            claim_id: amount
            for claim_id, amount in db.session.execute(
                select(Claim.id, Claim.agreed_amount).where(Claim.status == "accepted")
            )
        }
        refunds = list(
            db.session.execute(
                select(Refund.source, Refund.source_id, Refund.status, Refund.amount, Refund.idempotency_key)
            )
        )
        figures["refunds"] = dict(Counter(r.status for r in refunds))
        by_claim = Counter(r.source_id for r in refunds if r.source == "claim")
        good = {
            r.source_id
            for r in refunds
            if r.source == "claim" and r.status == "succeeded" and r.amount == accepted.get(r.source_id)
        }
        wrong = [c for c in accepted if by_claim.get(c) != 1 or c not in good]
        others = [r for r in refunds if r.source != "claim" or r.source_id not in accepted]
        check(
            not wrong and not others,
            f"each of the {len(accepted)} accepted claims has exactly one refund, succeeded, of the agreed amount"
            + (f" (not: {wrong[:5]})" if wrong else "")
            + (f"; {len(others)} other refunds" if others else ""),
        )
        provider = Counter(
            key
            for (key,) in db.session.execute(
                select(SimulatedTransaction.idempotency_key).where(
                    SimulatedTransaction.kind == "refund", SimulatedTransaction.status == "succeeded"
                )
            )
        )
        keys = Counter(r.idempotency_key for r in refunds if r.status == "succeeded")
        check(
            provider == keys, f"the provider moved each refund's money exactly once ({sum(provider.values())} refunds)"
        )

        photos = list(db.session.execute(select(ClaimPhoto.claim_id, ClaimPhoto.storage_key, ClaimPhoto.thumb_key)))
        total_claims = sum(claims.values())
        storage = get_storage()
        missing = 0
        for _claim_id, key, thumb in photos:
            for name in (key, thumb):
                if not storage.exists(name):
                    missing += 1
        check(
            len({p.claim_id for p in photos}) == total_claims == len(photos) and missing == 0,
            f"each of the {total_claims} claims has its photo, stored with its thumbnail ({len(photos)} photos, {missing} files missing)",
        )
    if args.json:
        figures["checks"] = [{"ok": ok, "check": text} for ok, text in results]
        Path(args.json).write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return 0 if all(ok for ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
