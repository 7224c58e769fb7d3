"""The shop's help centre for buyers: the sections, one article, search in the buyer's language,
and "was this helpful?". Public pages: no sign-in, nothing about any order."""

from __future__ import annotations

from flask import abort, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import select

from portal.buyers.returns import ActionForm
from portal.buyers.views import _customer_in_session, bp
from portal.db import unit_of_work
from portal.errors import NotFound, RateLimited
from portal.extensions import db
from portal.help import services as help_centre
from portal.help.markdown import plain, render
from portal.i18n import current_language, set_page_locale
from portal.merchants.models import Merchant
from portal.orders.models import Customer
from portal.orders.services import mark_changed

QUESTION_LIMIT = 200
_VOTES = "help_votes"  # the articles this browser has answered "was this helpful?" for


def _merchant(slug: str) -> Merchant:
    merchant = db.session.scalar(select(Merchant).where(Merchant.slug == slug))
    if merchant is None:
        abort(404)
    # A buyer signed in for the shop reads in their orders' language (unless they chose another).
    customer_id = _customer_in_session(merchant.id)
    customer = db.session.get(Customer, customer_id) if customer_id else None
    set_page_locale(customer.locale if customer is not None else None, merchant.timezone)
    return merchant


@bp.get("/s/<slug>/help")
def help_centre_page(slug: str):
    merchant = _merchant(slug)
    language = current_language()
    question = (request.args.get("q") or "").strip()[:QUESTION_LIMIT]
    hits = help_centre.find(merchant, question, language) if question else []
    return render_template(
        "help/index.html",
        merchant=merchant,
        sections=help_centre.by_section(merchant),
        section_label=help_centre.section_label,
        language=language,
        question=question,
        hits=[(hit.article, hit.text, plain(hit.text.body, 180)) for hit in hits],
        signed_in=_customer_in_session(merchant.id) is not None,
    )


@bp.get("/s/<slug>/help/<key>")
def help_article(slug: str, key: str):
    merchant = _merchant(slug)
    try:
        article = help_centre.get_article(merchant, key)
    except NotFound:
        abort(404)
    language = current_language()
    text = article.text(language)
    if text is None:
        abort(404)
    help_centre.record_view(article)
    related = [a for a in help_centre.articles(merchant) if a.section == article.section and a.id != article.id]
    return render_template(
        "help/article.html",
        merchant=merchant,
        article=article,
        text=text,
        body=render(text.body),
        fallback=text.locale != language,
        related=[(a, a.text(language)) for a in related],
        section_label=help_centre.section_label,
        answered=article.id in (session.get(_VOTES) or []),
        form=ActionForm(),
        signed_in=_customer_in_session(merchant.id) is not None,
    )


@bp.post("/s/<slug>/help/<key>/feedback")
def help_feedback(slug: str, key: str):
    merchant = _merchant(slug)
    try:
        article = help_centre.get_article(merchant, key)
    except NotFound:
        abort(404)
    back = url_for(".help_article", slug=slug, key=key) + "#helpful"
    answer = request.form.get("helpful")
    if not ActionForm().validate_on_submit() or answer not in ("yes", "no"):
        flash(_("Your answer did not reach us. Please choose Yes or No again."), "warning")
        return redirect(back)
    answered = list(session.get(_VOTES) or [])
    if article.id in answered:
        flash(_("You have already answered for this article. Thank you!"), "info")
        return redirect(back)
    help_centre.vote(article, answer == "yes")
    session[_VOTES] = [*answered, article.id][-200:]
    if answer == "yes":
        flash(_("Thank you! Glad it helped."), "success")
    else:
        flash(_("Thank you. We use your answer to make this article better."), "success")
    return redirect(back)


# -- context help on the order page ---------------------------------------------------------------


def order_states(summary) -> list[str]:
    """What the order's state makes a buyer ask about, most pressing first."""
    states: list[str] = []
    if summary.status == "late":
        states.append("late")
    elif summary.status == "delivered":
        states.append("delivered")
    elif summary.status in ("paid", "pending"):
        states.append("not_shipped")
    elif summary.status != "cancelled":
        states.append("in_transit")
    if any(r.status in ("requested", "approved", "received") for r in summary.returns):
        states.insert(0, "returning")
    if summary.refund_state:
        states.append("refunded")
    return states


@bp.app_context_processor
def _order_help() -> dict:
    def order_help(summary) -> list[tuple[str, str]]:
        """(key, title) of at most three articles that fit the order now, in the page's language."""
        merchant = summary.order.merchant
        known = help_centre.titles(merchant, current_language())
        keys = help_centre.context_keys(order_states(summary))
        return [(key, known[key]) for key in keys if key in known][:3]

    return {"order_help": order_help}


# -- the assistant ------------------------------------------------------------------------------

_CONVERSATIONS = "assistant"  # {merchant id: [turn, …]} in the session
KEEP_TURNS = 8


def _turns(merchant: Merchant) -> list[dict]:
    return list((session.get(_CONVERSATIONS) or {}).get(merchant.id, []))


