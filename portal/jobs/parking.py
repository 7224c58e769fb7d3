"""Failed jobs: retried with backoff by the scheduler, then parked for a person.

``record_failure`` keeps a job that failed inline (or could not be queued); ``retry_due`` runs
the ones whose time has come (each claimed by one conditional UPDATE, so two schedulers never
run the same attempt); ``park`` keeps a worker's job that RQ gave up on. A person then runs a
parked job again or discards it, with a reason, on the console's Jobs page (audited).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from portal.actors import Actor
from portal.audit import services as audit
from portal.db import current_unit_of_work, lock_one, unit_of_work, utcnow
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.extensions import db
from portal.jobs.models import FailedJob, JobStatus

log = logging.getLogger(__name__)

# After a failed inline attempt the scheduler tries again after these delays; then it parks.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# An attempt in progress holds its row this long; a scheduler killed mid-attempt frees it then.
LEASE = timedelta(minutes=10)
ERROR_MAX = 2000

LABELS = {
    "portal.notifications.services:send_outbox_message": _l("Send an e-mail"),
    "portal.payments.services:execute_refund": _l("Pay a refund"),
    "portal.payments.charges:execute_charge": _l("Take a payment"),
    "portal.integrations.webhooks:deliver": _l("Deliver a webhook"),
}


def label(path: str) -> str:
    return str(LABELS.get(path, path))


def _error_text(error: BaseException | str) -> str:
    if isinstance(error, BaseException):
        text = f"{type(error).__name__}: {error}".strip()
    else:
        text = str(error)
    return text[:ERROR_MAX]


def _plain(value: Any) -> Any:
    """Job arguments are plain values; anything else is kept by its text (the job cannot run
    again from it, and says so when tried)."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return repr(value)


def _save(job: FailedJob) -> FailedJob | None:
    """Commit the row on its own. Outside any unit of work (the usual case: jobs run after the
    commit that asked for them) the session is first cleared of the failed job's leftovers."""
    try:
        if current_unit_of_work() is None:
            db.session.rollback()
            db.session.add(job)
            db.session.commit()
        else:  # inside someone's transaction: never commit or roll back their work
            from sqlalchemy.orm import Session

            with Session(db.engine, expire_on_commit=False) as session:
                session.add(job)
                session.commit()
        return job
    except Exception:
        # The database itself is down. The job's own record (a pending refund or charge, an
        # unsent e-mail, a pending webhook delivery) is found again by the periodic reconcile
        # and retry jobs; this line names it for whoever reads the logs.
        db.session.rollback()
        log.exception("could not keep failed job %s %r %r", job.func, job.args, job.kwargs)
        return None


def record_failure(
    path: str, args: Any, kwargs: dict, *, origin: str, error: BaseException | str, attempted: bool = True
) -> FailedJob | None:
    """Keep a job that failed inline (``attempted``) or could not be queued, for the scheduler."""
    now = utcnow()
    attempts = 1 if attempted else 0
    return _save(
        FailedJob(
            func=path,
            args=_plain(list(args)),
            kwargs=_plain(dict(kwargs)),
            origin=origin,
            status=JobStatus.RETRYING.value,
            attempts=attempts,
            last_error=_error_text(error),
            next_attempt_at=now + RETRY_DELAYS[0] if attempted else now,
            created_at=now,
            updated_at=now,
        )
    )


def park(
    path: str, args: Any, kwargs: dict, *, origin: str, error: BaseException | str, attempts: int
) -> FailedJob | None:
    """Keep a job that is out of attempts until a person decides."""
    now = utcnow()
    log.error("job %s parked for a person after %s attempts: %s", path, attempts, _error_text(error))
    return _save(
        FailedJob(
            func=path,
            args=_plain(list(args)),
            kwargs=_plain(dict(kwargs)),
            origin=origin,
            status=JobStatus.PARKED.value,
            attempts=attempts,
            last_error=_error_text(error),
            next_attempt_at=None,
            created_at=now,
            updated_at=now,
        )
    )


