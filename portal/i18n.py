"""Language of each request: the buyer's explicit choice, then the page's own language
(the order's), then the browser's, then English."""

from __future__ import annotations

from flask import current_app, g, has_request_context, request, session
from flask_babel import get_locale

LANGUAGE_NAMES = {
    "fi": "Suomi",
    "sv": "Svenska",
    "da": "Dansk",
    "nb": "Norsk bokmål",
    "is": "Íslenska",
    "en": "English",
}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # jobs and commands: callers pick with force_locale
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.args.get("lang")
    if chosen in languages:
        if not request.path.startswith("/api/"):  # the API keeps no session
            session["lang"] = chosen
        return chosen
    if session.get("lang") in languages:
        return session["lang"]
    page_locale = g.get("page_locale")
    if page_locale in languages:
        return page_locale
    return request.accept_languages.best_match(languages) or "en"


def current_language() -> str:
    return str(get_locale() or "en")


def select_timezone() -> str:
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_TIMEZONE"]
    return g.get("page_timezone") or current_app.config["BABEL_DEFAULT_TIMEZONE"]


def set_page_locale(locale: str | None, timezone: str | None = None) -> None:
    """A page about an order speaks the order's language unless the buyer chose another,
    and tells times in the shop's time zone."""
    if locale:
        g.page_locale = locale
    if timezone:
        g.page_timezone = timezone
    # Flask-Babel caches the locale per request; drop it so the page's own is seen.
    from flask_babel import refresh

    refresh()
