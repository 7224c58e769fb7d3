"""Flask commands: ``flask --app wsgi <command> --help``.

Each command parses its arguments, calls one service, and prints the outcome; a domain error
becomes a clear message and exit status 1, never a traceback.
"""

from __future__ import annotations

import sys
from functools import wraps
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy.exc import DataError, IntegrityError

from portal.actors import Actor
from portal.errors import DomainError


def _fail(exc: DomainError) -> None:
    click.secho(f"Error: {exc.message}", fg="red", err=True)
    for field, problems in exc.fields.items():
        click.secho(f"  {field}: {' '.join(str(p) for p in problems)}", fg="red", err=True)
    sys.exit(1)


def domain_errors_exit(func):
    """Run the command in English and turn a domain error into a message and exit status 1.

    Outside a request there is no visitor whose language could be chosen: without a forced
    locale, printing a translatable message (every domain error has one) would fail.
    """

    @wraps(func)
    def wrapper(*args, **kwargs):
        with force_locale("en"):
            try:
                return func(*args, **kwargs)
            except DomainError as exc:
                _fail(exc)

    return wrapper


CLI_ACTOR = Actor(kind="system", id=None, label="cli")

merchants_cli = AppGroup("merchants", help="Create shops and their API keys.")
users_cli = AppGroup("users", help="Create staff users.")
jobs_cli = AppGroup("jobs", help="Run background work: the RQ worker and periodic checks.")
mail_cli = AppGroup("mail", help="The e-mail outbox.")
payments_cli = AppGroup("payments", help="The refund ledger.")
support_cli = AppGroup("support", help="The support desk: inbound e-mail, the SLA check.")
webhooks_cli = AppGroup("webhooks", help="Outbound webhooks to the shops' systems.")


@webhooks_cli.command("deliver")
def deliver_webhooks_command() -> None:
    """Send the webhook deliveries that are due (new ones and retries); the scheduler does this
    every minute."""
    from portal.integrations.webhooks import deliver_due

    click.echo(f"Tried {deliver_due()} webhook deliveries.")


instalments_cli = AppGroup("instalments", help="Instalment plans: charge what is due, send reminders.")


@click.command("seed-demo")
@domain_errors_exit
def seed_demo_command() -> None:
    """Load the demo shop (once) and print the staff logins and five buyer links."""
    from flask import current_app

    from portal.demo import DEMO_PASSWORD, seed_demo

    result = seed_demo()
    # The same base as the buyer links (PUBLIC_BASE_URL), so every printed address works.
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    click.echo("Demo shop loaded." if result.created else "Demo shop already loaded.")
    click.echo("")
    click.echo(f"Staff sign-in: {base}/staff/login  (password for all: {DEMO_PASSWORD})")
    for email, role, shop in result.staff:
        click.echo(
            f"  {email:28} {role:16} {shop or ('(both demo shops)' if role == 'support_agent' else '(all shops)')}"
        )
    click.echo("")
    click.echo("Buyer links (no sign-in needed):")
    for label, url in result.links:
        click.echo(f"  {label}")
        click.echo(f"    {url}")
    click.echo("")
    click.echo(f"Order lookup: {base}/lookup   Sent mail: {base}/console/dev/mail")
    click.echo(f"Help centre and assistant: {base}/s/kodinkone/help   {base}/s/kodinkone/assistant")


@merchants_cli.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The shop's name as buyers see it.")
@click.option("--currency", default="EUR", show_default=True, type=click.Choice(["EUR", "SEK", "DKK", "NOK", "ISK"]))
@click.option("--locale", default="fi", show_default=True, type=click.Choice(["fi", "sv", "da", "nb", "is", "en"]))
@click.option("--support-email", default=None, help="Where buyers may write.")
@domain_errors_exit
def create_merchant_command(slug: str, name: str, currency: str, locale: str, support_email: str | None) -> None:
    """Create the shop SLUG (its address in links: /s/SLUG/)."""
    from portal.merchants.services import create_merchant

    merchant = create_merchant(
        slug, name=name, currency=currency, locale=locale, support_email=support_email, actor=CLI_ACTOR
    )
    click.echo(f"Created shop {merchant.slug} ({merchant.name}, {merchant.currency}, {merchant.default_locale}).")


