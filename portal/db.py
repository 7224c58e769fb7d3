"""Database foundations: the declarative base, ids, time, and the unit of work."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import DateTime, MetaData, select, update
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def new_id(prefix: str) -> str:
    """An opaque, unguessable id such as ``ord_5k2x...`` (80 random bits)."""
    return prefix + "_" + "".join(secrets.choice(_ALPHABET) for _ in range(16))


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetimes stored in UTC on every engine (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


class UnitOfWork:
    """One transaction; callbacks registered for after the commit (mail, jobs, provider calls)."""

    def __init__(self) -> None:
        self._after_commit: list[Callable[[], Any]] = []

    def after_commit(self, callback: Callable[[], Any]) -> None:
        self._after_commit.append(callback)


_current: list[UnitOfWork] = []


@contextmanager
def unit_of_work() -> Iterator[UnitOfWork]:
    """Run a block in one transaction. Nested blocks join the outermost one.

    Services never commit on their own: the outermost unit of work commits, then runs
    what was registered with ``after_commit`` (so no e-mail leaves for a rolled-back change).
    """
    from flask import g

    from portal.extensions import db

    stack = g.setdefault("_uow_stack", [])
    if stack:
        yield stack[-1]
        return
    uow = UnitOfWork()
    stack.append(uow)
    try:
        yield uow
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        stack.pop()
    for callback in uow._after_commit:
        # The change is committed: a failing follow-up (mail, job, provider call) must not
        # undo it or hide it from the caller; each has its own retry (outbox, reconcile).
        try:
            callback()
        except Exception:
            logging.getLogger(__name__).exception("after-commit step %r failed", callback)


M = TypeVar("M")


def lock_one(model: type[M], ident: str, **filters: Any) -> M | None:
    """Fetch one row by id with a row lock (FOR UPDATE on PostgreSQL; SQLite locks the file)."""
    from portal.extensions import db

    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite ignores FOR UPDATE, and Python's sqlite3 starts a transaction only at the first
        # write: a no-op UPDATE takes the database's write lock now, before the reads that
        # decide (e.g. the refund sum), so concurrent deciders wait for each other.
        table = model.__table__
        db.session.execute(update(table).where(table.c.id == ident).values(id=table.c.id))
    stmt = select(model).filter_by(id=ident, **filters).with_for_update()
    return db.session.scalars(stmt).first()


def in_model_schema(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's include_object: the search structures the models do not describe (SQLite's FTS5
    table ``help_search`` and its shadow tables, PostgreSQL's expression index) are left alone."""
    if type_ == "table" and name and name.startswith("help_search"):
        return False
    return not (type_ == "index" and name == "ix_help_article_texts_search")


def current_unit_of_work() -> UnitOfWork | None:
    """The unit of work this code runs in, if any (to register an after-commit step)."""
    from flask import g, has_app_context

    if not has_app_context():
        return None
    stack = g.get("_uow_stack") or []
    return stack[-1] if stack else None
