"""The console's "Today" page: the work waiting now, as cards linking to the filtered lists, and
the shop's figures over a date range as small charts with their numbers, each as a CSV too.

The numbers come from ``portal.insights.queries`` (SQL aggregates); this module only words and
formats them. Charts are inline SVG drawn by the template from the numbers here (no script,
no inline style: the CSP allows neither). The routes join the console blueprint (``views.py``
imports this module).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import make_response, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _

from portal.accounts.permissions import staff_required
from portal.console.claims import STATUS_LABELS as CLAIM_STATUS_LABELS
from portal.console.views import _choose_shop, _shop, _shop_args, bp
from portal.db import utcnow
from portal.errors import NotFound
from portal.i18n import current_language, set_page_locale
from portal.insights import queries
from portal.merchants.models import Merchant
from portal.merchants.policy import effective_policy
from portal.money import Money, format_money, format_percent
from portal.orders.services import merchant_today
from portal.returns import policy as return_rules
from portal.support import services as desk

# -- today's work ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    key: str
    count: int
    title: str  # what the count is, e.g. "claims wait for your answer"
    todo: str  # what to do about them
    note: str  # the most urgent part of them ("" when none)
    link: str
    url: str


def work_cards(work: queries.Workload, shop_args: dict) -> list[Card]:
    """Each kind of waiting work: how many, what to do, and the console list that holds it."""
    hours = int(desk.BREACHING_WITHIN.total_seconds() // 3600)
    days = return_rules.DUE_SOON_DAYS

    def card(key, count, title, todo, note, link, endpoint, **filters):
        return Card(
            key,
            count,
            title,
            todo if count else _("Nothing waits here now."),
            note,
            link,
            url_for(endpoint, **filters, **shop_args),
        )

    return [
        card(
            "claims",
            work.claims_open,
            ngettext("claim waits for your answer", "claims wait for your answer", work.claims_open),
            _("Accept, make a counter-offer or reject each one before its answer is due."),
            ngettext(
                "%(num)s is past its answer's due time.",
                "%(num)s are past their answer's due time.",
                work.claims_overdue,
            )
            if work.claims_overdue
            else "",
            _("Answer the claims"),
            ".claims",
        ),
        card(
            "returns-requested",
            work.returns_requested,
            ngettext("return waits for your decision", "returns wait for your decision", work.returns_requested),
            _("Approve or reject each one. The law gives 14 days from the buyer's notice to pay the money back."),
            "",
            _("Decide on the returns"),
            ".returns",
            status="requested",
        ),
        card(
            "returns-approved",
            work.returns_approved,
            ngettext(
                "approved return waits for its parcel", "approved returns wait for their parcel", work.returns_approved
            ),
            _("Receive each one when the parcel arrives: that settles the refund, store credit or exchange at once."),
            ngettext(
                "%(num)s has its refund due within %(days)s days or overdue.",
                "%(num)s have their refund due within %(days)s days or overdue.",
                work.returns_due_soon,
                days=days,
            )
            if work.returns_due_soon
            else "",
            _("Receive the returns"),
            ".returns",
            status="approved",
        ),
        card(
            "refunds-failed",
            work.refunds_failed,
            ngettext("refund failed", "refunds failed", work.refunds_failed),
            _("The payment provider refused them. Check the reason and send each one again from the refund list."),
            "",
            _("Show the failed refunds"),
            ".refunds",
            status="failed",
        ),
        card(
            "tickets",
            work.tickets_breaching,
            ngettext(
                "ticket is due within %(hours)s hours or overdue",
                "tickets are due within %(hours)s hours or overdue",
                work.tickets_breaching,
                hours=hours,
            ),
            _("Answer them, the most urgent first: the queue lists them in that order."),
            ngettext("%(num)s is overdue.", "%(num)s are overdue.", work.tickets_overdue)
            if work.tickets_overdue
            else "",
            _("Open the urgent tickets"),
            ".tickets",
            view="breaching",
        ),
        card(
            "plans-in-arrears",
            work.plans_in_arrears,
            ngettext("instalment plan is in arrears", "instalment plans are in arrears", work.plans_in_arrears),
            _(
                "An instalment's charge failed and the buyer was asked to pay on the plan's page. Contact them if it stays unpaid."
            ),
            "",
            _("Show the plans in arrears"),
            ".plans",
            status="in_arrears",
        ),
        card(
            "parcels-quiet",
            work.parcels_quiet,
            ngettext(
                "order's parcel has had no carrier news for days",
                "orders' parcels have had no carrier news for days",
                work.parcels_quiet,
            ),
            _(
                "Ask the carrier where each parcel is. The buyer's page says that the shop follows it up; the next carrier event clears it."
            ),
            "",
            _("Show these orders"),
            ".orders",
            view="quiet",
        ),
    ]


# -- figures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # the bar's length, against the chart's largest value
    text: str  # the number as the reader sees it


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]

    @property
    def largest(self) -> float:
        return max((bar.value for bar in self.bars), default=0)

    @property
    def summary(self) -> str:
        """The chart's numbers in words, for the svg's accessible name."""
        return "; ".join(f"{bar.label}: {bar.text}" for bar in self.bars)


@dataclass(frozen=True)
class Figure:
    rows: object  # the query's rows (the support figure: its one set of totals)
    chart: Chart


def _money(amount: int, currency: str) -> str:
    return format_money(amount, currency, current_language())


def _percent(value: Decimal | None) -> str:
    return format_percent(value, current_language()) if value is not None else "—"


def _hours(value: float | None) -> str:
    return _("%(hours)s h", hours=format_decimal(value)) if value is not None else "—"


def support_facts(support: queries.SupportFigures) -> list[tuple[str, str]]:
    """The support figure's totals as (what, how much) in the reader's language."""
    average = support.rating_average
    return [
        (_("Tickets opened"), format_decimal(support.opened)),
        (_("Average first response"), _hours(support.first_response_hours)),
        (_("Average time to solve"), _hours(support.resolution_hours)),
        (
            _("Average rating"),
            _("%(rating)s out of 5", rating=format_decimal(average)) if average is not None else "—",
        ),
        (_("Ratings"), format_decimal(support.rated)),
        (_("Rated 4 or 5"), _percent(support.satisfied_share)),
    ]


def _currency_label(label: str, currency: str, several: bool) -> str:
    """A bar's label, with the currency when the chart has bars of several."""
    return f"{label} ({currency})" if several else label


