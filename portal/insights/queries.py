"""A shop's figures as SQL aggregates: the work waiting now, and totals over a range of days.

Every statement is filtered by the shop (``merchant_id``) and, for the figures, by the range;
each returns a handful of grouped totals (GROUP BY with SUM, COUNT, AVG and CASE), never the
shop's rows.

The range is a span of the shop's local days. Times are stored in UTC, so the range becomes
the half-open UTC interval ``[period.start, period.end)``. Two figures need local days inside
the SQL too — refunds by ISO week, and the end of a promised delivery day — and neither
database can be asked the same way: SQLite knows no time zones, and its ``strftime('%W')`` is
not the ISO week (1 January 2027 is in ISO week 2026-W53, not week 00). So the few boundaries
of the range are worked out here in Python, in the shop's zone, and handed to the SQL as
CASE branches over the stored UTC times: the same statement on SQLite and PostgreSQL, right
across daylight saving changes, and still a range condition on the indexed column. Only the
hours between two timestamps differ by dialect (``hours_between``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Float, and_, case, cast, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from portal.claims.models import Claim, ClaimStatus
from portal.db import UTCDateTime
from portal.extensions import db
from portal.instalments.models import InstalmentPlan, PlanStatus
from portal.orders.models import Order, OrderItem, Payment, Shipment
from portal.payments.models import Refund, RefundStatus, StoreCreditMovement
from portal.returns import policy as return_rules
from portal.returns.models import HOLDING_STATUSES, ReturnItem, ReturnRequest, ReturnStatus
from portal.support import services as desk
from portal.support.models import Ticket, TicketStatus

DEFAULT_DAYS = 30
# A longer range is refused: a year of weeks and promised days stays a short CASE.
MAX_DAYS = 366
TOP_PRODUCTS = 10
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


# -- the range ------------------------------------------------------------------------------


def _midnight(day: date, timezone: str) -> datetime:
    """The instant (UTC) a local day begins in ``timezone``."""
    return datetime.combine(day, time(), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


@dataclass(frozen=True)
class Period:
    """Local days ``first`` to ``last``, both included, in the shop's time zone."""

    first: date
    last: date
    timezone: str

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start(self) -> datetime:
        return _midnight(self.first, self.timezone)

    @property
    def end(self) -> datetime:
        """The first instant after the range (exclusive)."""
        return _midnight(self.last + timedelta(days=1), self.timezone)

    def contains(self, column):
        return and_(column >= self.start, column < self.end)


def default_period(timezone: str, today: date) -> Period:
    """The last 30 days, today included."""
    return Period(today - timedelta(days=DEFAULT_DAYS - 1), today, timezone)


@dataclass(frozen=True)
class PeriodChoice:
    """The range to show, what the date fields say, and why the asked range was not taken."""

    period: Period
    values: dict[str, str]
    errors: dict[str, list] = field(default_factory=dict)


def _day(text: str) -> date | None:
    if not _ISO_DAY.fullmatch(text):
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    # Outside these years a local midnight may not even exist as a UTC instant.
    return day if 1970 <= day.year <= 2999 else None


def choose_period(first_text: str | None, last_text: str | None, *, timezone: str, today: date) -> PeriodChoice:
    """The range asked for as ``YYYY-MM-DD`` texts (either may be left out); on any mistake the
    default range, with a message for each wrong field (``from``, ``to``)."""
    first_text, last_text = (first_text or "").strip(), (last_text or "").strip()
    first, last = _day(first_text), _day(last_text)
    example = today.isoformat()
    errors: dict[str, list] = {}
    if first_text and first is None:
        errors["from"] = [_l("Give the start date as year-month-day, for example %(example)s.", example=example)]
    if last_text and last is None:
        errors["to"] = [_l("Give the end date as year-month-day, for example %(example)s.", example=example)]
    if not errors:
        last = last or max(today, first or today)
        first = first or last - timedelta(days=DEFAULT_DAYS - 1)
        if first > last:
            errors["to"] = [_l("The end date is before the start date. Give an end date on or after it.")]
        elif (last - first).days + 1 > MAX_DAYS:
            errors["to"] = [_l("The range can be one year at most. Choose a later start or an earlier end date.")]
    if errors:
        return PeriodChoice(default_period(timezone, today), {"from": first_text, "to": last_text}, errors)
    period = Period(first, last, timezone)
    return PeriodChoice(period, {"from": first.isoformat(), "to": last.isoformat()})