def _claim(job_id: str, now: datetime) -> bool:
    """Take one due attempt: one conditional UPDATE, so only one scheduler gets it."""
    claimed = db.session.execute(
        update(FailedJob)
        .where(
            FailedJob.id == job_id,
            FailedJob.status == JobStatus.RETRYING.value,
            FailedJob.next_attempt_at <= now,
        )
        .values(next_attempt_at=now + LEASE, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return claimed == 1


def _run(job: FailedJob) -> None:
    from portal.jobs import resolve

    resolve(job.func)(*job.args, **job.kwargs)


def _finish(
    job_id: str, *, error: BaseException | None, by: str, give_up: bool, now: datetime | None = None
) -> FailedJob:
    """Write an attempt's outcome: done, or the next attempt's time, or parked."""
    db.session.rollback()  # whatever the job left behind
    job = db.session.get(FailedJob, job_id)
    now = now or utcnow()
    job.updated_at = now
    if error is None:
        job.status = JobStatus.DONE.value
        job.next_attempt_at = None
        job.resolved_at = now
        job.resolved_by = by
    else:
        job.attempts += 1
        job.last_error = _error_text(error)
        if give_up or job.attempts >= MAX_ATTEMPTS:
            job.status = JobStatus.PARKED.value
            job.next_attempt_at = None
            log.error(
                "job %s %s parked for a person after %s attempts: %s", job.id, job.func, job.attempts, job.last_error
            )
        else:
            job.status = JobStatus.RETRYING.value
            job.next_attempt_at = now + RETRY_DELAYS[min(job.attempts, len(RETRY_DELAYS)) - 1]
    db.session.commit()
    return job


def retry_due(now: datetime | None = None, limit: int = 100) -> int:
    """Periodic: try again every kept job whose time has come. A job that could not be queued
    goes back on the queue when Redis answers (or runs here when it still does not)."""
    from portal.jobs import put_on_queue, runs_inline

    now = now or utcnow()
    due = db.session.scalars(
        select(FailedJob.id)
        .where(FailedJob.status == JobStatus.RETRYING.value, FailedJob.next_attempt_at <= now)
        .order_by(FailedJob.next_attempt_at)
        .limit(limit)
    ).all()
    db.session.rollback()
    ran = 0
    for job_id in due:
        if not _claim(job_id, now):
            continue  # another scheduler has it
        job = db.session.get(FailedJob, job_id)
        if job.origin == "queue" and not runs_inline():
            try:
                put_on_queue(job.func, job.args, job.kwargs)
            except Exception:
                pass  # Redis still down: the scheduler runs it itself, below
            else:
                _finish(job_id, error=None, by="queue", give_up=False, now=now)
                ran += 1
                continue
        try:
            _run(job)
        except Exception as exc:
            log.warning("retry of job %s %s failed: %s", job_id, job.func, _error_text(exc))
            _finish(job_id, error=exc, by="scheduler", give_up=False, now=now)
        else:
            _finish(job_id, error=None, by="scheduler", give_up=False, now=now)
        ran += 1
    return ran


# -- the console ---------------------------------------------------------------------------


@dataclass(frozen=True)
class JobCounts:
    retrying: int
    parked: int


def counts() -> JobCounts:
    rows = dict(
        db.session.execute(
            select(FailedJob.status, func.count())
            .where(FailedJob.status.in_((JobStatus.RETRYING.value, JobStatus.PARKED.value)))
            .group_by(FailedJob.status)
        ).all()
    )
    return JobCounts(retrying=rows.get(JobStatus.RETRYING.value, 0), parked=rows.get(JobStatus.PARKED.value, 0))


def waiting(limit: int = 200) -> list[FailedJob]:
    """Parked jobs first (they wait for a person), then the ones still being retried."""
    parked_first = FailedJob.status != JobStatus.PARKED.value
    return list(
        db.session.scalars(
            select(FailedJob)
            .where(FailedJob.status.in_((JobStatus.RETRYING.value, JobStatus.PARKED.value)))
            .order_by(parked_first, FailedJob.created_at)
            .limit(limit)
        )
    )


def recently_resolved(limit: int = 20) -> list[FailedJob]:
    return list(
        db.session.scalars(
            select(FailedJob)
            .where(FailedJob.status.in_((JobStatus.DONE.value, JobStatus.DISCARDED.value)))
            .order_by(FailedJob.updated_at.desc())
            .limit(limit)
        )
    )


def _waiting_job(job_id: str, *, lock: bool = False) -> FailedJob:
    job = lock_one(FailedJob, job_id) if lock else db.session.get(FailedJob, job_id)
    if job is None:
        raise NotFound()
    if job.status not in (JobStatus.RETRYING.value, JobStatus.PARKED.value):
        raise Conflict(_l("This job is already settled; nothing was done."))
    return job


def run_now(job_id: str, *, actor: Actor) -> FailedJob:
    """A person runs a parked (or retrying) job now. Succeeds → done; fails → parked again,
    with the new error. Two people pressing at once: one runs it, the other is told."""
    job = _waiting_job(job_id)
    now = utcnow()
    claimed = db.session.execute(
        update(FailedJob)
        .where(
            FailedJob.id == job_id,
            FailedJob.status.in_((JobStatus.RETRYING.value, JobStatus.PARKED.value)),
            FailedJob.updated_at == job.updated_at,
        )
        .values(status=JobStatus.RETRYING.value, next_attempt_at=now + LEASE, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if claimed != 1:
        raise Conflict(_l("Someone else is running this job right now; see its state below."))
    db.session.refresh(job)
    try:
        _run(job)
    except Exception as exc:
        job = _finish(job_id, error=exc, by=actor.label, give_up=True)
    else:
        job = _finish(job_id, error=None, by=actor.label, give_up=False)
    with unit_of_work():
        _audit(actor, "job.run", job)
    return job


def discard(job_id: str, reason: str, *, actor: Actor) -> FailedJob:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_l("Say why this job must not run (it is kept in the audit log).")]})
    with unit_of_work():  # locked: a discard and a run pressed at once do not both happen
        job = _waiting_job(job_id, lock=True)
        now = utcnow()
        job.status = JobStatus.DISCARDED.value
        job.next_attempt_at = None
        job.resolved_at = now
        job.resolved_by = actor.label[:254]
        job.updated_at = now
        _audit(actor, "job.discarded", job, reason=reason[:500])
    return job


def _audit(actor: Actor, action: str, job: FailedJob, **extra: str) -> None:
    audit.record(
        actor,
        action,
        "job",
        job.id,
        merchant_id=None,
        after={"job": job.func, "status": job.status, "attempts": job.attempts, **extra},
    )


def counts_or_none() -> JobCounts | None:
    """For /metrics: kept jobs by status (None when the database cannot be asked)."""
    try:
        return counts()
    except Exception:
        log.warning("metrics: could not count parked jobs", exc_info=True)
        return None
    finally:
        db.session.rollback()
