"""The production start-up check: every unsafe or missing setting is named, none is printed."""

from __future__ import annotations

import re

import pytest

import config as settings
from portal import create_app
from portal.production import check_production_config, refuse_unsafe_production

SECRET = "k" * 20 + "-production-secret-value"  # 45 characters
STRIPE_SECRET = "sk_live_never_printed"
GOOD = {
    "ENV_NAME": "production",
    "SECRET_KEY": SECRET,
    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://apuri:db-password-value@db/apuri",
    "REDIS_URL": "redis://:redis-password-value@redis:6379/0",
    "SMTP_URL": "smtp://mailer:smtp-password-value@smtp.example.com:587",
    "PUBLIC_BASE_URL": "https://portal.example.com",
    "STRIPE_SECRET_KEY": None,
    "STRIPE_WEBHOOK_SECRET": None,
    "SESSION_COOKIE_SECURE": True,
    "INBOUND_EMAIL_SECRET": "inbound-secret-value",
    "STORAGE_URL": "s3://AKID:storage-secret-value@minio:9000/uploads?secure=false",
}
SECRET_VALUES = [SECRET, STRIPE_SECRET, "db-password-value", "redis-password-value", "smtp-password-value"]


@pytest.fixture(autouse=True)
def _no_database_url_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(settings, "INSTANCE_DIR", tmp_path / "instance")


def test_good_settings_have_no_problem():
    assert check_production_config(GOOD) == []
    refuse_unsafe_production(GOOD)


def test_an_object_with_attributes_works_as_well_as_a_mapping():
    class Settings:
        pass

    for name, value in GOOD.items():
        setattr(Settings, name, value)
    assert check_production_config(Settings) == []
    Settings.REDIS_URL = None
    assert [p for p in check_production_config(Settings) if p.startswith("REDIS_URL")]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": ""}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": "test-secret-not-for-production"}, "SECRET_KEY is the test default"),
        ({"SECRET_KEY": "short-secret"}, "SECRET_KEY is shorter than 32"),
        ({"SQLALCHEMY_DATABASE_URI": "sqlite:////tmp/x.sqlite3"}, "The database is SQLite"),
        ({"SQLALCHEMY_DATABASE_URI": None}, "DATABASE_URL is not set"),
        ({"REDIS_URL": None}, "REDIS_URL is not set"),
        ({"SMTP_URL": ""}, "SMTP_URL is not set"),
        ({"PUBLIC_BASE_URL": "http://portal.example.com"}, "PUBLIC_BASE_URL is not an https://"),
        ({"PUBLIC_BASE_URL": "https://"}, "PUBLIC_BASE_URL is not an https://"),
        ({"STRIPE_SECRET_KEY": STRIPE_SECRET}, "STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is not"),
        ({"STRIPE_WEBHOOK_SECRET": "whsec_x"}, "STRIPE_WEBHOOK_SECRET is set but STRIPE_SECRET_KEY is not"),
        ({"SESSION_COOKIE_SECURE": False}, "SESSION_COOKIE_SECURE is off"),
        ({"INBOUND_EMAIL_SECRET": None}, "INBOUND_EMAIL_SECRET is not set"),
        ({"STORAGE_URL": "ftp://u:storage-secret-value@h/b"}, "STORAGE_URL is not usable"),
    ],
)
def test_each_problem_is_named_alone(changes, expected):
    problems = check_production_config(GOOD | changes)

    assert len(problems) == 1, problems
    assert problems[0].startswith(expected)
    for value in [*SECRET_VALUES, "storage-secret-value", "short-secret"]:
        assert value not in problems[0]


def test_stripe_fully_configured_is_fine():
    assert (
        check_production_config(GOOD | {"STRIPE_SECRET_KEY": STRIPE_SECRET, "STRIPE_WEBHOOK_SECRET": "whsec_x"}) == []
    )


def test_the_database_may_come_from_database_url(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://apuri@db/apuri")
    assert check_production_config(GOOD | {"SQLALCHEMY_DATABASE_URI": None}) == []
    monkeypatch.setenv("DATABASE_URL", "sqlite:////srv/apuri.sqlite3")
    assert check_production_config(GOOD | {"SQLALCHEMY_DATABASE_URI": None})[0].startswith("The database is SQLite")


def test_the_development_secret_from_the_instance_folder_is_refused(tmp_path):
    development = "d" * 64
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "secret_key").write_text(development + "\n")

    problems = check_production_config(GOOD | {"SECRET_KEY": development})

    assert problems == [
        "SECRET_KEY is the development secret from instance/secret_key: set SECRET_KEY in the environment to "
        "at least 32 random characters (python -c 'import secrets; print(secrets.token_urlsafe(48))')."
    ]


def test_only_production_is_checked():
    refuse_unsafe_production({"ENV_NAME": "development"})
    refuse_unsafe_production({"ENV_NAME": "testing", "SECRET_KEY": "test-secret-not-for-production"})
    with pytest.raises(RuntimeError):
        refuse_unsafe_production({"ENV_NAME": "production"})


def _overrides(**changes) -> dict:
    values = {k: v for k, v in (GOOD | changes).items() if k != "ENV_NAME"}
    return values


def test_production_app_with_bad_settings_refuses_to_start_listing_every_problem(monkeypatch, tmp_path):
    monkeypatch.setenv("APURI_ENV", "production")
    bad = _overrides(
        SECRET_KEY=None,
        SQLALCHEMY_DATABASE_URI=None,
        REDIS_URL=None,
        SMTP_URL=None,
        PUBLIC_BASE_URL="http://127.0.0.1:5000",
        STRIPE_SECRET_KEY=STRIPE_SECRET,
        SESSION_COOKIE_SECURE=False,
        INBOUND_EMAIL_SECRET=None,
    )

    with pytest.raises(RuntimeError) as error:
        create_app(**bad)

    message = str(error.value)
    lines = message.splitlines()
    assert lines[0] == "Refusing to start in production (APURI_ENV=production):"
    assert len(lines) == 1 + 8
    for name in (
        "SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "SMTP_URL",
        "PUBLIC_BASE_URL",
        "STRIPE_WEBHOOK_SECRET",
        "SESSION_COOKIE_SECURE",
        "INBOUND_EMAIL_SECRET",
    ):
        assert sum(line.startswith("- ") and re.search(rf"\b{name}\b", line) is not None for line in lines[1:]) == 1, (
            name
        )
    assert STRIPE_SECRET not in message
    # Nothing was generated into the instance folder on the way.
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_production_app_with_good_settings_starts(monkeypatch):
    monkeypatch.setenv("APURI_ENV", "production")

    app = create_app(**_overrides())

    assert app.config["ENV_NAME"] == "production"
    assert app.config["SECRET_KEY"] == SECRET
    assert not app.testing


def test_the_testing_app_is_not_checked():
    app = create_app("testing")
    assert app.config["ENV_NAME"] == "testing"
