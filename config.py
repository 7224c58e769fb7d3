"""Settings, every one from the environment, with safe defaults for the embedded mode.

The embedded default is SQLite under instance/, inline jobs, simulated payments and
mail kept in the outbox. Production sets DATABASE_URL, REDIS_URL, SMTP_URL and SECRET_KEY.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("APURI_INSTANCE_DIR", BASE_DIR / "instance"))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _development_secret() -> str:
    """A secret generated once into instance/ so that no secret lives in the repo."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url[len("postgres://") :]
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        return url
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{INSTANCE_DIR / 'apuri.sqlite3'}"


class Config:
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY") or None  # filled lazily in create_app
    SQLALCHEMY_DATABASE_URI = None  # filled lazily in create_app
    # pool_pre_ping: a pooled connection is tested (a cheap round trip) before each checkout, so
    # that after a database restart, a failover or an idle timeout the next request reconnects
    # instead of failing on a dead connection. (SQLite gets its own options in create_app.)
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = False

    REDIS_URL = os.environ.get("REDIS_URL") or None
    SMTP_URL = os.environ.get("SMTP_URL") or None
    MAIL_FROM = os.environ.get("MAIL_FROM", "Apuri <no-reply@apuri.localhost>")
    # Replies to ticket e-mails go to support+<token>@<this domain>; the mail server hands them to
    # `flask support inbound` or POST /api/v1/inbound/email (with INBOUND_EMAIL_SECRET).
    WEBHOOK_ALLOW_HTTP = _bool("WEBHOOK_ALLOW_HTTP", False)
    SUPPORT_REPLY_DOMAIN = os.environ.get("SUPPORT_REPLY_DOMAIN", "apuri.localhost")
    INBOUND_EMAIL_SECRET = os.environ.get("INBOUND_EMAIL_SECRET") or None
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    UPLOAD_ROOT = os.environ.get("UPLOAD_ROOT", str(BASE_DIR / "uploads"))
    # Where uploads live (portal/storage.py): unset or file:///path for a local folder (UPLOAD_ROOT by
    # default); s3://ACCESS_KEY:SECRET@host:port/bucket?region=…&secure=true|false for an S3-compatible store.
    STORAGE_URL = os.environ.get("STORAGE_URL") or None
    # Claim photos (portal/photos.py): limits checked before anything is decoded or stored.
    # The largest request body (a claim's photos are the largest): Flask answers 413 beyond it.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(32 * 1024 * 1024)))
    PHOTO_MAX_BYTES = int(os.environ.get("PHOTO_MAX_BYTES", str(10 * 1024 * 1024)))  # one file
    PHOTO_MAX_FILES = int(os.environ.get("PHOTO_MAX_FILES", "5"))  # per claim
    CLAIM_MAX_BYTES = int(os.environ.get("CLAIM_MAX_BYTES", str(30 * 1024 * 1024)))  # all photos of a claim
    PHOTO_MAX_PIXELS = int(os.environ.get("PHOTO_MAX_PIXELS", str(40_000_000)))  # read from the header
    PHOTO_MAX_SIDE = int(os.environ.get("PHOTO_MAX_SIDE", "2560"))  # longest side once re-encoded
    PHOTO_THUMB_SIDE = int(os.environ.get("PHOTO_THUMB_SIDE", "480"))
    PAYMENT_PROVIDER = os.environ.get("PAYMENT_PROVIDER", "simulated")
    # Stripe (portal/payments/providers/stripe.py): needed only for orders paid through Stripe.
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY") or None
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET") or None
    STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY") or None  # Stripe.js on the card pages
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE") or None  # default: Stripe's own; tests: a fake
    STRIPE_TIMEOUT_SECONDS = os.environ.get("STRIPE_TIMEOUT_SECONDS") or None  # default 10
    STRIPE_MAX_NETWORK_RETRIES = os.environ.get("STRIPE_MAX_NETWORK_RETRIES") or None  # default 2

    SESSION_COOKIE_NAME = "apuri_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 12
    # Re-signing the cookie on every page view costs more than the page itself when cached.
    SESSION_REFRESH_EACH_REQUEST = False
    WTF_CSRF_TIME_LIMIT = 60 * 60 * 12

    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or (os.environ.get("REDIS_URL") or "memory://")
    # Buyer lookups: per client address and per order, so that guessing is slow both ways.
    LOOKUP_LIMIT_PER_CLIENT = os.environ.get("LOOKUP_LIMIT_PER_CLIENT", "20/hour")
    LOOKUP_LIMIT_PER_ORDER = os.environ.get("LOOKUP_LIMIT_PER_ORDER", "10/hour")
    TICKET_LIMIT_PER_BUYER = os.environ.get("TICKET_LIMIT_PER_BUYER", "10/hour")
    # The satisfaction survey takes answers for this many days after its e-mail.
    SURVEY_ANSWER_DAYS = int(os.environ.get("SURVEY_ANSWER_DAYS", "30"))
    LOGIN_LIMIT_PER_CLIENT = os.environ.get("LOGIN_LIMIT_PER_CLIENT", "10/minute")

    BUYER_LINK_MAX_AGE_DAYS = int(os.environ.get("BUYER_LINK_MAX_AGE_DAYS", "365"))
    # "All my orders" links e-mailed on request: valid this long; at most this many per address.
    ORDERS_LINK_MAX_AGE_HOURS = int(os.environ.get("ORDERS_LINK_MAX_AGE_HOURS", "24"))
    ORDERS_LINK_LIMIT_PER_ADDRESS = os.environ.get("ORDERS_LINK_LIMIT_PER_ADDRESS", "3/hour")
    BUYER_TOKEN_MAX_AGE_SECONDS = int(os.environ.get("BUYER_TOKEN_MAX_AGE_SECONDS", "3600"))
    ORDER_PAGE_CACHE_SIZE = int(os.environ.get("ORDER_PAGE_CACHE_SIZE", "2048"))
    # How long an app process trusts the order version it read last (see buyers/page_cache.py).
    ORDER_HEAD_TTL_SECONDS = float(os.environ.get("ORDER_HEAD_TTL_SECONDS", "1.0"))

    LANGUAGES = ["fi", "sv", "da", "nb", "is", "en"]
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "Europe/Helsinki"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "portal" / "translations")

    JOBS_INLINE = not bool(os.environ.get("REDIS_URL"))
    # A parcel on its way without a carrier event for this long is flagged (flag_stale_tracking).
    TRACKING_STALE_HOURS = int(os.environ.get("TRACKING_STALE_HOURS", "72"))
    # The embedded demo runs the periodic jobs in a thread of the web process (make run).
    INLINE_SCHEDULER = _bool("INLINE_SCHEDULER", False)

    # Logs (portal/observability.py): "json" writes one JSON object per line with the request id;
    # ACCESS_LOG adds one line per request in text mode too (always on with json).
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()
    ACCESS_LOG = _bool("ACCESS_LOG", False)
    # GET /metrics needs "Authorization: Bearer <METRICS_TOKEN>"; unset: only from this machine.
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN") or None


