"""The arithmetic of an instalment plan, pure and exact to the cent (issue 6's foundation).

- The schedule is an annuity on the nominal rate: equal instalments of principal and interest,
  interest on the remaining balance each month, rounded to the cent; the last instalment takes
  the rounding so that the principal parts sum exactly to the credit. The monthly fee is added
  to every instalment, the set-up fee to the first.
- The APR (todellinen vuosikorko) solves the equation of Directive 2008/48/EC, Annex I:
  the drawdown equals the payments discounted at (1 + X) ** -t, t in years, a month being
  1/12 of a year; it is given in percent with one decimal, as the directive requires at least.
- The Finnish caps (Kuluttajansuojalaki 7:17a–17b): a nominal rate of at most 20 % a year, and
  other costs of at most 0.01 % of the credit a day and 150 € a year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, getcontext

MAX_NOMINAL_RATE = Decimal("20")
MAX_OTHER_COSTS_PER_DAY = Decimal("0.0001")  # of the credit
MAX_OTHER_COSTS_PER_YEAR_EUR = 15000  # minor units


@dataclass(frozen=True)
class Instalment:
    number: int
    due_on: date
    principal: int
    interest: int
    fee: int

    @property
    def amount(self) -> int:
        return self.principal + self.interest + self.fee


@dataclass(frozen=True)
class Plan:
    credit: int
    months: int
    nominal_rate: Decimal  # percent a year
    instalments: list[Instalment]
    # The first instalment due on the day the credit starts (paid at once), not a month later.
    in_advance: bool = False

    @property
    def total_interest(self) -> int:
        return sum(i.interest for i in self.instalments)

    @property
    def total_fees(self) -> int:
        return sum(i.fee for i in self.instalments)

    @property
    def total_payable(self) -> int:
        return sum(i.amount for i in self.instalments)

    @property
    def total_cost(self) -> int:
        return self.total_payable - self.credit

    @property
    def apr(self) -> Decimal:
        return apr(self.credit, self.payments)

    @property
    def payments(self) -> list[tuple[int, int]]:
        """(months from the start of the credit, amount) of every instalment."""
        shift = 1 if self.in_advance else 0
        return [(n.number - shift, n.amount) for n in self.instalments]


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has no such day."""
    import calendar

    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _cents(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def schedule(
    credit: int,
    months: int,
    nominal_rate: Decimal | str,
    *,
    first_due_on: date,
    monthly_fee: int = 0,
    setup_fee: int = 0,
    in_advance: bool = False,
) -> Plan:
    """The plan for ``credit`` minor units over ``months`` monthly instalments.

    ``in_advance``: the first instalment is due when the credit starts (an annuity-due), so it
    carries no interest and each later one the interest of the month before it.
    """
    if credit <= 0 or months <= 0:
        raise ValueError("credit and months must be positive")
    rate = Decimal(str(nominal_rate)) / 100 / 12  # per month
    if rate == 0:
        payment = Decimal(credit) / months
    else:
        payment = Decimal(credit) * rate / (1 - (1 + rate) ** -months)
        if in_advance:
            payment /= 1 + rate
    balance = credit
    instalments = []
    for number in range(1, months + 1):
        interest = 0 if in_advance and number == 1 else _cents(Decimal(balance) * rate)
        principal = balance if number == months else min(balance, _cents(payment) - interest)
        balance -= principal
        fee = monthly_fee + (setup_fee if number == 1 else 0)
        instalments.append(
            Instalment(
                number=number,
                due_on=add_months(first_due_on, number - 1),
                principal=principal,
                interest=interest,
                fee=fee,
            )
        )
    return Plan(
        credit=credit,
        months=months,
        nominal_rate=Decimal(str(nominal_rate)),
        instalments=instalments,
        in_advance=in_advance,
    )


def apr(credit: int, payments: list[tuple[int, int]]) -> Decimal:
    """The annual percentage rate of ``credit`` paid back as (month number, amount) pairs,
    by the directive's equation, in percent rounded to one decimal."""
    getcontext().prec = 40
    total = sum(amount for _month, amount in payments)
    if total <= credit:
        return Decimal("0.0")

    def present_value(x: Decimal) -> Decimal:
        return sum(Decimal(amount) / (1 + x) ** (Decimal(month) / 12) for month, amount in payments)

    low, high = Decimal(0), Decimal(1)
    while present_value(high) > credit:  # widen until the root is bracketed
        high *= 2
    for _ in range(200):
        middle = (low + high) / 2
        if present_value(middle) > credit:
            low = middle
        else:
            high = middle
    return (low * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def other_costs_problems(credit: int, months: int, monthly_fee: int, setup_fee: int) -> list[str]:
    """Which Finnish caps the fees break, as codes: ``per_day`` (0.01 % of the credit a day)
    and ``per_year`` (150 € in a year of the plan)."""
    problems = []
    days = Decimal(months) * Decimal("365") / 12
    costs = Decimal(monthly_fee * months + setup_fee)
    if costs > Decimal(credit) * MAX_OTHER_COSTS_PER_DAY * days:
        problems.append("per_day")
    first_year = monthly_fee * min(months, 12) + setup_fee
    if first_year > MAX_OTHER_COSTS_PER_YEAR_EUR:
        problems.append("per_year")
    return problems
