"""The buyer's side of feedback: the page the e-mail's five score links open, and the answer.

As with the ticket survey, opening a link records nothing by itself (a link scanner that follows
every link in an e-mail would otherwise answer 1 to 5 in turn, and open a follow-up ticket): the
page's script (``feedback.js``) sends the score clicked at once, so in a browser one click is the
whole answer; without the script the page's Send button does the same. Another score link from
the same e-mail changes the answer while answers are taken; after that the link says so.
"""

from __future__ import annotations

from flask import flash, g, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.buyers.returns import ActionForm
from portal.buyers.views import bp
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.extensions import db
from portal.feedback import services as feedback
from portal.feedback.models import FeedbackRequest, Topic
from portal.i18n import current_language, set_page_locale
from portal.merchants.models import Merchant
from portal.orders.models import Order

SCORE_LABELS = {5: _l("Very good"), 4: _l("Good"), 3: _l("OK"), 2: _l("Poor"), 1: _l("Very poor")}

QUESTIONS = {
    Topic.DELIVERY.value: _l("How did your delivery go?"),
    Topic.RETURN.value: _l("How did your return go?"),
    Topic.CLAIM.value: _l("How did your claim go?"),
    Topic.TICKET.value: _l("How did we do?"),
}


def score_label(score: int) -> str:
    return str(SCORE_LABELS.get(score, score))


def question(topic: str) -> str:
    return str(QUESTIONS.get(topic, QUESTIONS[Topic.TICKET.value]))


def feedback_url(feedback_request: FeedbackRequest, score: int) -> str:
    """The absolute link for one score in the e-mail (PUBLIC_BASE_URL)."""
    from portal.urls import external_url

    return external_url("buyers.feedback", token=feedback.feedback_token(feedback_request), score=score)


def about(feedback_request: FeedbackRequest, subject, merchant: Merchant) -> str:
    """What the buyer is asked about, in a sentence."""
    order = db.session.get(Order, feedback_request.order_id) if feedback_request.order_id else None
    topic = feedback_request.topic
    if topic == Topic.DELIVERY.value:
        from portal.orders.services import delivered_on

        day = delivered_on(order)
        return _(
            "Your order %(number)s from %(shop)s was delivered on %(date)s.",
            number=order.number,
            shop=merchant.name,
            date=format_date(day, "long") if day else "",
        )
    if topic == Topic.RETURN.value:
        return _("Your return %(number)s to %(shop)s is settled.", number=subject.number, shop=merchant.name)
    if topic == Topic.CLAIM.value:
        return _("Your claim %(number)s to %(shop)s is settled.", number=subject.number, shop=merchant.name)
    return _(
        "Your ticket %(number)s at %(shop)s is solved: %(subject)s",
        number=subject.number,
        shop=merchant.name,
        subject=subject.subject,
    )


@bp.app_context_processor
def _feedback_helpers() -> dict:
    """For the feedback e-mail (rendered by the job, without a request) and the answer page."""
    return {
        "feedback_url": feedback_url,
        "feedback_scores": feedback.SCORES,
        "feedback_score_label": score_label,
        "feedback_question": question,
        "feedback_about": about,
    }


# -- the page ---------------------------------------------------------------------------------------


def _request_of(token: str) -> FeedbackRequest | None:
    try:
        feedback_request = feedback.request_from_token(token)
    except NotFound:
        return None
    merchant = db.session.get(Merchant, feedback_request.merchant_id)
    set_page_locale(feedback_request.locale, merchant.timezone)
    return feedback_request


def _bad_link():
    return render_template(
        "error.html",
        status=404,
        title=_("This link does not work"),
        message=_(
            "The link may be incomplete. Open it again from the e-mail, or copy the whole address into the browser."
        ),
    ), 404


def _order_link(feedback_request: FeedbackRequest) -> str | None:
    from portal.buyers.access import order_link

    order = db.session.get(Order, feedback_request.order_id) if feedback_request.order_id else None
    return order_link(order) if order is not None else None


def _closed(feedback_request: FeedbackRequest):
    """An old link: nothing is recorded; the order page is one click away."""
    merchant = db.session.get(Merchant, feedback_request.merchant_id)
    link = _order_link(feedback_request)
    return render_template(
        "error.html",
        status=410,
        title=_("This feedback link has closed"),
        message=_(
            "Thank you for opening it. Answers are taken for %(days)s days after the e-mail, so this one can no "
            "longer be recorded or changed. If something is still not right, contact %(shop)s from your order page.",
            days=feedback.answer_days(),
            shop=merchant.name,
        ),
        action_url=link or url_for("buyers.lookup", slug=merchant.slug),
        action_label=_("Open your order") if link else _("Find my order"),
    ), 410


