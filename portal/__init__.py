"""Apuri: the post-purchase self-service portal. ``create_app`` builds the Flask app."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask, g, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError

import config as settings
from portal.extensions import babel, csrf, limiter, login_manager, migrate
from portal.extensions import db as _db

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_name: str | None = None, **overrides) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder="static",
        instance_path=str(settings.INSTANCE_DIR),
    )
    app.config.from_object(settings.resolve(config_name))
    app.config.update(overrides)
    from portal.production import refuse_unsafe_production

    refuse_unsafe_production(app.config)  # before any default fills in (a secret, SQLite)
    finish = {k: app.config.get(k) for k in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI")}
    settings.finish(finish)
    app.config.update(finish)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}

    from portal import models  # noqa: F401  (every table registered before migrate)
    from portal.translations_build import compile_translations

    compile_translations()

    _db.init_app(app)
    migrate.init_app(app, _db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    from portal.i18n import select_locale, select_timezone

    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    login_manager.init_app(app)
    app.session_interface = _SessionInterface()
    limiter.init_app(app)
    _configure_login()
    _register_blueprints(app)
    from portal.observability import init_observability

    init_observability(app)
    _register_template_helpers(app)
    _register_error_pages(app)
    _register_security_headers(app)
    _register_sqlite_pragmas(app)

    from portal.cli import register_cli

    register_cli(app)
    if not app.debug and not app.testing:
        logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"))
    if app.config.get("INLINE_SCHEDULER") and not app.testing and os.environ.get("WERKZEUG_RUN_MAIN", "true") == "true":
        from portal.scheduler import start_in_background

        start_in_background(app)
    return app


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer built once per app rather
    than on every request (it only depends on the secret key and settings)."""

    def get_signing_serializer(self, app: Flask):
        serializer = app.extensions.get("apuri.session_serializer")
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            app.extensions["apuri.session_serializer"] = serializer
        return serializer


def _configure_login() -> None:
    from flask_babel import lazy_gettext as _l

    from portal.accounts.models import User

    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_id: str):
        user_id, _, nonce = session_id.partition(":")
        user = _db.session.get(User, user_id)
        if user is None or not user.active or user.session_nonce != nonce:
            return None
        return user


def _register_blueprints(app: Flask) -> None:
    import portal.buyers.branding  # noqa: F401  (routes on the buyers blueprint)
    import portal.buyers.callbacks  # noqa: F401  (routes on the buyers blueprint)
    import portal.buyers.claims  # noqa: F401  (routes on the buyers blueprint)
    import portal.buyers.feedback  # noqa: F401  (routes on the buyers blueprint)
    import portal.buyers.help  # noqa: F401  (routes on the buyers blueprint)
    import portal.buyers.instalments  # noqa: F401  (routes on the buyers blueprint)
    import portal.buyers.returns  # noqa: F401  (routes on the buyers blueprint)
    import portal.buyers.support  # noqa: F401  (routes on the buyers blueprint)
    from portal.accounts.views import bp as accounts_bp
    from portal.api import bp as api_bp
    from portal.buyers.views import bp as buyers_bp
    from portal.console.views import bp as console_bp

    app.register_blueprint(buyers_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(console_bp)
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)
    # The assistant's question box sits on cached pages: asking changes only this browser's
    # conversation (handing over to a person is a separate, protected form).
    csrf.exempt(portal.buyers.help.assistant)


def _register_template_helpers(app: Flask) -> None:
    from portal.i18n import LANGUAGE_NAMES, current_language
    from portal.money import format_money
    from portal.orders.policy import next_step, status_label, tracking_url
    from portal.returns import policy as return_rules

    def return_reason_label(code: str, merchant=None) -> str:
        from portal.merchants.policy import effective_policy

        returns_policy = effective_policy(merchant.policy)["returns"] if merchant is not None else None
        return return_rules.reason_label(code, returns_policy, current_language())

    def lang_url(code: str) -> str:
        """This page in another language, keeping the console's shop, search and page."""
        from urllib.parse import urlencode

        kept = {
            k: v
            for k, v in request.args.items()
            if k in ("shop", "q", "cursor", "status", "reason", "age", "view", "from", "to")
        }
        return "?" + urlencode({**kept, "lang": code})

    @app.context_processor
    def inject() -> dict:
        return {
            "lang_url": lang_url,
            "LANGUAGE_NAMES": LANGUAGE_NAMES,
            "current_language": current_language,
            "status_label": status_label,
            "next_step": next_step,
            "tracking_url": tracking_url,
            "return_reason_label": return_reason_label,
            "return_resolution_label": return_rules.resolution_label,
            "return_status_label": return_rules.status_label,
        }

    @app.template_filter("country")
    def country_filter(code: str) -> str:
        """FI → Suomi / Finland, in the page's language."""
        from babel import Locale

        from portal.money import _babel_locale

        try:
            return Locale.parse(_babel_locale(current_language())).territories.get(code.upper(), code)
        except (ValueError, AttributeError):
            return code

    @app.template_filter("money")
    def money_filter(amount: int, currency: str) -> str:
        return format_money(amount, currency, current_language())

    @app.template_filter("percent")
    def percent_filter(value) -> str:
        """A rate in percent (Decimal("9.90")) as the page's language writes it: "9,9 %", "9.9%"."""
        from portal.money import format_percent

        return format_percent(value, current_language())


