"""The self-service assistant: answers a buyer's question from the shop's own help centre and the
buyer's own order, on this machine, with no outside service.

How it answers, in order:
1. The buyer asks for a person → it offers to hand over at once.
2. The help centre search (``services.find``) picks the article that fits the question. When the
   buyer's order is known, some articles are answered from the order's facts instead: the parcel
   questions with the tracking status, the return questions with the way to the return form, a
   defect with the claim form, instalments with the plan page, refunds with what was refunded.
3. Nothing fits well enough (too few of the buyer's words found) → it says so and offers a person.

Every answer names where it came from: the article (with its link) or the order's facts. Nothing
is made up: the words are either a fixed sentence about a fact read from the database or the
article's own text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import url_for
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _

from portal.help import search
from portal.help import services as help_centre
from portal.help.markdown import plain
from portal.merchants.models import Merchant
from portal.orders.models import Order

# At least this share of the buyer's words must be in the article for a confident answer.
CONFIDENT_COVERAGE = 0.5

# "A person, please": checked on the stems, so inflections count ("ihmiselle", "människan").
_PERSON_WORDS = {
    "fi": ("ihmi", "asiakaspalvelij", "henkilö", "työntekijä", "puhu"),
    "sv": ("människ", "person", "handläggar", "medarbet", "prat"),
    "da": ("mennesk", "person", "medarbejd", "tal"),
    "nb": ("mennesk", "person", "medarbeid", "snakk"),
    "is": ("manneskj", "starfsmann", "starfsman", "tala", "persón"),
    "en": ("human", "person", "agent", "someon", "talk", "real"),
}

PARCEL_ARTICLES = ("where-is-my-parcel", "late-parcel", "delivery-times-and-costs")
RETURN_ARTICLES = ("how-to-return", "exchange-size-or-colour")
CLAIM_ARTICLES = ("faulty-product", "damaged-in-delivery")


@dataclass(frozen=True)
class Source:
    label: str
    url: str | None = None


@dataclass(frozen=True)
class Answer:
    kind: str  # tracking | article | action | handover_offer | unsure | empty
    text: str
    sources: list[Source] = field(default_factory=list)
    actions: list[tuple[str, str]] = field(default_factory=list)  # (label, url)
    offer_person: bool = False


def _wants_person(question: str, locale: str) -> bool:
    prefixes = _PERSON_WORDS.get(locale, ()) + _PERSON_WORDS["en"]
    return any(stem.startswith(prefixes) for stem in search.stems(question, locale) + search.words(question))


def answer(merchant: Merchant, question: str, locale: str, order: Order | None = None) -> Answer:
    question = (question or "").strip()
    if not question:
        return Answer("empty", _("Ask me about your order, delivery, returns, payment or a faulty product."))
    if _wants_person(question, locale):
        return Answer(
            "handover_offer",
            _(
                "Of course. A person from %(shop)s can take this: press the button and they answer you.",
                shop=merchant.name,
            ),
            offer_person=True,
        )
    hits = help_centre.find(merchant, question, locale, limit=3)
    best = hits[0] if hits else None
    if best is None or best.coverage < CONFIDENT_COVERAGE:
        return Answer(
            "unsure",
            _(
                "I am not sure I understood, and I do not want to guess. "
                "Try other words, or let a person from %(shop)s answer you.",
                shop=merchant.name,
            ),
            sources=[_article_source(merchant, hit) for hit in hits[:2]],
            offer_person=True,
        )
    key = best.article.key
    if order is not None:
        if key in PARCEL_ARTICLES:
            return _tracking(merchant, order, best)
        if key in RETURN_ARTICLES:
            return _return_way(merchant, order, best)
        if key in CLAIM_ARTICLES:
            return _claim_way(merchant, order, best)
        if key == "instalments":
            return _instalment_way(merchant, order, best)
        if key == "refund-timing":
            return _refund_facts(merchant, order, best)
    return Answer(
        "article",
        plain(best.text.body, 420),
        sources=[_article_source(merchant, best)],
        actions=[(_("Read the whole article"), _article_url(merchant, best))],
    )


def _article_url(merchant: Merchant, hit) -> str:
    return url_for("buyers.help_article", slug=merchant.slug, key=hit.article.key)


def _article_source(merchant: Merchant, hit) -> Source:
    return Source(_("Help centre: %(title)s", title=hit.text.title), _article_url(merchant, hit))


def _order_source(order: Order, what: str) -> Source:
    return Source(
        _("Order %(number)s: %(what)s", number=order.number, what=what),
        url_for("buyers.order", slug=order.merchant.slug, number=order.number),
    )


def _tracking(merchant: Merchant, order: Order, hit) -> Answer:
    from portal.buyers.services import summarise
    from portal.orders import policy

    summary = summarise(order)
    shipment = max(order.shipments, key=lambda s: s.created_at) if order.shipments else None
    parts: list[str] = []
    actions: list[tuple[str, str]] = [
        (_("Follow the order"), url_for("buyers.order", slug=merchant.slug, number=order.number))
    ]
    if shipment is None:
        parts.append(_("Order %(number)s has not been sent yet: the shop is preparing it.", number=order.number))
        if order.promised_delivery_date:
            parts.append(_("It was promised by %(date)s.", date=format_date(order.promised_delivery_date, "long")))
    else:
        parts.append(
            _(
                "Order %(number)s: %(status)s. Carrier %(carrier)s, tracking number %(tracking)s.",
                number=order.number,
                status=policy.status_label(shipment.status),
                carrier=shipment.carrier,
                tracking=shipment.tracking_number,
            )
        )
        events = sorted(shipment.events, key=lambda e: e.occurred_at)
        if events:
            last = events[-1]
            where = f" ({last.location})" if last.location else ""
            parts.append(
                _(
                    "Latest news from the carrier: %(status)s%(where)s, %(when)s.",
                    status=policy.status_label(last.status),
                    where=where,
                    when=format_datetime(last.occurred_at, "short"),
                )
            )
        if (
            not summary.late
            and shipment.delivered_at is None
            and (shipment.estimated_delivery or order.promised_delivery_date)
        ):
            expected = shipment.estimated_delivery or order.promised_delivery_date
            parts.append(_("Expected by %(date)s.", date=format_date(expected, "long")))
    if summary.late:
        parts.append(
            _(
                "It is late, and we are sorry. If it still has not arrived, tell the shop on the order page: a person takes it from there."
            )
        )
    return Answer(
        "tracking",
        " ".join(parts),
        sources=[_order_source(order, _("tracking")), _article_source(merchant, hit)],
        actions=actions,
    )


def _return_way(merchant: Merchant, order: Order, hit) -> Answer:
    from portal.returns import services as returns

    options = returns.options(order)
    if options.allowed:
        return Answer(
            "action",
            _(
                "You can return items of order %(number)s now. The form asks which items and why, and "
                "whether you want your money back or another size.",
                number=order.number,
            ),
            sources=[_order_source(order, _("return options")), _article_source(merchant, hit)],
            actions=[(_("Start a return"), url_for("buyers.start_return", slug=merchant.slug, number=order.number))],
        )
    reason = options.reason
    text = _("Order %(number)s cannot be returned through this site now.", number=order.number)
    if reason:
        text = f"{text} {reason}"
    return Answer(
        "action",
        text,
        sources=[_order_source(order, _("return options")), _article_source(merchant, hit)],
        actions=[(_("Read the whole article"), _article_url(merchant, hit))],
        offer_person=True,
    )


def _claim_way(merchant: Merchant, order: Order, hit) -> Answer:
    return Answer(
        "action",
        _(
            "Report the defect of order %(number)s with a photo or two: choose the item, say what is wrong "
            "and what you would like (a price reduction, a replacement or a repair). The shop answers by e-mail.",
            number=order.number,
        ),
        sources=[_article_source(merchant, hit)],
        actions=[(_("Report a defect"), url_for("buyers.start_claim", slug=merchant.slug, number=order.number))],
    )


def _instalment_way(merchant: Merchant, order: Order, hit) -> Answer:
    return Answer(
        "action",
        _(
            "See what spreading the cost of order %(number)s would cost: every plan shows the monthly amount "
            "and the annual percentage rate before you accept anything.",
            number=order.number,
        ),
        sources=[_article_source(merchant, hit)],
        actions=[(_("Spread the cost"), url_for("buyers.instalment_options", slug=merchant.slug, number=order.number))],
    )


def _refund_facts(merchant: Merchant, order: Order, hit) -> Answer:
    from portal.buyers.services import summarise
    from portal.i18n import current_language
    from portal.money import Money

    summary = summarise(order)
    money = summary.money
    if money.refunded:
        text = _(
            "%(amount)s of order %(number)s has been refunded to your payment.",
            amount=Money(money.refunded, order.currency).format(current_language()),
            number=order.number,
        )
    else:
        text = _("Nothing has been refunded for order %(number)s yet.", number=order.number)
    return Answer(
        "action",
        f"{text} {plain(hit.text.body, 240)}",
        sources=[_order_source(order, _("refunds")), _article_source(merchant, hit)],
        actions=[(_("Read the whole article"), _article_url(merchant, hit))],
    )


def transcript(turns: list[dict]) -> str:
    """The conversation as the ticket's first message: who said what."""
    lines = []
    for turn in turns:
        who = "Buyer" if turn.get("who") == "buyer" else "Assistant"
        lines.append(f"{who}: {turn.get('text', '')}")
    return "\n".join(lines)
