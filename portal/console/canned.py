"""The console's prepared replies: the list of the shop's, and a page to add, change or delete one.

Everyone who answers tickets manages them. The rules (languages, lengths, placeholders, one title
per language) live in ``portal.support.canned``; these routes pass on what was typed and show its
answer beside the fields. They join the console blueprint (``views.py`` imports this module).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.permissions import staff_required
from portal.accounts.services import actor_for
from portal.console.views import _choose_shop, _shop, _shop_args, bp
from portal.errors import NotFound, ValidationFailed
from portal.merchants.models import Merchant
from portal.support import canned
from portal.support.models import CannedReply

FIELDS = ("locale", "title", "body")


@bp.get("/canned-replies", endpoint="canned_replies")
@staff_required()
def canned_reply_list():
    """The shop's prepared replies, by language and title; ``?locale=`` shows one language's."""
    merchant = _shop()
    if merchant is None:
        return _choose_shop()
    locale = request.args.get("locale") or ""
    if locale not in canned.languages():
        locale = ""
    return render_template(
        "console/canned_replies.html",
        merchant=merchant,
        replies=canned.list_for(merchant.id, locale or None),
        locale=locale,
        languages=canned.languages(),
    )


@bp.route("/canned-replies/new", methods=["GET", "POST"], endpoint="canned_reply_new")
@staff_required()
def canned_reply_new():
    """Add a prepared reply; ``?locale=`` chooses its language in advance."""
    merchant = _shop()
    if merchant is None:
        return _no_shop()
    if request.method == "GET":
        locale = request.args.get("locale")
        if locale not in canned.languages():
            locale = merchant.default_locale
        return _form_page(merchant, None, {"locale": locale, "title": "", "body": ""})
    typed = _typed()
    try:
        reply = canned.create(merchant, typed, _actor())
    except ValidationFailed as exc:
        return _form_page(merchant, None, typed, errors=exc.fields, status=422)
    flash(_("Prepared reply “%(title)s” added.", title=reply.title), "success")
    return _to_list(reply)


@bp.route("/canned-replies/<reply_id>", methods=["GET", "POST"], endpoint="canned_reply")
@staff_required()
def canned_reply_edit(reply_id: str):
    """Change a prepared reply's language, title or text; the page also offers to delete it."""
    merchant = _shop()
    if merchant is None:
        return _no_shop()
    reply = canned.get(merchant.id, reply_id)
    if request.method == "GET":
        return _form_page(merchant, reply, {name: getattr(reply, name) for name in FIELDS})
    typed = _typed()
    try:
        reply = canned.update(reply, typed, _actor())
    except ValidationFailed as exc:
        return _form_page(merchant, reply, typed, errors=exc.fields, status=422)
    flash(_("Prepared reply “%(title)s” saved.", title=reply.title), "success")
    return _to_list(reply)


@bp.post("/canned-replies/<reply_id>/delete", endpoint="canned_reply_delete")
@staff_required()
def canned_reply_delete(reply_id: str):
    """Delete a prepared reply (the button on its own page); tickets stop offering it at once."""
    merchant = _shop()
    if merchant is None:
        raise NotFound()
    reply = canned.get(merchant.id, reply_id)
    title = reply.title
    canned.delete(reply, _actor())
    flash(_("Prepared reply “%(title)s” deleted.", title=title), "success")
    return redirect(url_for(".canned_replies", **_shop_args()))


def _no_shop():
    """Platform staff pick a shop first; a form sent without one is about nothing here."""
    if request.method == "POST":
        raise NotFound()
    return _choose_shop()


def _typed() -> dict[str, str]:
    return {name: request.form.get(name, "") for name in FIELDS}


def _actor():
    return actor_for(current_user, request.remote_addr)


def _to_list(reply: CannedReply):
    return redirect(url_for(".canned_replies", **_shop_args()) + f"#canned-{reply.id}")


def _form_page(
    merchant: Merchant,
    reply: CannedReply | None,
    values: dict[str, str],
    *,
    errors: dict[str, list] | None = None,
    status: int = 200,
):
    return render_template(
        "console/canned_reply.html",
        merchant=merchant,
        reply=reply,
        values=values,
        errors={name: [str(message) for message in messages] for name, messages in (errors or {}).items()},
        languages=canned.languages(),
        limits={"title": canned.TITLE_MAX, "body": canned.BODY_MAX},
    ), status
