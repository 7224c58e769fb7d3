"""The console's order import (merchant admins): upload a CSV file, see what it would do, import it.

The file is read and checked by ``portal.orders.importer`` (the columns and rules of
``flask import-orders``) and each order is saved by ``orders.services.upsert_order``, in its own
transaction, as the command does. Between the preview and the confirmation the upload waits in
the storage (``portal.storage``) under a random key that only this browser's session knows,
with the SHA-256 of its bytes: the confirmation imports exactly the file that was previewed,
once. The routes join the console blueprint (``views.py`` imports this module).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from flask import current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError
from werkzeug.exceptions import RequestEntityTooLarge

from portal.accounts.models import Role
from portal.accounts.permissions import staff_required
from portal.accounts.services import actor_for
from portal.actors import Actor
from portal.audit import services as audit
from portal.console.views import _choose_shop, _shop, _shop_args, bp
from portal.db import unit_of_work
from portal.errors import DomainError, NotFound, ValidationFailed
from portal.extensions import db
from portal.merchants.models import Merchant
from portal.orders import importer
from portal.orders.models import Order
from portal.orders.services import upsert_order
from portal.storage import get_storage

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 5 * MB
# Each order is saved in its own transaction while the browser waits (about 13 ms an order on
# SQLite): a thousand keep the confirmation well inside the server's 30-second request timeout.
DEFAULT_MAX_ORDERS = 1000
# The rest of the multipart body besides the file: the CSRF token, the field names, boundaries.
FORM_ALLOWANCE = 64 * 1024
PREVIEW_ORDERS = 20
SESSION_KEY = "console_order_import"

# What to write in each column, in the order of ``importer.CSV_COLUMNS``.
COLUMN_HELP = {
    "number": _l("The order number in your shop. The rows of one order (one row per item) share it."),
    "placed_at": _l("When the order was placed, with the time zone: 2026-11-02T12:00:00+02:00."),
    "currency": _l("EUR, SEK, DKK, NOK or ISK."),
    "locale": _l("The buyer's language: fi, sv, da, nb, is or en (en when empty)."),
    "customer_email": _l("The buyer's e-mail address: they find the order with it."),
    "customer_name": _l("The buyer's name."),
    "item_id": _l("The item's own id within the order, e.g. 1, 2, 3."),
    "sku": _l("The product code."),
    "name": _l("The product's name as the buyer sees it."),
    "quantity": _l("How many pieces: a whole number."),
    "unit_price": _l("The price of one piece in minor units (cents, öre, øre): 49.90 is written 4990."),
    "tax_rate": _l("The VAT rate in per cent, e.g. 25.5 (0 when empty)."),
    "attributes": _l('Product details as JSON, e.g. {"colour": "white"}; may be empty.'),
    "shipping_amount": _l("The shipping cost in minor units (0 when empty)."),
    "ship_name": _l("The recipient's name."),
    "ship_street": _l("The delivery street address."),
    "ship_postal_code": _l("The delivery postal code."),
    "ship_city": _l("The delivery city."),
    "ship_country": _l("The delivery country as two letters: FI, SE, DK, NO, IS …"),
    "payment_provider": _l("simulated or stripe (simulated when empty)."),
    "payment_reference": _l("The payment's id at the payment provider: refunds go through it."),
    "payment_method": _l("How the buyer paid, e.g. card or invoice (card when empty)."),
    "captured": _l("How much was paid, in minor units: at most the order's total."),
    "promised_delivery_date": _l(
        "The promised delivery date, e.g. 2026-11-06; may be empty. The buyer is told if the order is late."
    ),
}


def _max_bytes() -> int:
    return int(current_app.config.get("ORDER_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _max_orders() -> int:
    return int(current_app.config.get("ORDER_IMPORT_MAX_ORDERS", DEFAULT_MAX_ORDERS))


def _too_large_message() -> str:
    return _(
        "The file is larger than %(size)s MB. Split it into smaller files and import them one after another.",
        size=f"{_max_bytes() / MB:.1f}".removesuffix(".0"),
    )


@bp.url_value_preprocessor
def _limit_import_uploads(endpoint: str | None, _values: dict | None) -> None:
    """An upload above the limit is refused before it is read: the app's first before_request
    function (the CSRF check) already reads the form, so the limit is set here, earlier."""
    if endpoint == "console.order_import_preview":
        request.max_content_length = _max_bytes() + FORM_ALLOWANCE


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc):
    """The console's answer to a body above the limit: for the import, what the limit is."""
    if request.endpoint == "console.order_import_preview":
        message = _too_large_message()
        action_url = url_for(".order_import", shop=request.args.get("shop") or None)
        action_label = _("Back to the import")
    else:  # the app's own answer, which this blueprint's handler would otherwise hide
        message, action_url, action_label = _("What you sent is too large."), None, None
    return render_template(
        "error.html",
        status=413,
        title=_("Too large"),
        message=message,
        action_url=action_url,
        action_label=action_label,
    ), 413


