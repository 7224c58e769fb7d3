"""The console's help centre: the shop's articles with their readings and "was this helpful?"
answers, the most-read and least-helpful lists, and editing an article in the six languages
(Markdown, sanitised when shown). The rules live in ``portal.help.services``."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.models import Role
from portal.accounts.permissions import has_role, staff_required
from portal.accounts.services import actor_for
from portal.console.views import _choose_shop, _shop, _shop_args, bp
from portal.errors import NotFound, ValidationFailed
from portal.extensions import db
from portal.help import services as help_centre
from portal.help.models import SECTIONS, HelpArticle
from portal.i18n import LANGUAGE_NAMES, current_language


def _may_edit() -> bool:
    return has_role(current_user.role, Role.MERCHANT_AGENT)


@bp.get("/help", endpoint="help_articles")
@staff_required()
def article_list():
    merchant = _shop()
    if merchant is None:
        return _choose_shop()
    most_viewed, least_helpful = help_centre.insights(merchant)
    return render_template(
        "console/help_articles.html",
        merchant=merchant,
        sections=help_centre.by_section(merchant),
        section_label=help_centre.section_label,
        most_viewed=most_viewed,
        least_helpful=least_helpful,
        language=current_language(),
        may_edit=_may_edit(),
    )


def _article(merchant, article_id: str) -> HelpArticle:
    article = db.session.get(HelpArticle, article_id)
    if article is None or article.merchant_id != merchant.id:
        raise NotFound()
    return article


def _values(article: HelpArticle | None) -> dict[str, str]:
    if article is None:
        return {"section": request.args.get("section", "delivery"), "key": ""}
    values = {"section": article.section, "key": article.key}
    for text in article.texts:
        values[f"title_{text.locale}"] = text.title
        values[f"body_{text.locale}"] = text.body
    return values


def _form(merchant, article, values, errors=None, status=200):
    return render_template(
        "console/help_article.html",
        merchant=merchant,
        article=article,
        values=values,
        errors=errors or {},
        sections=[(s, help_centre.section_label(s)) for s in SECTIONS],
        languages=list(LANGUAGE_NAMES.items()),
        may_edit=_may_edit(),
    ), status


@bp.route("/help/new", methods=["GET", "POST"], endpoint="help_article_new")
@staff_required(Role.MERCHANT_AGENT)
def article_new():
    merchant = _shop()
    if merchant is None:
        return _choose_shop()
    if request.method == "GET":
        return _form(merchant, None, _values(None))
    return _save(merchant, None)


@bp.route("/help/<article_id>", methods=["GET", "POST"], endpoint="help_article_edit")
@staff_required()
def article_edit(article_id: str):
    merchant = _shop()
    if merchant is None:
        return _choose_shop()
    article = _article(merchant, article_id)
    if request.method == "GET":
        return _form(merchant, article, _values(article))
    if not _may_edit():
        return _form(
            merchant, article, _values(article), {"form": [_("Only the shop's staff can edit articles.")]}, 403
        )
    return _save(merchant, article)


def _save(merchant, article):
    values = {key: value for key, value in request.form.items() if key != "csrf_token"}
    try:
        saved = help_centre.save_article(merchant, article, values, actor_for(current_user, request.remote_addr))
    except ValidationFailed as exc:
        errors = {name: [str(m) for m in problems] for name, problems in exc.fields.items()}
        return _form(merchant, article, values, errors, 422)
    text = saved.text(current_language())
    flash(_("Article “%(title)s” saved. Buyers see it at once.", title=text.title if text else saved.key), "success")
    return redirect(url_for(".help_articles", **_shop_args()) + f"#article-{saved.id}")


@bp.post("/help/<article_id>/delete", endpoint="help_article_delete")
@staff_required(Role.MERCHANT_AGENT)
def article_delete(article_id: str):
    merchant = _shop()
    if merchant is None:
        raise NotFound()
    article = _article(merchant, article_id)
    help_centre.delete_article(merchant, article, actor_for(current_user, request.remote_addr))
    flash(_("The article was deleted. Buyers no longer find it."), "success")
    return redirect(url_for(".help_articles", **_shop_args()))