def _keep(merchant: Merchant, turns: list[dict]) -> None:
    conversations = dict(session.get(_CONVERSATIONS) or {})
    conversations[merchant.id] = turns[-KEEP_TURNS:]
    session[_CONVERSATIONS] = conversations


def _buyer_order(merchant: Merchant, number: str | None):
    """The order the assistant may speak about: the buyer's own (the one on the page they asked
    from, else their newest at this shop); None when this browser is not signed in for the shop."""
    from portal.orders.models import Order

    customer_id = _customer_in_session(merchant.id)
    if customer_id is None:
        return None
    stmt = select(Order).where(Order.merchant_id == merchant.id, Order.customer_id == customer_id)
    if number:
        found = db.session.scalar(stmt.where(Order.number == number))
        if found is not None:
            return found
    return db.session.scalar(stmt.order_by(Order.placed_at.desc()).limit(1))


@bp.route("/s/<slug>/assistant", methods=["GET", "POST"])
def assistant(slug: str):
    """Ask and read the answers. The panel on every page posts here (without a CSRF token: the
    page may be cached, and a question changes nothing but this browser's conversation)."""
    from portal.help import assistant as bot

    g.private_page = True
    merchant = _merchant(slug)
    if request.method == "POST":
        question = (request.form.get("q") or "").strip()[:QUESTION_LIMIT]
        number = (request.form.get("order") or "").strip()[:40] or None
        if number:
            session["assistant_order"] = number
        order = _buyer_order(merchant, number or session.get("assistant_order"))
        if order is not None:
            set_page_locale(order.locale)  # the order's language, unless the buyer chose one
        reply = bot.answer(merchant, question, current_language(), order=order)
        turns = _turns(merchant)
        if question:
            turns.append({"who": "buyer", "text": question})
        turns.append(
            {
                "who": "assistant",
                "kind": reply.kind,
                "text": reply.text[:600],
                "sources": [[s.label, s.url] for s in reply.sources][:3],
                "actions": [list(a) for a in reply.actions][:2],
                "person": reply.offer_person,
            }
        )
        _keep(merchant, turns)
        if request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json":
            return jsonify(turns[-1])
        return redirect(url_for(".assistant", slug=slug) + "#latest")
    order = _buyer_order(merchant, session.get("assistant_order"))
    if order is not None:
        set_page_locale(order.locale)
    turns = _turns(merchant)
    return render_template(
        "help/assistant.html",
        merchant=merchant,
        turns=turns,
        form=ActionForm(),
        signed_in=_customer_in_session(merchant.id) is not None,
        answer_by=_answer_by(merchant),
    )


def _answer_by(merchant: Merchant):
    from portal.db import utcnow
    from portal.support import services as tickets

    clock = tickets.Clock.of(merchant)
    return clock.due(utcnow(), clock.first_response_hours)


@bp.post("/s/<slug>/assistant/person")
def assistant_handover(slug: str):
    """Hand the conversation to a person: a ticket with the conversation attached."""
    from portal.help import assistant as bot
    from portal.support import services as tickets

    g.private_page = True
    merchant = _merchant(slug)
    if not ActionForm().validate_on_submit():
        flash(_("The page had expired. Please press the button again."), "warning")
        return redirect(url_for(".assistant", slug=slug))
    order = _buyer_order(merchant, session.get("assistant_order"))
    if order is None:
        flash(_("To pass your question to a person, first find your order with its number and e-mail address."), "info")
        return redirect(url_for(".lookup", slug=slug))
    turns = _turns(merchant)
    questions = [t["text"] for t in turns if t.get("who") == "buyer"]
    first = questions[0] if questions else _("A question for a person")
    subject = _("Question to the assistant: %(question)s", question=first)[:200]
    if len(subject) < 3:
        subject = _("A question for a person")
    from portal.actors import Actor

    actor = Actor(
        kind="buyer", id=order.customer_id, label=order.customer.email, merchant_id=merchant.id, ip=request.remote_addr
    )
    try:
        with unit_of_work():
            ticket = tickets.open_ticket(
                merchant,
                order.customer,
                {"subject": subject, "message": (bot.transcript(turns) or subject)[:8000]},
                actor,
                order=order,
                source="assistant",
            )
            mark_changed(order)
    except RateLimited as exc:
        flash(str(exc), "warning")
        return redirect(url_for(".assistant", slug=slug))
    _keep(merchant, [])
    flash(
        _(
            "A person from %(shop)s has your question: ticket %(number)s. They answer you by %(date)s "
            "at the latest, by e-mail and on this page.",
            shop=merchant.name,
            number=ticket.number,
            date=format_datetime(ticket.first_response_due_at, "medium"),
        ),
        "success",
    )
    return redirect(url_for(".ticket_page", slug=slug, ticket_id=ticket.id))


@bp.post("/s/<slug>/assistant/clear")
def assistant_clear(slug: str):
    merchant = _merchant(slug)
    if ActionForm().validate_on_submit():
        _keep(merchant, [])
    return redirect(url_for(".assistant", slug=slug))


# Live chat's buyer pages join the buyers blueprint here, beside the assistant they start from.
from portal.buyers import chat as _chat  # noqa: E402, F401