# -- the import: run after the preview -----------------------------------------------------------


@dataclass
class ImportOutcome:
    """What an import did: the numbers of the orders created and replaced, and the problems of
    those it left out (found by the check, or refused while saving)."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    problems: list[importer.RowProblem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def existing_numbers(merchant_id: str, numbers: list[str]) -> set[str]:
    """Which of these order numbers the shop already has (an import replaces those)."""
    found: set[str] = set()
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        found.update(
            db.session.scalars(select(Order.number).where(Order.merchant_id == merchant_id, Order.number.in_(chunk)))
        )
    return found


def import_checked(merchant: Merchant, check: importer.CsvCheck, *, actor: Actor, source: dict) -> ImportOutcome:
    """Save every order the check passed, each in its own transaction (as ``flask import-orders``
    does: one the database refuses spoils only itself), then audit the counts."""
    outcome = ImportOutcome(problems=list(check.problems), skipped=list(check.skipped))
    for checked in check.orders:
        record = checked.record
        try:
            _order, created = upsert_order(merchant, record.number, record.document, actor=actor)
        except (DataError, IntegrityError):
            outcome.problems.append(
                importer.RowProblem(record.first_line, "", _l("The database did not accept this order."), record.number)
            )
        except DomainError as exc:  # e.g. an item being returned cannot be dropped
            if not exc.fields:
                outcome.problems.append(importer.RowProblem(record.first_line, "", exc.message, record.number))
            for field_path, messages in exc.fields.items():
                outcome.problems.extend(
                    importer.RowProblem(
                        record.line_for(field_path), importer.column_for(field_path), message, record.number
                    )
                    for message in messages
                )
        else:
            (outcome.created if created else outcome.updated).append(record.number)
            continue
        outcome.skipped.append(record.number)
    outcome.problems.sort(key=lambda problem: problem.line)
    with unit_of_work():
        audit.record(
            actor,
            "orders.imported",
            "merchant",
            merchant.id,
            merchant_id=merchant.id,
            after={
                **source,
                "created": len(outcome.created),
                "updated": len(outcome.updated),
                "skipped": len(outcome.skipped),
                "lines_with_problems": len({problem.line for problem in outcome.problems}),
            },
        )
    return outcome


# -- the pages -----------------------------------------------------------------------------------


def _upload_page(merchant: Merchant, *, errors: dict | None = None, status: int = 200):
    return render_template(
        "console/import.html",
        merchant=merchant,
        columns=[(c, c in importer.REQUIRED_CSV_COLUMNS, COLUMN_HELP[c]) for c in importer.CSV_COLUMNS],
        max_mb=f"{_max_bytes() / MB:.1f}".removesuffix(".0"),
        max_orders=_max_orders(),
        errors=errors or {},
    ), status


def _forget_upload() -> None:
    """Delete the file waiting for confirmation, if any, and forget its key."""
    pending = session.pop(SESSION_KEY, None)
    if pending:
        get_storage().delete(pending["key"])


@bp.get("/import", endpoint="order_import")
@staff_required(Role.MERCHANT_ADMIN)
def order_import():
    merchant = _shop()
    if merchant is None:
        return _choose_shop()
    return _upload_page(merchant)


@bp.get("/import/sample.csv", endpoint="order_import_sample")
@staff_required(Role.MERCHANT_ADMIN)
def order_import_sample():
    response = make_response(importer.sample_csv().encode("utf-8"))
    response.mimetype = "text/csv"
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="apuri-orders-sample.csv"'
    return response


@bp.post("/import/preview", endpoint="order_import_preview")
@staff_required(Role.MERCHANT_ADMIN)
def order_import_preview():
    """Check the uploaded file and show what importing it would do; nothing is written but the
    file itself, kept for the confirmation."""
    merchant = _shop()
    if merchant is None:
        raise NotFound()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _upload_page(merchant, errors={"file": [_("Choose the CSV file to import.")]}, status=422)
    data = upload.stream.read(_max_bytes() + 1)
    if len(data) > _max_bytes():
        return _upload_page(merchant, errors={"file": [_too_large_message()]}, status=413)
    try:
        check = importer.check_csv(importer.decode_csv(data))
    except ValidationFailed as exc:
        return _upload_page(merchant, errors=exc.fields, status=422)
    if len(check.orders) > _max_orders():
        message = _(
            "The file has %(count)s orders to import, more than the %(max)s one import can take. "
            "Split it into smaller files and import them one after another.",
            count=len(check.orders),
            max=_max_orders(),
        )
        return _upload_page(merchant, errors={"file": [message]}, status=422)
    _forget_upload()  # an earlier preview's file: this one replaces it
    filename = upload.filename[:200]
    key = None
    if check.orders:
        key = get_storage().store(data, ".csv")
        session[SESSION_KEY] = {
            "key": key,
            "sha256": hashlib.sha256(data).hexdigest(),
            "merchant_id": merchant.id,
            "filename": filename,
        }
    existing = existing_numbers(merchant.id, [checked.number for checked in check.orders])
    return render_template(
        "console/import_preview.html",
        merchant=merchant,
        filename=filename,
        check=check,
        existing=existing,
        shown=check.orders[:PREVIEW_ORDERS],
        upload_key=key,
        outcome=None,
    )


@bp.post("/import/confirm", endpoint="order_import_confirm")
@staff_required(Role.MERCHANT_ADMIN)
def order_import_confirm():
    """Import the previewed file's valid orders. Only the session knows the file's key: a key
    sent in the form must match it, and a second confirmation finds nothing to import."""
    merchant = _shop()
    if merchant is None:
        raise NotFound()
    pending = session.get(SESSION_KEY)
    if not pending or pending.get("merchant_id") != merchant.id or request.form.get("upload") != pending.get("key"):
        flash(
            _("Nothing was imported now: this file has already been imported, or another file was checked since."),
            "warning",
        )
        return redirect(url_for(".order_import", **_shop_args()), 303)
    storage = get_storage()
    try:
        data = storage.open(pending["key"])
    except FileNotFoundError:
        data = None
    # Forgotten before the import starts: a second click or a reload finds nothing to import.
    _forget_upload()
    if data is None or hashlib.sha256(data).hexdigest() != pending["sha256"]:
        flash(_("The checked file is no longer here, so nothing was imported. Upload it again."), "warning")
        return redirect(url_for(".order_import", **_shop_args()), 303)
    check = importer.check_csv(importer.decode_csv(data))
    outcome = import_checked(
        merchant,
        check,
        actor=actor_for(current_user, request.remote_addr),
        source={"file": pending["filename"], "sha256": pending["sha256"]},
    )
    imported = set(outcome.created) | set(outcome.updated)
    return render_template(
        "console/import_preview.html",
        merchant=merchant,
        filename=pending["filename"],
        check=check,
        existing=set(outcome.updated),
        shown=[checked for checked in check.orders if checked.number in imported][:PREVIEW_ORDERS],
        upload_key=None,
        outcome=outcome,
    )