def thanks(feedback_request: FeedbackRequest) -> tuple[str, str]:
    """The heading and the sentence the buyer reads once the score is recorded: thanks, and what
    happens next (a person gets in touch after a score of 1 or 2)."""
    merchant = db.session.get(Merchant, feedback_request.merchant_id)
    row = feedback_request.answer
    if row.score >= feedback.POSITIVE_AT_LEAST:
        return _("Thank you!"), _("Your answer helps %(shop)s serve you better.", shop=merchant.name)
    if row.score > feedback.NEGATIVE_AT_MOST:
        return _("Thank you for your answer"), _(
            "What could have been better? Tell %(shop)s in the box below: every comment is read.", shop=merchant.name
        )
    ticket = feedback.follow_up_of(row)
    return _("Thank you for telling us"), _(
        "We are sorry it did not go well. A person at %(shop)s will contact you about it by %(date)s.",
        shop=merchant.name,
        date=format_datetime(ticket.first_response_due_at, "medium") if ticket else "",
    )


def recorded(feedback_request: FeedbackRequest) -> str:
    row = feedback_request.answer
    return _("Your answer: %(score)s out of 5 (%(label)s).", score=row.score, label=score_label(row.score))


def _page(feedback_request: FeedbackRequest, *, chosen: int | None, errors: dict, comment: str, status: int = 200):
    merchant = db.session.get(Merchant, feedback_request.merchant_id)
    row = feedback_request.answer
    answered = row is not None and (chosen is None or chosen == row.score)
    title, message = thanks(feedback_request) if row is not None else ("", "")
    page = render_template(
        "buyers/feedback.html",
        feedback_request=feedback_request,
        merchant=merchant,
        question=question(feedback_request.topic),
        about=about(feedback_request, feedback.subject_of(feedback_request), merchant),
        token=feedback.feedback_token(feedback_request),
        answer=row,
        answered=answered,
        chosen=chosen if chosen is not None else (row.score if row else None),
        thanks_title=title,
        thanks_message=message,
        recorded=recorded(feedback_request) if row is not None else "",
        closes_at=feedback.closes_at(feedback_request),
        comment=comment,
        errors=errors,
        form=ActionForm(),
        order_url=_order_link(feedback_request),
    )
    response = make_response(page, status)
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/feedback/<token>/<int:score>", endpoint="feedback")
def feedback_page(token: str, score: int):
    """The page a score link opens: nothing is recorded by opening it (see the module's docstring)."""
    g.private_page = True
    feedback_request = _request_of(token)
    if feedback_request is None or score not in feedback.SCORES:
        return _bad_link()
    if not feedback.answer_open(feedback_request):
        return _closed(feedback_request)
    row = feedback_request.answer
    return _page(feedback_request, chosen=score, errors={}, comment=(row.comment or "") if row else "")


@bp.post("/feedback/<token>", endpoint="feedback_answer")
def feedback_answer(token: str):
    """The answer: from the page's script (JSON back) or its Send button (the page back)."""
    g.private_page = True
    feedback_request = _request_of(token)
    if feedback_request is None:
        return _bad_link()
    if not feedback.answer_open(feedback_request):
        return _closed(feedback_request)
    wants_json = request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"
    score = request.form.get("score", type=int)
    comment = request.form.get("comment") if "comment" in request.form else None
    if not ActionForm().validate_on_submit():
        if wants_json:
            return jsonify({"ok": False}), 400
        return _page(
            feedback_request,
            chosen=score,
            comment=comment or "",
            errors={"form": [_("The page had expired. Please send your answer again.")]},
            status=400,
        )
    before = feedback_request.answer.comment if feedback_request.answer else None
    try:
        row = feedback.answer(
            feedback_request, score if score is not None else 0, comment=comment, locale=current_language()
        )
    except ValidationFailed as exc:
        if wants_json:
            return jsonify({"ok": False}), 422
        errors: dict[str, list[str]] = {}
        for name, problems in exc.fields.items():
            errors.setdefault(name if name in ("score", "comment") else "form", []).extend(str(p) for p in problems)
        return _page(feedback_request, chosen=score, comment=comment or "", errors=errors, status=422)
    except Conflict:
        return _closed(feedback_request)
    db.session.refresh(feedback_request)
    if wants_json:
        title, message = thanks(feedback_request)
        return jsonify(
            {
                "ok": True,
                "score": row.score,
                "title": title,
                "message": message,
                "recorded": recorded(feedback_request),
            }
        )
    if row.comment and row.comment != before:
        flash(_("Thank you: your comment was sent."), "success")
    return redirect(url_for("buyers.feedback", token=token, score=row.score))
