"""Live chat with a person: a buyer's chat session, its numbered messages, and who is online.

Each message has a ``seq``, per session, increasing by one, given out while the session's row is
locked (``ChatSession.last_seq``): streams send it as the event id and a reconnecting stream
replays everything after the last one it saw, so nothing is lost or sent twice.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import new_id, utcnow
from portal.extensions import db


class ChatStatus(enum.StrEnum):
    WAITING = "waiting"  # in the queue, nobody has taken it yet
    ACTIVE = "active"  # an agent took it
    ENDED = "ended"  # the agent or the buyer ended it: it became a ticket
    ABANDONED = "abandoned"  # the buyer left (or went quiet) before anyone took it


OPEN_STATUSES = (ChatStatus.WAITING.value, ChatStatus.ACTIVE.value)


class ChatSession(db.Model):
    __tablename__ = "chat_sessions"
    __table_args__ = (
        Index("ix_chat_sessions_merchant_status", "merchant_id", "status", "created_at"),
        Index("ix_chat_sessions_agent_status", "agent_id", "status"),
        Index("ix_chat_sessions_customer_status", "customer_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("cht"))
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"))
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    order_id: Mapped[str | None] = mapped_column(ForeignKey("orders.id"))
    buyer_email: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(5), default="en")
    status: Mapped[str] = mapped_column(String(20), default=ChatStatus.WAITING.value)
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    # The last message's seq: the next message takes last_seq + 1 under this row's lock.
    last_seq: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    taken_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[str | None] = mapped_column(String(10))  # buyer | agent | system
    # When the buyer's page or stream last asked: a waiting buyer gone quiet has left the queue.
    buyer_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ticket_id: Mapped[str | None] = mapped_column(ForeignKey("tickets.id"))

    messages: Mapped[list[ChatMessage]] = relationship(
        back_populates="session", order_by="ChatMessage.seq", cascade="all, delete-orphan"
    )

    @property
    def open(self) -> bool:
        return self.status in OPEN_STATUSES


class ChatMessage(db.Model):
    __tablename__ = "chat_messages"
    __table_args__ = (UniqueConstraint("session_id", "seq"),)

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("chm"))
    session_id: Mapped[str] = mapped_column(ForeignKey("chat_sessions.id", ondelete="CASCADE"))
    seq: Mapped[int]
    author_kind: Mapped[str] = mapped_column(String(10))  # buyer | agent | system
    author_id: Mapped[str | None] = mapped_column(String(24))
    author_label: Mapped[str] = mapped_column(String(254), default="")
    # text | article (a help article shared) | order (the order attached) | event (joined, ended …)
    kind: Mapped[str] = mapped_column(String(10), default="text")
    body: Mapped[str] = mapped_column(Text)
    link_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    session: Mapped[ChatSession] = relationship(back_populates="messages")


class PresenceStatus(enum.StrEnum):
    ONLINE = "online"
    AWAY = "away"


DEFAULT_CAPACITY = 3


class AgentPresence(db.Model):
    """Whether a staff member takes chats now, and how many at once."""

    __tablename__ = "agent_presence"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(10), default=PresenceStatus.AWAY.value)
    capacity: Mapped[int] = mapped_column(default=DEFAULT_CAPACITY)
    # Refreshed while the console's chat pages are open: online but unseen for long counts as away.
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