def reason_label(merchant: Merchant, code: str) -> str:
    return return_rules.reason_label(code, effective_policy(merchant.policy)["returns"], current_language())


def claim_status_label(code: str) -> str:
    return str(CLAIM_STATUS_LABELS.get(code, code))


def week_label(week: queries.Week) -> str:
    return _("Week %(week)s, %(year)s", week=week.number, year=week.year)


def week_rows(merchant: Merchant, period: queries.Period) -> list[queries.WeekRefunds]:
    """Every week of the range per currency, a week without refunds as zero (the chart's gaps show)."""
    found = {(row.week.code, row.currency): row for row in queries.refunds_by_week(merchant.id, period)}
    currencies = sorted({currency for _code, currency in found}) or [merchant.currency]
    return [
        found.get((week.code, currency)) or queries.WeekRefunds(week, currency, 0, 0)
        for currency in currencies
        for week in queries.weeks(period)
    ]


def money_back_rows(merchant: Merchant, period: queries.Period) -> list[queries.MoneyBack]:
    return queries.money_back(merchant.id, period) or [queries.MoneyBack(merchant.currency, 0, 0)]


def page_figures(merchant: Merchant, period: queries.Period, today: date) -> dict:
    """The figures of the range with a chart each (the template draws it and its table)."""
    rates = queries.return_rates(merchant.id, period)
    reasons = queries.returns_by_reason(merchant.id, period)
    outcomes = queries.claims_by_status(merchant.id, period)
    reductions = queries.price_reductions(merchant.id, period)
    weekly = week_rows(merchant, period)
    several = len({row.currency for row in weekly}) > 1
    refunded = any(row.refunds for row in weekly)
    back = money_back_rows(merchant, period)
    moved = any(row.store_credit or row.refunded for row in back)
    carriers = queries.late_deliveries(merchant.id, period, today=today)
    support = queries.support_figures(merchant.id, period)
    return {
        "support_facts": support_facts(support),
        "return_rate": Figure(
            rates,
            Chart([Bar(f"{row.sku} {row.name}", float(row.rate or 0), _percent(row.rate)) for row in rates]),
        ),
        "return_reasons": Figure(
            reasons,
            Chart(
                [
                    Bar(
                        reason_label(merchant, row.reason),
                        row.items,
                        ngettext("%(num)s item", "%(num)s items", row.items),
                    )
                    for row in reasons
                ]
            ),
        ),
        "claim_outcomes": Figure(
            outcomes,
            Chart([Bar(claim_status_label(row.status), row.claims, str(row.claims)) for row in outcomes]),
        ),
        "price_reductions": reductions,
        "refunds_by_week": Figure(
            weekly,
            Chart(
                [
                    Bar(
                        _currency_label(week_label(row.week), row.currency, several),
                        row.amount,
                        ngettext(
                            "%(amount)s in %(num)s refund",
                            "%(amount)s in %(num)s refunds",
                            row.refunds,
                            amount=_money(row.amount, row.currency),
                        ),
                    )
                    for row in weekly
                    if refunded  # no refund in any week: a sentence instead of empty bars
                ]
            ),
        ),
        "money_back": Figure(
            back,
            Chart(
                [
                    Bar(_currency_label(label, row.currency, len(back) > 1), amount, _money(amount, row.currency))
                    for row in back
                    for label, amount in (
                        (_("Store credit issued"), row.store_credit),
                        (_("Refunded to the payment"), row.refunded),
                    )
                    if moved  # nothing at all: a sentence instead of empty bars
                ]
            ),
        ),
        "late_deliveries": Figure(
            carriers,
            Chart(
                [
                    Bar(
                        row.carrier,
                        float(row.rate or 0),
                        _(
                            "%(share)s: %(late)s of %(all)s late",
                            share=_percent(row.rate),
                            late=row.late,
                            all=row.shipments,
                        ),
                    )
                    for row in carriers
                ]
            ),
        ),
        "support": Figure(
            support,
            Chart(
                [
                    Bar(
                        _("%(rating)s out of 5", rating=stars),
                        count,
                        ngettext("%(num)s rating", "%(num)s ratings", count),
                    )
                    for stars, count in sorted(support.ratings.items(), reverse=True)
                ]
            )
            if support.rated
            else Chart([]),
        ),
    }