# -- dialect helper -------------------------------------------------------------------------


class hours_between(FunctionElement):
    """Hours from the first timestamp to the second (NULL when either is NULL)."""

    type = Float()
    name = "hours_between"
    inherit_cache = True


@compiles(hours_between)
def _hours_between_postgresql(element, compiler, **kw):
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 3600.0)"


@compiles(hours_between, "sqlite")
def _hours_between_sqlite(element, compiler, **kw):
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 24.0)"


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _share(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` in per cent, one decimal (None when there is no whole)."""
    if not whole:
        return None
    return (Decimal(part * 100) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _average(total: int, count: int) -> int:
    """The mean of whole minor units, rounded half up to a whole minor unit."""
    return (2 * total + count) // (2 * count) if count else 0


# -- today's work ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    claims_open: int  # the shop's turn to answer
    claims_overdue: int  # of which past their answer's due time
    returns_requested: int  # waiting for the shop's decision
    returns_approved: int  # approved (or received and not settled): waiting for the parcel
    returns_due_soon: int  # of which the refund is due within DUE_SOON_DAYS or overdue
    refunds_failed: int
    tickets_breaching: int  # being worked on, the answer due within 4 hours or overdue (the desk's queue)
    tickets_overdue: int  # of which overdue
    plans_in_arrears: int
    parcels_quiet: int  # on their way, the carrier silent for TRACKING_STALE_HOURS (orders)


def workload(merchant_id: str, *, now: datetime, today: date) -> Workload:
    """What waits for the shop's staff now, counted in one statement (one scalar subquery each)."""

    def count(model, *where):
        return select(func.count(model.id)).where(model.merchant_id == merchant_id, *where).scalar_subquery()

    claim_open = Claim.status == ClaimStatus.OPEN.value
    approved = ReturnRequest.status.in_((ReturnStatus.APPROVED.value, ReturnStatus.RECEIVED.value))
    working = Ticket.status.in_((TicketStatus.NEW.value, TicketStatus.OPEN.value))
    due = case((Ticket.first_responded_at.is_(None), Ticket.first_response_due_at), else_=Ticket.resolution_due_at)

    row = db.session.execute(
        select(
            count(Claim, claim_open),
            count(Claim, claim_open, Claim.answer_due_at < now),
            count(ReturnRequest, ReturnRequest.status == ReturnStatus.REQUESTED.value),
            count(ReturnRequest, approved),
            count(
                ReturnRequest,
                approved,
                ReturnRequest.refund_due_on <= today + timedelta(days=return_rules.DUE_SOON_DAYS),
            ),
            count(Refund, Refund.status == RefundStatus.FAILED.value),
            count(Ticket, working, due <= now + desk.BREACHING_WITHIN),
            count(Ticket, working, due < now),
            count(InstalmentPlan, InstalmentPlan.status == PlanStatus.IN_ARREARS.value),
            select(func.count(func.distinct(Shipment.order_id)))
            .where(
                Shipment.merchant_id == merchant_id,
                Shipment.tracking_stale_since.is_not(None),
                Shipment.delivered_at.is_(None),
            )
            .scalar_subquery(),
        )
    ).one()
    return Workload(*(int(value) for value in row))


# -- returns --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductReturns:
    sku: str
    name: str
    sold: int
    returned: int

    @property
    def rate(self) -> Decimal | None:
        """Items returned per items sold, in per cent."""
        return _share(self.returned, self.sold)


def _sold_in(merchant_id: str, period: Period) -> list:
    """Orders placed in the range and really sold: not cancelled, not an exchange's free order.

    The exchange test is a NOT EXISTS on the payment's unique order index: joining the payments
    made PostgreSQL scan all of them (1 s on a million orders; ~0.25 s this way)."""
    exchange = select(Payment.id).where(Payment.order_id == Order.id, Payment.method == "exchange").exists()
    return [
        Order.merchant_id == merchant_id,
        period.contains(Order.placed_at),
        Order.cancelled_at.is_(None),
        ~exchange,
    ]


def return_rates(merchant_id: str, period: Period, limit: int = TOP_PRODUCTS) -> list[ProductReturns]:
    """The products returned most often, per SKU: items returned / items sold.

    Both counts are of the orders placed in the range (a cohort), so a rate never passes 100:
    items sold are the order lines' quantities, items returned the quantities of those lines in
    returns that hold them (requested, approved, received or settled; not rejected or cancelled).
    Only SKUs with a return are listed, the highest rate first."""
    sold = (
        select(
            OrderItem.sku.label("sku"),
            func.sum(OrderItem.quantity).label("sold"),
            func.max(OrderItem.name).label("name"),
        )
        .join(Order, OrderItem.order_id == Order.id)
        .where(*_sold_in(merchant_id, period))
        .group_by(OrderItem.sku)
        .subquery("sold")
    )
    returned = (
        select(OrderItem.sku.label("sku"), func.sum(ReturnItem.quantity).label("returned"))
        .select_from(ReturnItem)
        .join(ReturnRequest, ReturnItem.return_id == ReturnRequest.id)
        .join(OrderItem, ReturnItem.order_item_id == OrderItem.id)
        .join(Order, OrderItem.order_id == Order.id)
        .where(
            ReturnRequest.merchant_id == merchant_id,
            ReturnRequest.status.in_(HOLDING_STATUSES),
            # A return comes after its order: only returns asked since the range began (an index range).
            ReturnRequest.created_at >= period.start,
            *_sold_in(merchant_id, period),
        )
        .group_by(OrderItem.sku)
        .subquery("returned")
    )
    rate = cast(returned.c.returned, Float) / sold.c.sold
    rows = db.session.execute(
        select(sold.c.sku, sold.c.name, sold.c.sold, returned.c.returned)
        .join(returned, returned.c.sku == sold.c.sku)
        .order_by(rate.desc(), returned.c.returned.desc(), sold.c.sku)
        .limit(limit)
    ).all()
    return [ProductReturns(sku, name, int(n_sold), int(n_returned)) for sku, name, n_sold, n_returned in rows]


@dataclass(frozen=True)
class ReasonCount:
    reason: str
    returns: int  # returns with at least one item for this reason
    items: int  # items returned for this reason


def returns_by_reason(merchant_id: str, period: Period) -> list[ReasonCount]:
    """Returns requested in the range (not rejected or cancelled) by the reason given per item,
    the most items first."""
    items = func.sum(ReturnItem.quantity)
    rows = db.session.execute(
        select(ReturnItem.reason, func.count(func.distinct(ReturnRequest.id)), items)
        .join(ReturnRequest, ReturnItem.return_id == ReturnRequest.id)
        .where(
            ReturnRequest.merchant_id == merchant_id,
            period.contains(ReturnRequest.created_at),
            ReturnRequest.status.in_(HOLDING_STATUSES),
        )
        .group_by(ReturnItem.reason)
        .order_by(items.desc(), ReturnItem.reason)
    ).all()
    return [ReasonCount(reason, int(returns), int(n)) for reason, returns, n in rows]


# -- claims ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusCount:
    status: str
    claims: int


def claims_by_status(merchant_id: str, period: Period) -> list[StatusCount]:
    """Claims opened in the range by where they stand now, in the order of ClaimStatus."""
    rows = dict(
        db.session.execute(
            select(Claim.status, func.count(Claim.id))
            .where(Claim.merchant_id == merchant_id, period.contains(Claim.created_at))
            .group_by(Claim.status)
        ).all()
    )
    order = [status.value for status in ClaimStatus] + sorted(set(rows) - {s.value for s in ClaimStatus})
    return [StatusCount(status, int(rows[status])) for status in order if status in rows]


@dataclass(frozen=True)
class PriceReductions:
    currency: str
    claims: int
    total: int

    @property
    def average(self) -> int:
        return _average(self.total, self.claims)


def price_reductions(merchant_id: str, period: Period) -> list[PriceReductions]:
    """Accepted price reductions of the claims opened in the range, per currency: how many,
    their sum and (derived) their average. An accepted money counter-offer is a price reduction
    too (the claim's remedy becomes one)."""
    rows = db.session.execute(
        select(Order.currency, func.count(Claim.id), func.sum(Claim.agreed_amount))
        .join(Order, Claim.order_id == Order.id)
        .where(
            Claim.merchant_id == merchant_id,
            period.contains(Claim.created_at),
            Claim.status.in_((ClaimStatus.ACCEPTED.value, ClaimStatus.RESOLVED.value)),
            Claim.remedy == "price_reduction",
            Claim.agreed_amount > 0,
        )
        .group_by(Order.currency)
        .order_by(Order.currency)
    ).all()
    return [PriceReductions(currency, int(n), int(total)) for currency, n, total in rows]


# -- money back -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Week:
    """An ISO week (Monday to Sunday) as far as it lies inside the range."""

    year: int
    number: int
    monday: date
    start: datetime  # UTC, clipped to the range
    end: datetime  # UTC, exclusive, clipped to the range

    @property
    def code(self) -> str:
        return f"{self.year}-W{self.number:02d}"


def weeks(period: Period) -> list[Week]:
    """The ISO weeks the range touches, with their UTC bounds in the shop's time zone."""
    found = []
    monday = period.first - timedelta(days=period.first.weekday())
    while monday <= period.last:
        year, number, _weekday = monday.isocalendar()
        start = max(_midnight(monday, period.timezone), period.start)
        end = min(_midnight(monday + timedelta(days=7), period.timezone), period.end)
        found.append(Week(year, number, monday, start, end))
        monday += timedelta(days=7)
    return found


def _week_index(column, period_weeks: list[Week]):
    """The position of ``column``'s week in ``period_weeks`` (rows are already inside the range)."""
    if len(period_weeks) == 1:
        return literal(0)
    return case(
        *[(column < literal(week.end, UTCDateTime()), index) for index, week in enumerate(period_weeks[:-1])],
        else_=len(period_weeks) - 1,
    )


@dataclass(frozen=True)
class WeekRefunds:
    week: Week
    currency: str
    refunds: int
    amount: int


def refunds_by_week(merchant_id: str, period: Period) -> list[WeekRefunds]:
    """Succeeded refunds asked for in the range, per ISO week of the shop's time zone and
    currency: how many and how much. Weeks without a refund are not returned."""
    period_weeks = weeks(period)
    bucket = (
        select(
            _week_index(Refund.created_at, period_weeks).label("week"),
            Refund.currency.label("currency"),
            Refund.amount.label("amount"),
        )
        .where(
            Refund.merchant_id == merchant_id,
            Refund.status == RefundStatus.SUCCEEDED.value,
            period.contains(Refund.created_at),
        )
        .subquery("bucket")
    )
    # Grouped over the subquery's column: PostgreSQL would not match a CASE repeated with new parameters.
    rows = db.session.execute(
        select(bucket.c.week, bucket.c.currency, func.count(), func.sum(bucket.c.amount))
        .group_by(bucket.c.week, bucket.c.currency)
        .order_by(bucket.c.week, bucket.c.currency)
    ).all()
    return [WeekRefunds(period_weeks[int(index)], currency, int(n), int(amount)) for index, currency, n, amount in rows]


@dataclass(frozen=True)
class MoneyBack:
    currency: str
    store_credit: int  # issued as store credit
    refunded: int  # refunded to the buyer's payment (succeeded)


def money_back(merchant_id: str, period: Period) -> list[MoneyBack]:
    """Store credit issued against money refunded to the payment in the range, per currency."""
    credit = db.session.execute(
        select(StoreCreditMovement.currency, func.sum(StoreCreditMovement.amount))
        .where(
            StoreCreditMovement.merchant_id == merchant_id,
            StoreCreditMovement.kind == "issued",
            period.contains(StoreCreditMovement.created_at),
        )
        .group_by(StoreCreditMovement.currency)
    ).all()
    refunded = db.session.execute(
        select(Refund.currency, func.sum(Refund.amount))
        .where(
            Refund.merchant_id == merchant_id,
            Refund.status == RefundStatus.SUCCEEDED.value,
            period.contains(Refund.created_at),
        )
        .group_by(Refund.currency)
    ).all()
    credit_by, refunded_by = dict(credit), dict(refunded)
    return [
        MoneyBack(currency, int(credit_by.get(currency) or 0), int(refunded_by.get(currency) or 0))
        for currency in sorted(set(credit_by) | set(refunded_by))
    ]


# -- deliveries -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CarrierLateness:
    carrier: str
    late: int
    shipments: int

    @property
    def rate(self) -> Decimal | None:
        return _share(self.late, self.shipments)


def late_deliveries(merchant_id: str, period: Period, *, today: date) -> list[CarrierLateness]:
    """Per carrier: shipments of orders promised for a day in the range whose outcome is known
    (delivered, or the promised day is over), and how many of them were late: delivered after
    the promised day ended in the shop's time zone, or still not delivered after it.
    The most late first."""
    promised = Order.promised_delivery_date
    if db.engine.dialect.name == "postgresql":
        # The local day of delivery, from the database's own time zone rules (a year of
        # promised days as CASE branches took a second on a million orders).
        delivered_late = cast(func.timezone(period.timezone, Shipment.delivered_at), Date) > promised
    else:
        # SQLite knows no time zones: when each promised day of the range ends (UTC), as CASE branches.
        days = [period.first + timedelta(days=n) for n in range(period.days)]
        deadline = case(
            {day: literal(_midnight(day + timedelta(days=1), period.timezone), UTCDateTime()) for day in days},
            value=promised,
        )
        delivered_late = Shipment.delivered_at >= deadline
    overdue = and_(Shipment.delivered_at.is_(None), promised < today)
    late = _count_if(or_(overdue, delivered_late))
    rows = db.session.execute(
        select(Shipment.carrier, late, func.count(Shipment.id))
        .join(Order, Shipment.order_id == Order.id)
        .where(
            Order.merchant_id == merchant_id,
            Shipment.merchant_id == merchant_id,
            Order.cancelled_at.is_(None),
            promised >= period.first,
            promised <= period.last,
            or_(Shipment.delivered_at.is_not(None), promised < today),
        )
        .group_by(Shipment.carrier)
        .order_by(late.desc(), Shipment.carrier)
    ).all()
    return [CarrierLateness(carrier, int(n_late), int(n)) for carrier, n_late, n in rows]


# -- support --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SupportFigures:
    opened: int
    responded: int  # of which got a first response
    first_response_hours: float | None  # average, clock hours
    solved: int
    resolution_hours: float | None  # average from opening to solving, clock hours
    ratings: dict[int, int]  # 1–5 → how many
    rating_total: int

    @property
    def rated(self) -> int:
        return sum(self.ratings.values())

    @property
    def satisfied(self) -> int:
        """Ratings of 4 or 5."""
        return self.ratings.get(4, 0) + self.ratings.get(5, 0)

    @property
    def satisfied_share(self) -> Decimal | None:
        return _share(self.satisfied, self.rated)

    @property
    def rating_average(self) -> Decimal | None:
        if not self.rated:
            return None
        return (Decimal(self.rating_total) / Decimal(self.rated)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _hours(value) -> float | None:
    return None if value is None else round(float(value), 1)


def support_figures(merchant_id: str, period: Period) -> SupportFigures:
    """Tickets opened in the range: how many, the average hours to the first response and to
    solving (clock hours, over those that got one), and their satisfaction ratings."""
    rating = Ticket.csat_rating
    row = db.session.execute(
        select(
            func.count(Ticket.id),
            func.count(Ticket.first_responded_at),
            func.avg(hours_between(Ticket.created_at, Ticket.first_responded_at)),
            func.count(Ticket.solved_at),
            func.avg(hours_between(Ticket.created_at, Ticket.solved_at)),
            func.coalesce(func.sum(rating), 0),
            *[_count_if(rating == stars) for stars in range(1, 6)],
        ).where(Ticket.merchant_id == merchant_id, period.contains(Ticket.created_at))
    ).one()
    opened, responded, first_response, solved, resolution, total, *by_stars = row
    return SupportFigures(
        opened=int(opened),
        responded=int(responded),
        first_response_hours=_hours(first_response),
        solved=int(solved),
        resolution_hours=_hours(resolution),
        ratings={stars: int(n) for stars, n in zip(range(1, 6), by_stars, strict=True)},
        rating_total=int(total),
    )
