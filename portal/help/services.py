"""The help centre's rules: the shop's articles (the defaults until the shop writes its own),
reading and searching them in the buyer's language, "was this helpful?", the merchant's edits,
and which articles fit an order's state."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.actors import Actor
from portal.audit import services as audit
from portal.db import unit_of_work, utcnow
from portal.errors import NotFound, ValidationFailed
from portal.extensions import db
from portal.help import search
from portal.help.models import SECTIONS, HelpArticle, HelpArticleText
from portal.merchants.models import Merchant

LANGUAGES = ("fi", "sv", "da", "nb", "is", "en")

SECTION_LABELS = {
    "delivery": _l("Delivery"),
    "returns": _l("Returns and exchanges"),
    "payment": _l("Payment"),
    "warranty": _l("Warranty and defects"),
}


def section_label(section: str) -> str:
    return str(SECTION_LABELS.get(section, section))


# -- the shop's articles --------------------------------------------------------------------------


def ensure_articles(merchant: Merchant) -> None:
    """A shop without articles gets the default ones (``portal.help.defaults``), once: two
    first visits at the same moment add them once (the key is unique per shop)."""
    if db.session.scalar(select(HelpArticle.id).where(HelpArticle.merchant_id == merchant.id).limit(1)):
        return
    from portal.help.defaults import DEFAULT_ARTICLES

    try:
        with unit_of_work():
            for entry in DEFAULT_ARTICLES:
                article = HelpArticle(
                    merchant_id=merchant.id, key=entry["key"], section=entry["section"], position=entry["position"]
                )
                db.session.add(article)
                db.session.flush()
                for locale, texts in entry["texts"].items():
                    _put_text(article, locale, texts["title"], texts["body"])
    except IntegrityError:
        db.session.rollback()  # another request added them first


def _put_text(article: HelpArticle, locale: str, title: str, body: str) -> HelpArticleText:
    row = next((t for t in article.texts if t.locale == locale), None)
    if row is None:
        row = HelpArticleText(article_id=article.id, merchant_id=article.merchant_id, locale=locale)
        article.texts.append(row)
    row.title, row.body = title, body
    row.search_terms = search.index_terms(title, body, locale)
    row.updated_at = utcnow()
    db.session.flush()
    search.reindex(row)
    return row


def _shop_changed(merchant_id: str) -> None:
    """The shop's help changed: its version moves on, so cached order pages show the new titles."""
    from portal.db import lock_one

    lock_one(Merchant, merchant_id).version += 1


def _forget_heads() -> None:
    """This process forgets the order versions it trusted: the next page sees the shop's new version."""
    from portal.buyers.page_cache import forget_all_heads

    forget_all_heads()


def articles(merchant: Merchant) -> list[HelpArticle]:
    """Every article of the shop with its texts, by section and position."""
    ensure_articles(merchant)
    order = {section: index for index, section in enumerate(SECTIONS)}
    rows = db.session.scalars(
        select(HelpArticle).where(HelpArticle.merchant_id == merchant.id).options(selectinload(HelpArticle.texts))
    )
    return sorted(rows, key=lambda a: (order.get(a.section, 99), a.position, a.key))


def by_section(merchant: Merchant) -> list[tuple[str, list[HelpArticle]]]:
    found = articles(merchant)
    return [(section, [a for a in found if a.section == section]) for section in SECTIONS]


def get_article(merchant: Merchant, key: str) -> HelpArticle:
    ensure_articles(merchant)
    article = db.session.scalar(
        select(HelpArticle)
        .where(HelpArticle.merchant_id == merchant.id, HelpArticle.key == key)
        .options(selectinload(HelpArticle.texts))
    )
    if article is None:
        raise NotFound()
    return article


def record_view(article: HelpArticle) -> None:
    """One more reading (an UPDATE of the count itself: parallel readers lose none)."""
    with unit_of_work():
        db.session.execute(
            HelpArticle.__table__.update()
            .where(HelpArticle.__table__.c.id == article.id)
            .values(views=HelpArticle.__table__.c.views + 1)
        )


def vote(article: HelpArticle, helpful: bool) -> None:
    """The buyer's "was this helpful?" (the view keeps one answer per browser and article)."""
    column = HelpArticle.__table__.c.helpful_yes if helpful else HelpArticle.__table__.c.helpful_no
    with unit_of_work():
        db.session.execute(
            HelpArticle.__table__.update().where(HelpArticle.__table__.c.id == article.id).values({column: column + 1})
        )


# -- search -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    article: HelpArticle
    text: HelpArticleText
    coverage: float  # the share of the buyer's words the article holds


def find(merchant: Merchant, question: str, locale: str, *, limit: int = 5) -> list[Hit]:
    """The articles that answer ``question`` in ``locale``, best first (typos and inflections
    forgiven: see ``portal.help.search``)."""
    ensure_articles(merchant)
    query = search.parse_query(question, merchant.id, locale)
    if query.empty:
        return []
    ids = search.ranked_text_ids(merchant.id, locale, query, limit=limit * 2)
    if not ids:
        return []
    rows = {
        row.id: row
        for row in db.session.scalars(
            select(HelpArticleText).where(HelpArticleText.id.in_(ids)).options(selectinload(HelpArticleText.article))
        )
    }
    hits = [Hit(rows[i].article, rows[i], search.coverage(query, rows[i].search_terms)) for i in ids if i in rows]
    # The database's rank first; among near-equals, the article holding more of the words.
    ranked = sorted(enumerate(hits), key=lambda pair: (-round(pair[1].coverage, 1), pair[0]))
    return [hit for _index, hit in ranked][:limit]