class DevelopmentConfig(Config):
    # Webhooks to http:// addresses (a shop's test server on this machine); production needs https.
    WEBHOOK_ALLOW_HTTP = _bool("WEBHOOK_ALLOW_HTTP", True)


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json").strip().lower()


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-not-for-production"
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    JOBS_INLINE = True
    REDIS_URL = None
    SMTP_URL = None
    SQLALCHEMY_RECORD_QUERIES = True
    LOG_FORMAT = "text"  # pytest captures the logs; no access lines
    ACCESS_LOG = False
    METRICS_TOKEN = None
    WEBHOOK_ALLOW_HTTP = True  # the tests' receiving server listens on http://127.0.0.1
    # Photos written by tests go to a throw-away folder, never the project's uploads/.
    UPLOAD_ROOT = os.environ.get("TEST_UPLOAD_ROOT") or tempfile.mkdtemp(prefix="apuri-test-uploads-")
    STORAGE_URL = None  # tests that want S3 pass their own


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestingConfig,
}


def resolve(name: str | None = None) -> type[Config]:
    return CONFIGS[(name or os.environ.get("APURI_ENV") or "development").lower()]


def finish(settings: dict) -> None:
    """Fill the settings that need the file system, only when nothing else set them."""
    if not settings.get("SECRET_KEY"):
        settings["SECRET_KEY"] = _development_secret()
    if not settings.get("SQLALCHEMY_DATABASE_URI"):
        settings["SQLALCHEMY_DATABASE_URI"] = _database_url()