def _register_error_pages(app: Flask) -> None:
    from flask_babel import gettext as _

    from portal.errors import RateLimited

    def page(status: int, title: str, message: str):
        if request.path.startswith("/api/"):
            from portal.api.errors import error_response

            return error_response(status, None, message)
        return render_template("error.html", title=title, message=message, status=status), status

    @app.before_request
    def refuse_nul_characters():
        # No text here holds a NUL character, and PostgreSQL cannot even compare one:
        # answer 400 rather than let a query fail.
        from flask import abort

        sources = [request.args] if request.method in ("GET", "HEAD") else [request.args, request.form]
        if "\x00" in request.path or any("\x00" in value for source in sources for value in source.values()):
            abort(400)

    @app.errorhandler(400)
    def bad_request(_exc):
        return page(
            400, _("Please check what you sent"), _("Part of the request could not be read. Go back and try again.")
        )

    @app.errorhandler(404)
    def not_found(_exc):
        return page(
            404,
            _("Page not found"),
            _("We could not find that page. Check the address or start again from the order lookup."),
        )

    @app.errorhandler(405)
    def not_allowed(_exc):
        return page(405, _("Not allowed"), _("That action is not available here."))

    @app.errorhandler(CSRFError)
    def csrf_failed(_exc):
        return page(
            400,
            _("Please try again"),
            _("The form expired or was sent from elsewhere. Reload the page and send it again."),
        )

    @app.errorhandler(413)
    def too_large(_exc):
        return page(413, _("Too large"), _("What you sent is too large."))

    @app.errorhandler(429)
    def limited(_exc):
        response = page(429, _("Too many attempts"), str(RateLimited(60).message))
        return response

    @app.errorhandler(500)
    def server_error(_exc):
        _db.session.rollback()
        return page(500, _("Something went wrong"), _("Nothing was changed. Please try again in a moment."))

    from sqlalchemy.exc import DBAPIError, OperationalError

    @app.errorhandler(DBAPIError)
    def database_unreachable(exc):
        """The database went away mid-request (a restart, a failover): the transaction is rolled
        back, so nothing was changed; the next request reconnects (pool_pre_ping). 503 with
        Retry-After, not 500: the request was fine and can be sent again. Other database errors
        stay server errors."""
        _db.session.rollback()
        if not (isinstance(exc, OperationalError) or exc.connection_invalidated):
            app.logger.error("database error", exc_info=exc)
            return server_error(exc)
        app.logger.warning("database unreachable: %s", type(exc.orig).__name__ if exc.orig else type(exc).__name__)
        response = app.make_response(
            page(503, _("Something went wrong"), _("Nothing was changed. Please try again in a moment."))
        )
        response.headers["Retry-After"] = "5"
        return response


def _register_security_headers(app: Flask) -> None:
    csp = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
    defaults = [
        ("Content-Security-Policy", csp),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(self), geolocation=(), microphone=()"),
    ]
    if app.config.get("SESSION_COOKIE_SECURE"):
        defaults.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))

    @app.after_request
    def headers(response):
        # One pass over what the view set (a view may send its own CSP or framing rule).
        present = {key.lower() for key, _value in response.headers.items()}
        response.headers.extend([(k, v) for k, v in defaults if k.lower() not in present])
        if g.get("private_page"):
            response.headers["Cache-Control"] = "private, no-store"
        return response


def _register_sqlite_pragmas(app: Flask) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    from sqlalchemy import event

    with app.app_context():
        engine = _db.engine

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