@merchants_cli.command("create-api-key")
@click.argument("slug")
@click.option("--name", default="API key", show_default=True, help="A name to recognise the key by.")
@domain_errors_exit
def create_api_key_command(slug: str, name: str) -> None:
    """Make an API key for the shop SLUG. The key is printed once, alone on the last line."""
    from portal.merchants.services import create_api_key, get_by_slug

    _key, secret = create_api_key(get_by_slug(slug), name=name, actor=CLI_ACTOR)
    click.echo(f"API key for {slug} (shown only now; only its hash is stored):")
    click.echo(secret)


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True, help="At least 10 characters.")
@click.option(
    "--role", required=True, type=click.Choice(["merchant_admin", "merchant_agent", "support_agent", "platform_admin"])
)
@click.option("--merchant", "merchant_slug", default=None, help="The shop's slug (merchant roles only).")
@click.option("--name", default="")
@domain_errors_exit
def create_user_command(email: str, password: str, role: str, merchant_slug: str | None, name: str) -> None:
    """Create a staff user."""
    from portal.accounts.services import create_user

    user = create_user(
        email=email, password=password, role=role, merchant_slug=merchant_slug, actor=CLI_ACTOR, name=name
    )
    click.echo(f"Created {user.role.value} {user.email}" + (f" for {merchant_slug}." if merchant_slug else "."))


@users_cli.command("serve")
@click.argument("email")
@click.argument("slugs", nargs=-1)
@click.option("--stop", is_flag=True, help="Stop serving the shops named instead.")
@domain_errors_exit
def serve_shops_command(email: str, slugs: tuple[str, ...], stop: bool) -> None:
    """Let the support agent EMAIL serve the shops SLUGS (their tickets, orders, returns and
    claims); with --stop, no longer. Without SLUGS, print the shops they serve."""
    from sqlalchemy import func, select

    from portal.accounts.models import User
    from portal.accounts.services import served_shops, set_served_shops
    from portal.extensions import db
    from portal.merchants.services import get_by_slug

    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"No staff user {email}.")
    shops = {shop.id for shop in served_shops(user)}
    chosen = {get_by_slug(slug).id for slug in slugs}
    if slugs:
        shops = shops - chosen if stop else shops | chosen
        served = set_served_shops(user, shops, CLI_ACTOR)
    else:
        served = served_shops(user)
    names = ", ".join(f"{shop.name} ({shop.slug})" for shop in served) or "no shop"
    click.echo(f"{user.email} serves: {names}.")