# -- CSV ------------------------------------------------------------------------------------

Table = tuple[list[str], list[list]]


def _decimal(amount: int, currency: str) -> str:
    return str(Money(amount, currency).as_decimal())


def _plain(value: Decimal | float | None) -> str:
    return "" if value is None else str(value)


def _return_rate_table(merchant, period, today) -> Table:
    rows = queries.return_rates(merchant.id, period)
    return (
        [_("SKU"), _("Product"), _("Items sold"), _("Items returned"), _("Return rate, per cent")],
        [[row.sku, row.name, row.sold, row.returned, _plain(row.rate)] for row in rows],
    )


def _return_reasons_table(merchant, period, today) -> Table:
    rows = queries.returns_by_reason(merchant.id, period)
    return (
        [_("Reason"), _("Returns"), _("Items")],
        [[reason_label(merchant, row.reason), row.returns, row.items] for row in rows],
    )


def _claim_outcomes_table(merchant, period, today) -> Table:
    rows = queries.claims_by_status(merchant.id, period)
    return ([_("Status"), _("Claims")], [[claim_status_label(row.status), row.claims] for row in rows])


def _price_reductions_table(merchant, period, today) -> Table:
    rows = queries.price_reductions(merchant.id, period)
    return (
        [_("Currency"), _("Accepted price reductions"), _("Total"), _("Average")],
        [
            [row.currency, row.claims, _decimal(row.total, row.currency), _decimal(row.average, row.currency)]
            for row in rows
        ],
    )


def _refunds_by_week_table(merchant, period, today) -> Table:
    rows = week_rows(merchant, period)
    return (
        [_("Week"), _("Week starts"), _("Currency"), _("Refunds"), _("Amount")],
        [
            [row.week.code, row.week.monday.isoformat(), row.currency, row.refunds, _decimal(row.amount, row.currency)]
            for row in rows
        ],
    )


