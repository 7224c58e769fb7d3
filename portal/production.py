"""The start-up check for production: refuse to serve with settings that are unsafe or incomplete.

``check_production_config`` lists every problem (never a secret's value); ``refuse_unsafe_production``
raises RuntimeError with all of them, one per line, when the app runs as production. It runs in
``create_app`` before anything is filled in, so production never falls back to a secret generated
into instance/secret_key or to the SQLite file under instance/.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from urllib.parse import urlsplit

MIN_SECRET_LENGTH = 32
# The secret the test settings carry; never a production one.
KNOWN_SECRETS = frozenset({"test-secret-not-for-production"})


def _get(config, name: str):
    if isinstance(config, Mapping):
        return config.get(name)
    return getattr(config, name, None)


def is_production(config) -> bool:
    return (_get(config, "ENV_NAME") or "") == "production"


def _development_secret() -> str | None:
    """The secret development generated into instance/secret_key, if there is one (read, never made)."""
    import config as settings

    try:
        return (settings.INSTANCE_DIR / "secret_key").read_text().strip() or None
    except OSError:
        return None


def _database_url(config) -> str:
    return (
        _get(config, "SQLALCHEMY_DATABASE_URI") or _get(config, "DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    )


def check_production_config(config) -> list[str]:
    """Every reason the settings are not fit for production; empty when they are.

    ``config`` is a mapping (``app.config``, a dict) or an object with the settings as attributes.
    """
    problems: list[str] = []

    secret = _get(config, "SECRET_KEY")
    how = "set SECRET_KEY in the environment to at least 32 random characters (python -c 'import secrets; print(secrets.token_urlsafe(48))')"
    if not secret:
        problems.append(f"SECRET_KEY is not set: {how}; production never generates one into instance/secret_key.")
    elif secret in KNOWN_SECRETS:
        problems.append(f"SECRET_KEY is the test default: {how}.")
    elif secret == _development_secret():
        problems.append(f"SECRET_KEY is the development secret from instance/secret_key: {how}.")
    elif len(secret) < MIN_SECRET_LENGTH:
        problems.append(f"SECRET_KEY is shorter than {MIN_SECRET_LENGTH} characters: {how}.")

    database = _database_url(config)
    if not database:
        problems.append(
            "DATABASE_URL is not set: production needs PostgreSQL (postgresql://user:password@host/db), not SQLite."
        )
    elif database.lower().startswith("sqlite"):
        problems.append("The database is SQLite: set DATABASE_URL to PostgreSQL (postgresql://user:password@host/db).")

    if not _get(config, "REDIS_URL"):
        problems.append(
            "REDIS_URL is not set: production runs jobs and rate limits through Redis (redis://host:6379/0)."
        )
    if not _get(config, "SMTP_URL"):
        problems.append("SMTP_URL is not set: production sends mail (smtp://user:password@host:587).")

    base = _get(config, "PUBLIC_BASE_URL") or ""
    if urlsplit(base).scheme.lower() != "https" or not urlsplit(base).hostname:
        problems.append(
            "PUBLIC_BASE_URL is not an https:// address: set it to the portal's public address (https://…)."
        )

    stripe_secret = bool(_get(config, "STRIPE_SECRET_KEY"))
    stripe_webhook = bool(_get(config, "STRIPE_WEBHOOK_SECRET"))
    if stripe_secret and not stripe_webhook:
        problems.append("STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is not: set both or neither.")
    elif stripe_webhook and not stripe_secret:
        problems.append("STRIPE_WEBHOOK_SECRET is set but STRIPE_SECRET_KEY is not: set both or neither.")

    if not _get(config, "SESSION_COOKIE_SECURE"):
        problems.append(
            "SESSION_COOKIE_SECURE is off: production cookies travel over https only (unset it or set it to true)."
        )

    if not _get(config, "INBOUND_EMAIL_SECRET"):
        problems.append("INBOUND_EMAIL_SECRET is not set: the inbound e-mail endpoint needs a shared secret.")

    storage_url = _get(config, "STORAGE_URL")
    if storage_url:
        from portal.storage import parse_storage_url

        try:
            parse_storage_url(storage_url)
        except ValueError as error:
            problems.append(f"STORAGE_URL is not usable: {error}")
    return problems


def refuse_unsafe_production(config) -> None:
    """Raise RuntimeError listing every problem, one per line, when production settings are unfit."""
    if not is_production(config):
        return
    problems = check_production_config(config)
    if problems:
        lines = "\n".join(f"- {problem}" for problem in problems)
        if os.environ.get("APURI_BENCHMARK_ONLY") == "1":
            # bench/ runs the production settings on this machine (SQLite, no Redis): it may,
            # and says so; nothing else may.
            logging.getLogger(__name__).warning("Production settings unfit (benchmark run):\n%s", lines)
            return
        raise RuntimeError(f"Refusing to start in production (APURI_ENV=production):\n{lines}")
