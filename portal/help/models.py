"""Help articles: one per question a buyer asks, in a section, with a text per language.

Each text keeps ``search_terms``: its words as the search stems them (``portal.help.search``),
so that both databases search the same tokens — PostgreSQL with its full-text operators, SQLite
with an FTS5 table (``help_search``) kept beside it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import new_id, utcnow
from portal.extensions import db

SECTIONS = ("delivery", "returns", "payment", "warranty")


class HelpArticle(db.Model):
    __tablename__ = "help_articles"
    __table_args__ = (UniqueConstraint("merchant_id", "key"),)

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("art"))
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), index=True)
    key: Mapped[str] = mapped_column(String(80))  # the address: /s/<shop>/help/<key>
    section: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(default=0)
    views: Mapped[int] = mapped_column(default=0)
    helpful_yes: Mapped[int] = mapped_column(default=0)
    helpful_no: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    texts: Mapped[list[HelpArticleText]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="HelpArticleText.locale"
    )

    def text(self, locale: str, fallback: str = "en") -> HelpArticleText | None:
        """The text in ``locale``, else in ``fallback``, else any."""
        by_locale = {t.locale: t for t in self.texts}
        return by_locale.get(locale) or by_locale.get(fallback) or next(iter(by_locale.values()), None)

    @property
    def helpful_share(self) -> float | None:
        votes = self.helpful_yes + self.helpful_no
        return self.helpful_yes / votes if votes else None


class HelpArticleText(db.Model):
    __tablename__ = "help_article_texts"
    __table_args__ = (
        UniqueConstraint("article_id", "locale"),
        Index("ix_help_article_texts_merchant_locale", "merchant_id", "locale"),
    )

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("art"))
    article_id: Mapped[str] = mapped_column(ForeignKey("help_articles.id", ondelete="CASCADE"))
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"))
    locale: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # Markdown, sanitised when shown
    search_terms: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    article: Mapped[HelpArticle] = relationship(back_populates="texts")
