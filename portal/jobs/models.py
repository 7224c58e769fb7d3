from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import new_id, utcnow
from portal.extensions import db


class JobStatus(enum.StrEnum):
    RETRYING = "retrying"  # waits for its next attempt (the scheduler runs it)
    PARKED = "parked"  # out of attempts: waits for a person (the console's Jobs page)
    DONE = "done"  # a later attempt succeeded (or it was handed back to the queue)
    DISCARDED = "discarded"  # a person decided it must not run


class FailedJob(db.Model):
    """A background job that failed or could not be queued: kept until it succeeds or a person
    decides, so no job is ever lost. The job itself (module:function and its plain arguments)
    is stored so that it can run again; every job is idempotent (refund/charge keys, outbox)."""

    __tablename__ = "failed_jobs"
    __table_args__ = (Index("ix_failed_jobs_status_next", "status", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("job"))
    func: Mapped[str] = mapped_column(String(200))
    args: Mapped[list] = mapped_column(JSON, default=list)
    kwargs: Mapped[dict] = mapped_column(JSON, default=dict)
    origin: Mapped[str] = mapped_column(String(16))  # inline | worker | queue (Redis unreachable)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.RETRYING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(254))
