"""The console's audit log: who changed what in the shop, and when, newest first.

Every staff role reads it (merchant staff their shop's, support agents the shops they serve,
platform admins the shop they choose). The query and its filters live in
``portal.audit.queries``; this module reads the filter form, names the codes in words and
links each entry to the page of what it is about. It joins the console blueprint
(``views.py`` imports it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SearchField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, ValidationError
from wtforms.widgets import DateInput

from portal.accounts.permissions import staff_required
from portal.audit import queries
from portal.audit.models import AuditEntry
from portal.console.views import AUDIT_ACTIONS, _choose_shop, _shop, _shop_args, bp, console_label
from portal.errors import ValidationFailed
from portal.i18n import set_page_locale
from portal.merchants.models import Merchant
from portal.merchants.policy import CONSOLE_FIELDS

# What the console's table of actions (views.AUDIT_ACTIONS) does not name yet.
MORE_ACTIONS = {
    "orders.imported": _l("Orders imported from a file"),
    "branding.updated": _l("Branding changed"),
    "webhook.created": _l("Webhook added"),
    "webhook.deleted": _l("Webhook deleted"),
    "webhook.enabled": _l("Webhook switched on"),
    "webhook.disabled": _l("Webhook paused"),
    "webhook.resent": _l("Webhook delivery sent again"),
    "api_key.created": _l("API key created"),
    "api_key.revoked": _l("API key revoked"),
    "merchant.created": _l("Shop created"),
    "user.created": _l("Staff account created"),
    "user.signed_in": _l("Signed in to the console"),
    "user.signed_out": _l("Signed out of the console"),
    "help.article_created": _l("Help article added"),
    "help.article_changed": _l("Help article changed"),
    "help.article_deleted": _l("Help article deleted"),
}

# The part of an action before its dot: what the "Kind of change" filter offers.
ACTION_GROUPS = {
    "api_key": _l("API keys"),
    "branding": _l("Branding"),
    "webhook": _l("Webhooks"),
    "canned_reply": _l("Prepared replies"),
    "charge": _l("Price difference charges"),
    "claim": _l("Claims"),
    "help": _l("Help centre"),
    "instalment_plan": _l("Instalments"),
    "merchant": _l("Shop"),
    "order": _l("Orders"),
    "orders": _l("Order imports"),
    "policy": _l("Policy"),
    "refund": _l("Refunds"),
    "return": _l("Returns"),
    "shipment": _l("Shipments"),
    "store_credit": _l("Store credit"),
    "ticket": _l("Support"),
    "tracking_event": _l("Tracking"),
    "user": _l("Staff accounts"),
    "variant": _l("Product catalogue"),
}

SUBJECT_TYPES = {
    "api_key": _l("API key"),
    "canned_reply": _l("Prepared reply"),
    "charge": _l("Price difference charge"),
    "claim": _l("Claim"),
    "customer": _l("Buyer"),
    "help_article": _l("Help article"),
    "instalment_plan": _l("Instalment plan"),
    "merchant": _l("Shop"),
    "order": _l("Order"),
    "refund": _l("Refund"),
    "return": _l("Return"),
    "shipment": _l("Shipment"),
    "ticket": _l("Ticket"),
    "user": _l("Staff account"),
    "variant": _l("Product variant"),
}

# The page of each subject that has one, and the URL argument it takes.
SUBJECT_PAGES = {
    "order": (".order", "number", _l("Order %(number)s")),
    "return": (".return_detail", "return_id", _l("Return %(number)s")),
    "claim": (".claim_detail", "claim_id", _l("Claim %(number)s")),
    "ticket": (".ticket_detail", "ticket_id", _l("Ticket %(number)s")),
}

CHANGES_SHOWN = 6
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


def action_label(code: str) -> str:
    """The action in words: the console's own name, then this page's, else the stored code."""
    if code in AUDIT_ACTIONS:
        return console_label("audit", code)
    return str(MORE_ACTIONS.get(code, code))


def _named(table: dict, code: str) -> str:
    return str(table.get(code, code))


class _DayField(StringField):
    """A day typed as 2026-11-23 (the browser's date picker sends that); ``day`` holds it."""

    widget = DateInput()
    day: date | None = None

    def pre_validate(self, form) -> None:
        self.day = None
        text = (self.data or "").strip()
        if not text:
            return
        try:
            day = date.fromisoformat(text)
        except ValueError:
            day = None
        if day is None or not FIRST_DAY <= day <= LAST_DAY:  # the far ends overflow in time zone sums
            raise ValidationError(_l("Must be a date such as 2026-11-23."))
        self.day = day


def _offered(field: SelectField) -> None:
    """A kind not among the choices (an old link, a typo) is named, not silently ignored."""
    if field.data and field.data not in {value for value, *_rest in field.choices}:
        raise ValidationError(_l("Is not one of the allowed values."))


class AuditFilterForm(FlaskForm):
    """The log's filters: a GET form (no CSRF token; the URL can be shared). The kinds of change
    and of subject come from the shop's own entries."""

    class Meta:
        csrf = False

    group = SelectField(_l("Kind of change"), default="", validate_choice=False)
    who = SearchField(
        _l("Who"),
        validators=[Length(max=254)],
        description=_l("Part of the e-mail address or the name of the API key."),
    )
    subject_type = SelectField(_l("About"), default="", validate_choice=False)
    subject = SearchField(
        _l("Number or id"),
        validators=[Length(max=64)],
        description=_l("The order, return, claim or ticket number, or a part of an id."),
    )
    date_from = _DayField(_l("From day"))
    date_to = _DayField(_l("To day"), description=_l("Days in the shop's time zone; both days included."))

    def __init__(self, formdata, *, groups: list[str], subject_types: list[str]):
        super().__init__(formdata)
        self.group.choices = [SelectChoice("", _l("All")), *[(code, _named(ACTION_GROUPS, code)) for code in groups]]
        self.subject_type.choices = [
            SelectChoice("", _l("All")),
            *[(code, _named(SUBJECT_TYPES, code)) for code in subject_types],
        ]

    def validate_group(self, field) -> None:
        _offered(field)

    def validate_subject_type(self, field) -> None:
        _offered(field)

    def validate_date_to(self, field) -> None:
        if self.date_from.day and field.day and field.day < self.date_from.day:
            raise ValidationError(_l("The last day is before the first day."))

    def filters(self, timezone: str) -> queries.AuditFilters:
        """What the valid fields ask for; a field with an error narrows nothing."""

        def value(name: str) -> str:
            field = self[name]
            return "" if field.errors else (field.data or "").strip()

        return queries.AuditFilters(
            group=value("group"),
            who=value("who"),
            subject_type=value("subject_type"),
            subject=value("subject"),
            date_from=None if self.date_from.errors else self.date_from.day,
            date_to=None if self.date_to.errors else self.date_to.day,
            timezone=timezone,
        )


@dataclass(frozen=True)
class ChangeRow:
    label: str
    change: queries.Change


@dataclass(frozen=True)
class AuditRow:
    entry: AuditEntry
    action: str
    subject: str  # "Order 1001" for a page of this shop, else its kind
    subject_url: str | None
    changes: list[ChangeRow]
    more_changes: int


@bp.get("/audit", endpoint="audit_log")
@staff_required()
def audit_log():
    """The shop's audit entries, newest first, filtered by the GET form; 422 (the page still shows,
    with the bad filter left out) when a filter or the page link cannot be read."""
    merchant = _shop()
    if merchant is None:
        return _choose_shop()
    set_page_locale(None, merchant.timezone)  # times in the shop's time zone
    groups, subject_types = queries.filter_choices(merchant.id)
    form = AuditFilterForm(request.args, groups=groups, subject_types=subject_types)
    valid = form.validate()
    filters = form.filters(merchant.timezone)
    cursor = request.args.get("cursor") or None
    cursor_error = None
    try:
        page = queries.list_entries(merchant.id, filters, cursor)
    except ValidationFailed as exc:
        cursor_error = " ".join(str(message) for message in exc.fields.get("cursor", [])) or str(exc)
        cursor = None
        page = queries.list_entries(merchant.id, filters)
    args = {name: value for name, value in request.args.items() if name in form and value}
    status = 200 if valid and cursor_error is None else 422
    return render_template(
        "console/audit_log.html",
        merchant=merchant,
        form=form,
        filtered=bool(args),
        page_args={**args, **_shop_args()},
        cursor=cursor,
        cursor_error=cursor_error,
        rows=_rows(merchant, page.rows),
        next_cursor=page.next_cursor,
    ), status


def _rows(merchant: Merchant, entries: list[AuditEntry]) -> list[AuditRow]:
    numbers = queries.subject_numbers(merchant.id, entries)
    rows = []
    for entry in entries:
        kind, ident = entry.subject_type, entry.subject_id
        number = numbers.get((kind, ident))
        subject, subject_url = _named(SUBJECT_TYPES, kind), None
        if number is not None:  # a page of this shop's
            endpoint, argument, label = SUBJECT_PAGES[kind]
            subject = str(label) % {"number": number}
            subject_url = url_for(endpoint, **{argument: number if kind == "order" else ident}, **_shop_args())
        found = queries.changes(entry.before, entry.after)
        rows.append(
            AuditRow(
                entry=entry,
                action=action_label(entry.action),
                subject=subject,
                subject_url=subject_url,
                changes=[ChangeRow(_key_label(entry, change.key), change) for change in found[:CHANGES_SHOWN]],
                more_changes=max(0, len(found) - CHANGES_SHOWN),
            )
        )
    return rows


def _key_label(entry: AuditEntry, key: str) -> str:
    """A policy setting by the name the policy page gives it; any other key as stored."""
    if entry.action == "policy.updated":
        section, _dot, rest = key.partition(".")
        name, _dot, detail = rest.partition(".")  # detail: a key inside a JSON setting
        field = CONSOLE_FIELDS.get(section, {}).get(name)
        if field is not None:
            return f"{field[1]} · {detail}" if detail else str(field[1])
    return key
