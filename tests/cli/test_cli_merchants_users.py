"""``flask merchants create``, ``merchants create-api-key`` and ``users create``: clear errors, no tracebacks."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.accounts.services import authenticate
from portal.extensions import db
from portal.merchants.models import ApiKey, Merchant
from portal.merchants.services import authenticate_api_key


def merchant_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Merchant))


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def assert_clean_failure(result, exit_code: int = 1) -> None:
    """The command stopped with a message and an exit status, not with a traceback."""
    assert result.exit_code == exit_code, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output


# -- merchants create ------------------------------------------------------------------------


def test_merchants_create_makes_the_shop(runner):
    result = runner.invoke(
        args=[
            "merchants", "create", "pyorapaja",
            "--name", "Pyöräpaja",
            "--currency", "SEK",
            "--locale", "sv",
            "--support-email", "hjalp@pyorapaja.example",
        ]
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Created shop pyorapaja (Pyöräpaja, SEK, sv)."
    shop = db.session.scalar(select(Merchant).where(Merchant.slug == "pyorapaja"))
    assert (shop.name, shop.currency, shop.default_locale, shop.support_email) == (
        "Pyöräpaja",
        "SEK",
        "sv",
        "hjalp@pyorapaja.example",
    )


def test_merchants_create_with_a_taken_slug_says_so_and_changes_nothing(runner, make_merchant):
    make_merchant("kodinkone", name="Kodinkone Oy")

    result = runner.invoke(args=["merchants", "create", "kodinkone", "--name", "Another shop"])

    assert_clean_failure(result)
    assert "Error: A shop with the address kodinkone already exists." in result.stderr
    assert merchant_count() == 1
    assert db.session.scalar(select(Merchant.name)) == "Kodinkone Oy"


@pytest.mark.parametrize("slug", ["ab", "-kauppa", "kauppa_1", "oma kauppa", "kauppa-"])
def test_merchants_create_with_a_bad_slug_explains_the_rule(runner, slug):
    result = runner.invoke(args=["merchants", "create", "--name", "Kauppa", "--", slug])

    assert_clean_failure(result)
    assert "slug: Use 3–64 lower-case letters, digits and hyphens." in result.stderr
    assert merchant_count() == 0


def test_merchants_create_without_a_name_is_a_usage_error(runner):
    result = runner.invoke(args=["merchants", "create", "kodinkone"])

    assert_clean_failure(result, exit_code=2)
    assert "Missing option '--name'" in result.stderr
    assert merchant_count() == 0


# -- merchants create-api-key ----------------------------------------------------------------


def test_create_api_key_prints_the_key_alone_on_the_last_line_and_it_works(runner, make_merchant):
    shop = make_merchant("kodinkone")

    result = runner.invoke(args=["merchants", "create-api-key", "kodinkone", "--name", "Webshop"])

    assert result.exit_code == 0, result.output
    *explanation, secret = result.stdout.strip().splitlines()
    assert secret == secret.strip() and " " not in secret
    assert not any(secret in line for line in explanation)
    key = authenticate_api_key(secret)
    assert key is not None
    assert key.merchant_id == shop.id
    assert key.name == "Webshop"


def test_only_a_hash_of_the_api_key_is_stored(runner, make_merchant):
    make_merchant("kodinkone")

    result = runner.invoke(args=["merchants", "create-api-key", "kodinkone"])

    secret = result.stdout.strip().splitlines()[-1]
    rows = db.session.execute(select(ApiKey.__table__)).all()
    assert len(rows) == 1
    stored = " ".join(str(value) for value in rows[0])
    assert secret not in stored
    assert secret[len("apuri_") :] not in stored


def test_each_api_key_is_different(runner, make_merchant):
    make_merchant("kodinkone")

    first = runner.invoke(args=["merchants", "create-api-key", "kodinkone"]).stdout.strip().splitlines()[-1]
    second = runner.invoke(args=["merchants", "create-api-key", "kodinkone"]).stdout.strip().splitlines()[-1]

    assert first != second
    assert authenticate_api_key(first).id != authenticate_api_key(second).id


def test_create_api_key_for_an_unknown_shop_says_so(runner):
    result = runner.invoke(args=["merchants", "create-api-key", "nope"])

    assert_clean_failure(result)
    assert "Error: No shop with the address nope." in result.stderr
    assert db.session.scalar(select(func.count()).select_from(ApiKey)) == 0


# -- users create ----------------------------------------------------------------------------


def test_users_create_makes_merchant_staff_who_can_sign_in(runner, make_merchant):
    shop = make_merchant("kodinkone")

    result = runner.invoke(
        args=[
            "users", "create",
            "--email", "Kaisa@Kodinkone.example",
            "--password", "correct horse battery",
            "--role", "merchant_admin",
            "--merchant", "kodinkone",
            "--name", "Kaisa Kauppias",
        ]
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Created merchant_admin kaisa@kodinkone.example for kodinkone."
    user = authenticate("kaisa@kodinkone.example", "correct horse battery")
    assert (user.merchant_id, user.role.value, user.name) == (shop.id, "merchant_admin", "Kaisa Kauppias")
    assert "correct horse battery" not in user.password_hash


def test_users_create_makes_platform_staff_without_a_shop(runner):
    result = runner.invoke(
        args=["users", "create", "--email", "tuki@apuri.example", "--password", "correct horse battery",
              "--role", "support_agent"]
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Created support_agent tuki@apuri.example."
    assert authenticate("tuki@apuri.example", "correct horse battery").merchant_id is None


def test_users_create_with_an_unknown_role_lists_the_roles(runner):
    result = runner.invoke(
        args=["users", "create", "--email", "x@apuri.example", "--password", "correct horse battery",
              "--role", "superuser"]
    )  # fmt: skip

    assert_clean_failure(result, exit_code=2)
    assert "Invalid value for '--role'" in result.stderr
    assert "merchant_admin" in result.stderr and "platform_admin" in result.stderr
    assert user_count() == 0


def test_users_create_with_a_short_password_says_how_long_it_must_be(runner):
    result = runner.invoke(
        args=["users", "create", "--email", "x@apuri.example", "--password", "short", "--role", "support_agent"]
    )

    assert_clean_failure(result)
    assert "password: Use at least 10 characters." in result.stderr
    assert user_count() == 0


@pytest.mark.parametrize(
    ("role", "merchant", "message"),
    [
        ("merchant_agent", None, "merchant: Merchant staff need a shop."),
        ("platform_admin", "kodinkone", "merchant: Platform staff belong to no shop."),
        ("merchant_agent", "nope", "Error: No shop with the address nope."),
    ],
)
def test_users_create_checks_the_shop_against_the_role(runner, make_merchant, role, merchant, message):
    make_merchant("kodinkone")
    args = ["users", "create", "--email", "x@apuri.example", "--password", "correct horse battery", "--role", role]
    if merchant:
        args += ["--merchant", merchant]

    result = runner.invoke(args=args)

    assert_clean_failure(result)
    assert message in result.stderr
    assert user_count() == 0


def test_users_create_with_a_taken_email_says_so(runner, make_user):
    make_user(email="tuki@apuri.example", role="support_agent")

    result = runner.invoke(
        args=["users", "create", "--email", "TUKI@apuri.example", "--password", "another long password",
              "--role", "support_agent"]
    )  # fmt: skip

    assert_clean_failure(result)
    assert "Error: A user with this e-mail address already exists." in result.stderr
    assert user_count() == 1