@click.command("import-orders")
@click.argument("slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@domain_errors_exit
def import_orders_command(slug: str, file: Path) -> None:
    """Import orders into the shop SLUG from FILE: JSON lines (one order per line, with
    "number") or CSV (one row per item; rows of one order share "number").

    Each bad row is reported with its line number; every good order is imported."""
    from portal.merchants.services import get_by_slug
    from portal.orders.importer import count_lines, read_records
    from portal.orders.services import upsert_order

    merchant = get_by_slug(slug)
    try:
        content = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        click.secho(f"Error: {file} is not UTF-8 text.", fg="red", err=True)
        sys.exit(1)
    created = replaced = 0
    problems: list[tuple[int, str]] = []
    records = list(read_records(file.name, content))
    with click.progressbar(records, label=f"Importing {count_lines(content)} lines", file=sys.stderr) as bar:
        for record in bar:
            if record.document is None:
                problems.append((record.problem_line or record.first_line, record.problem or "unreadable"))
                continue
            try:
                _order, was_created = upsert_order(merchant, record.number, record.document, actor=CLI_ACTOR)
            except (DataError, IntegrityError) as exc:
                # A value the database refuses (e.g. longer than its column) spoils this order
                # only: the unit of work has rolled it back; the import goes on.
                reason = str(exc.orig).strip().splitlines()[0] if exc.orig else exc.__class__.__name__
                problems.append((record.first_line, f"order {record.number}: the database refused it: {reason}"))
                continue
            except DomainError as exc:
                if not exc.fields:
                    problems.append((record.first_line, f"order {record.number}: {exc.message}"))
                for field, messages in exc.fields.items():
                    problems.append(
                        (
                            record.line_for(field),
                            f"order {record.number}: {field}: {' '.join(str(m) for m in messages)}",
                        )
                    )
                continue
            created += was_created
            replaced += not was_created
    for line, message in sorted(problems):
        click.secho(f"line {line}: {message}", fg="yellow", err=True)
    click.echo(
        f"Imported {created + replaced} orders ({created} new, {replaced} replaced); {len({line for line, _ in problems})} lines with problems."
    )
    if problems:
        sys.exit(2)


@jobs_cli.command("notify-late")
def notify_late_command() -> None:
    """Tell buyers once that their order is late (run it hourly from the scheduler or cron)."""
    from portal.orders.services import notify_late_orders

    click.echo(f"Late notices sent: {notify_late_orders()}")


@jobs_cli.command("worker")
def worker_command() -> None:
    """Run an RQ worker for the 'apuri' queue (needs REDIS_URL)."""
    from flask import current_app

    if not current_app.config.get("REDIS_URL"):
        click.secho(
            "Error: set REDIS_URL (e.g. redis://127.0.0.1:6379/0) to run a worker; without it jobs run inline.",
            fg="red",
            err=True,
        )
        sys.exit(1)
    from redis import Redis
    from rq import Queue, Worker

    warm_worker(current_app._get_current_object())
    # No socket timeout here: the worker waits on Redis (BLPOP) for its next job.
    connection = Redis.from_url(current_app.config["REDIS_URL"])
    Worker([Queue("apuri", connection=connection)], connection=connection).work(with_scheduler=True)


# What the jobs (``portal.jobs.enqueue``) run, and what they need to render e-mails and slips.
WORKER_MODULES = (
    "portal.notifications.services",
    "portal.payments.services",
    "portal.payments.charges",
    "portal.integrations.webhooks",
    "portal.documents",
)


def warm_worker(app: Flask) -> None:
    """Load now, once, what every job would otherwise load again.

    RQ's worker runs each job in a fresh child process forked from this one (its "work horse"):
    whatever this process has imported, compiled and loaded before it starts working, every
    child starts with; whatever a child loads is lost when it exits. Cold, each e-mail job
    imported its modules, set up the models and compiled its templates again (0.3-0.5 s) and each
    return slip started WeasyPrint afresh (2-4 s); warmed, 0.05-0.1 s and 0.4-0.6 s (bench/load,
    on a busy 2-core machine). Nothing
    here opens a database or Redis connection, so none is shared across the fork. A failure only
    means cold jobs: it is logged, never fatal.
    """
    import importlib
    import logging
    import time

    started = time.monotonic()
    try:
        for module in WORKER_MODULES:
            importlib.import_module(module)
        from sqlalchemy.orm import configure_mappers

        configure_mappers()  # the models' relationships, set up on first use otherwise
        env = app.jinja_env
        for name in env.list_templates(filter_func=lambda name: name.startswith(("emails/", "documents/"))):
            env.get_template(name)
        from flask_babel import gettext

        for locale in app.config.get("LANGUAGES", []):
            with force_locale(locale):
                gettext("Order")
        from weasyprint import HTML

        HTML(string="<html><body><h1>Apuri</h1><p>Palautus · Retur · Return</p></body></html>").write_pdf()
    except Exception:  # noqa: BLE001 - a cold start is slower, not wrong
        logging.getLogger(__name__).warning("worker warm-up failed; jobs start cold", exc_info=True)
        return
    logging.getLogger(__name__).info("worker warmed up in %.1f s", time.monotonic() - started)


@jobs_cli.command("scheduler")
def scheduler_command() -> None:
    """Run the periodic jobs (late-order notices, mail retries, refund reconcile) until stopped."""
    from flask import current_app

    from portal.scheduler import PERIODIC, run_forever

    click.echo("Scheduler running: " + ", ".join(f"{name} every {every // 60} min" for name, every, _ in PERIODIC))
    run_forever(current_app._get_current_object())


@mail_cli.command("retry")
def mail_retry_command() -> None:
    """Resend e-mails that failed to send earlier."""
    from flask import current_app

    from portal.notifications.services import retry_failed

    if not current_app.config.get("SMTP_URL"):
        click.secho(
            "Error: set SMTP_URL (e.g. smtp://127.0.0.1:1025) to send mail; without it mail stays in the outbox.",
            fg="red",
            err=True,
        )
        sys.exit(1)
    click.echo(f"Sent: {retry_failed()}")


@payments_cli.command("reconcile")
@click.option(
    "--older-than-minutes",
    default=2,
    show_default=True,
    type=click.IntRange(min=0),
    help="Only refunds left pending at least this long (younger ones may still get their answer).",
)
@domain_errors_exit
def payments_reconcile_command(older_than_minutes: int) -> None:
    """Finish refunds and charges left pending by a crash or a timeout: ask the provider again
    with the same idempotency key (it answers with its first result, so nothing moves twice)."""
    from datetime import timedelta

    from portal.payments.charges import reconcile_charges
    from portal.payments.services import reconcile

    older_than = timedelta(minutes=older_than_minutes)
    click.echo(f"Refunds finished: {reconcile(older_than=older_than)}")
    click.echo(f"Charges finished: {reconcile_charges(older_than=older_than)}")


@payments_cli.command("simulate-next")
@click.argument("outcome", type=click.Choice(["fail", "hang", "lose-answer"]))
@click.option("--code", default="card_declined", show_default=True, help="The failure code for 'fail'.")
def payments_simulate_next_command(outcome: str, code: str) -> None:
    """Make the simulated provider's next call fail, hang, or refund and lose the answer
    (for demos: then watch the console's refunds page and `payments reconcile`)."""
    from portal.payments.providers.simulated import switch_next_call

    switch_next_call(outcome.replace("-", "_"), code)
    click.echo(f"The simulated provider's next call will {outcome.replace('-', ' ')}.")


def _at_date(day: str | None):
    """Now, or noon UTC of ``--date`` (to run a day's work again, or ahead in a demo)."""
    from datetime import UTC, datetime

    from portal.db import utcnow

    if not day:
        return utcnow()
    try:
        return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)
    except ValueError:
        click.secho(f"Error: --date must be a date like 2026-12-23, not {day!r}.", fg="red", err=True)
        sys.exit(2)