def _money_back_table(merchant, period, today) -> Table:
    rows = money_back_rows(merchant, period)
    return (
        [_("Currency"), _("Store credit issued"), _("Refunded to the payment")],
        [
            [row.currency, _decimal(row.store_credit, row.currency), _decimal(row.refunded, row.currency)]
            for row in rows
        ],
    )


def _late_deliveries_table(merchant, period, today) -> Table:
    rows = queries.late_deliveries(merchant.id, period, today=today)
    return (
        [_("Carrier"), _("Late"), _("Shipments"), _("Late, per cent")],
        [[row.carrier, row.late, row.shipments, _plain(row.rate)] for row in rows],
    )


def _support_table(merchant, period, today) -> Table:
    figures = queries.support_figures(merchant.id, period)
    rows = [
        [_("Tickets opened"), figures.opened],
        [_("Tickets with a first response"), figures.responded],
        [_("Average first response, hours"), _plain(figures.first_response_hours)],
        [_("Tickets solved"), figures.solved],
        [_("Average time to solve, hours"), _plain(figures.resolution_hours)],
        [_("Ratings"), figures.rated],
        [_("Average rating, out of 5"), _plain(figures.rating_average)],
        [_("Rated 4 or 5, per cent"), _plain(figures.satisfied_share)],
        *[[_("%(rating)s out of 5", rating=stars), figures.ratings[stars]] for stars in range(5, 0, -1)],
    ]
    return [_("Measure"), _("Value")], rows


CSV_TABLES: dict[str, Callable[[Merchant, queries.Period, date], Table]] = {
    "return-rate": _return_rate_table,
    "return-reasons": _return_reasons_table,
    "claim-outcomes": _claim_outcomes_table,
    "price-reductions": _price_reductions_table,
    "refunds-by-week": _refunds_by_week_table,
    "money-back": _money_back_table,
    "late-deliveries": _late_deliveries_table,
    "support": _support_table,
}

# A spreadsheet runs a cell starting with one of these as a formula: such text gets a leading quote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_body(header: list[str], rows: list[list]) -> bytes:
    """UTF-8 with a byte-order mark (spreadsheet programs then read å, ä and ö right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_cell(name) for name in header])
    writer.writerows([[_cell(value) for value in row] for row in rows])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# -- pages ----------------------------------------------------------------------------------


def _period_choice(merchant: Merchant, today: date) -> queries.PeriodChoice:
    return queries.choose_period(
        request.args.get("from"), request.args.get("to"), timezone=merchant.timezone, today=today
    )


@bp.get("/today", endpoint="today")
@staff_required()
def today_page():
    """The work waiting now, then the figures of the chosen range (default: the last 30 days)."""
    merchant = _shop()
    if merchant is None:
        return _choose_shop()
    set_page_locale(None, merchant.timezone)
    now = utcnow()
    today = merchant_today(merchant, now)
    choice = _period_choice(merchant, today)
    period = choice.period
    return render_template(
        "console/today.html",
        merchant=merchant,
        cards=work_cards(queries.workload(merchant.id, now=now, today=today), _shop_args()),
        choice=choice,
        period=period,
        figures=page_figures(merchant, period, today),
        csv_args={"from": period.first.isoformat(), "to": period.last.isoformat(), **_shop_args()},
    )


@bp.get("/today/<figure>.csv", endpoint="today_csv")
@staff_required()
def today_csv(figure: str):
    """One figure of the range as a CSV file: a header row, then its numbers."""
    merchant = _shop()
    if merchant is None:
        return _choose_shop()
    table = CSV_TABLES.get(figure)
    if table is None:
        raise NotFound()
    set_page_locale(None, merchant.timezone)
    today = merchant_today(merchant)
    choice = _period_choice(merchant, today)
    if choice.errors:
        problems = " ".join(str(message) for messages in choice.errors.values() for message in messages)
        response = make_response(problems, 400)
        response.mimetype = "text/plain"
        return response
    period = choice.period
    response = make_response(csv_body(*table(merchant, period, today)))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    filename = f"{merchant.slug}-{figure}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