# -- what fits an order --------------------------------------------------------------------------

# The order's state → the articles that answer what a buyer in that state asks.
CONTEXT_ARTICLES = {
    "late": ("late-parcel", "where-is-my-parcel"),
    "in_transit": ("where-is-my-parcel", "delivery-times-and-costs"),
    "not_shipped": ("delivery-times-and-costs", "cancel-order"),
    "delivered": ("how-to-return", "faulty-product"),
    "refunded": ("refund-timing",),
    "returning": ("refund-timing", "how-to-return"),
}


# (shop, its version, language) → {article key: title}: the order page asks on every render,
# the shop's version changes with every article edit (and renews the cached pages as well).
_TITLES: dict[tuple[str, int, str], dict[str, str]] = {}


def titles(merchant: Merchant, locale: str) -> dict[str, str]:
    """The shop's article titles in ``locale`` (English where none), from memory when unchanged."""
    key = (merchant.id, merchant.version, locale)
    found = _TITLES.get(key)
    if found is None:
        found = {}
        for article in articles(merchant):
            text = article.text(locale)
            if text is not None:
                found[article.key] = text.title
        if len(_TITLES) > 1024:
            _TITLES.clear()
        _TITLES[key] = found
    return found


def context_keys(states: list[str]) -> list[str]:
    wanted: list[str] = []
    for state in states:
        for key in CONTEXT_ARTICLES.get(state, ()):
            if key not in wanted:
                wanted.append(key)
    return wanted


# -- the merchant's edits -------------------------------------------------------------------------


def save_article(merchant: Merchant, article: HelpArticle | None, data: dict, actor: Actor) -> HelpArticle:
    """Create or change an article: its section and, per language, a title and a body. A language
    left empty keeps no text (the buyer then reads the English one); English is required."""
    section = data.get("section", "")
    problems: dict[str, list] = {}
    if section not in SECTIONS:
        problems["section"] = [_l("Choose a section from the list.")]
    texts: dict[str, tuple[str, str]] = {}
    for locale in LANGUAGES:
        title = (data.get(f"title_{locale}") or "").strip()
        body = (data.get(f"body_{locale}") or "").strip()
        if not title and not body and locale != "en":
            continue
        if len(title) < 3 or len(title) > 200:
            problems[f"title_{locale}"] = [_l("Write a title of 3 to 200 characters.")]
        if len(body) < 10 or len(body) > 20000:
            problems[f"body_{locale}"] = [_l("Write the answer: 10 to 20 000 characters.")]
        texts[locale] = (title, body)
    key = (data.get("key") or "").strip().lower()
    if article is None:
        import re

        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,79}", key):
            problems["key"] = [_l("Use 2 to 80 lower-case letters, digits and hyphens, e.g. gift-wrapping.")]
        elif db.session.scalar(
            select(HelpArticle.id).where(HelpArticle.merchant_id == merchant.id, HelpArticle.key == key)
        ):
            problems["key"] = [_l("Another article has this address already.")]
    if problems:
        raise ValidationFailed(fields=problems)
    with unit_of_work():
        if article is None:
            position = db.session.scalar(
                select(func.coalesce(func.max(HelpArticle.position), 0)).where(
                    HelpArticle.merchant_id == merchant.id, HelpArticle.section == section
                )
            )
            article = HelpArticle(merchant_id=merchant.id, key=key, section=section, position=position + 1)
            db.session.add(article)
            db.session.flush()
            action = "help.article_created"
        else:
            article = db.session.get(HelpArticle, article.id)
            article.section = section
            action = "help.article_changed"
        for locale, (title, body) in texts.items():
            _put_text(article, locale, title, body)
        dropped = [t for t in article.texts if t.locale not in texts]
        search.unindex([t.id for t in dropped])
        for row in dropped:
            article.texts.remove(row)
        article.updated_at = utcnow()
        _shop_changed(merchant.id)
        audit.record(
            actor,
            action,
            "help_article",
            article.id,
            merchant_id=merchant.id,
            after={"key": article.key, "section": section, "languages": sorted(texts)},
        )
    _forget_heads()
    return article


def delete_article(merchant: Merchant, article: HelpArticle, actor: Actor) -> None:
    with unit_of_work():
        article = db.session.get(HelpArticle, article.id)
        if article is None or article.merchant_id != merchant.id:
            raise NotFound()
        search.unindex([t.id for t in article.texts])
        db.session.delete(article)
        _shop_changed(merchant.id)
        audit.record(
            actor,
            "help.article_deleted",
            "help_article",
            article.id,
            merchant_id=merchant.id,
            after={"key": article.key},
        )
    _forget_heads()


def insights(merchant: Merchant, limit: int = 5) -> tuple[list[HelpArticle], list[HelpArticle]]:
    """The most-read articles, and the least helpful ones (of those with at least 3 answers)."""
    found = articles(merchant)
    most_viewed = sorted((a for a in found if a.views), key=lambda a: (-a.views, a.key))[:limit]
    rated = [a for a in found if a.helpful_yes + a.helpful_no >= 3]
    least_helpful = sorted(rated, key=lambda a: (a.helpful_share, -(a.helpful_no), a.key))[:limit]
    return most_viewed, least_helpful