@instalments_cli.command("charge-due")
@click.option("--date", "day", default=None, help="Charge as on this day (YYYY-MM-DD); default today.")
@domain_errors_exit
def instalments_charge_due_command(day: str | None) -> None:
    """Charge every instalment due by today off-session, once: running it twice, or two at once,
    never charges an instalment twice (its idempotency key is derived from the plan, the
    instalment and the attempt). With inline jobs the answers are recorded before it ends."""
    from portal.instalments.services import charge_due

    click.echo(f"Instalments charged: {charge_due(_at_date(day))}")


@instalments_cli.command("remind")
@click.option("--date", "day", default=None, help="Remind as on this day (YYYY-MM-DD); default today.")
@domain_errors_exit
def instalments_remind_command(day: str | None) -> None:
    """E-mail the buyers whose next instalment is charged within three days (once per instalment)."""
    from portal.instalments.services import send_reminders

    click.echo(f"Reminders queued: {send_reminders(_at_date(day))}")


@support_cli.command("inbound")
@click.argument("source", type=click.File("rb"), default="-")
def support_inbound_command(source) -> None:
    """Land one raw e-mail (RFC 822, from a file or stdin) on its ticket: for the mail server's
    pipe (e.g. Postfix: `support: "|flask --app wsgi support inbound"`)."""
    from portal.support.inbound import receive

    result = receive(source.read())
    click.echo(f"{result.outcome}" + (f": ticket {result.ticket.number}" if result.ticket else ""))
    if result.outcome not in ("landed", "duplicate"):
        sys.exit(1)


@support_cli.command("check-sla")
@domain_errors_exit
def support_check_sla_command() -> None:
    """Warn assignees of tickets about to breach their SLA, and escalate the breached ones."""
    from portal.support.services import check_sla

    warned, escalated = check_sla()
    click.echo(f"Warned: {warned}, escalated: {escalated}")


def register_cli(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(import_orders_command)
    app.cli.add_command(merchants_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(payments_cli)
    app.cli.add_command(instalments_cli)
    app.cli.add_command(support_cli)
    app.cli.add_command(webhooks_cli)
