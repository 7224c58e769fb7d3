"""The schedule is exact to the cent and the APR matches the directive's formula on worked examples."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.instalments.terms import add_months, apr, other_costs_problems, schedule

FIRST = date(2026, 12, 31)


def test_interest_free_without_fees_is_zero_apr_and_the_rounding_goes_last():
    plan = schedule(100000, 12, "0", first_due_on=FIRST)
    assert [i.amount for i in plan.instalments] == [8333] * 11 + [8337]
    assert plan.total_payable == 100000 and plan.total_cost == 0
    assert plan.apr == Decimal("0.0")


def test_a_textbook_annuity_one_thousand_for_twelve_payments_of_one_hundred():
    # 1 000 € repaid with 12 monthly payments of 100 €: monthly IRR 2.9229 %, APR 41.3 %.
    assert apr(100000, [(m, 10000) for m in range(1, 13)]) == Decimal("41.3")


def test_a_nominal_rate_gives_the_annuity_and_its_apr():
    plan = schedule(120000, 12, "9.90", first_due_on=FIRST)
    amounts = [i.amount for i in plan.instalments]
    assert max(amounts[:-1]) - min(amounts[:-1]) <= 1  # equal instalments, to a cent of rounding
    assert sum(i.principal for i in plan.instalments) == 120000
    assert plan.total_interest == plan.total_payable - 120000
    # 9.90 % nominal compounded monthly: (1 + 0.099/12) ** 12 - 1 = 10.36 %.
    assert plan.apr == Decimal("10.4")


def test_fees_count_in_the_apr_even_at_zero_interest():
    plan = schedule(60000, 6, "0", first_due_on=FIRST, monthly_fee=300, setup_fee=500)
    assert plan.instalments[0].fee == 800 and all(i.fee == 300 for i in plan.instalments[1:])
    assert plan.total_payable == 60000 + 6 * 300 + 500
    assert plan.apr > Decimal("10")  # "interest-free" is not free when fees are charged


def test_due_dates_keep_the_day_or_take_the_months_last():
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert [i.due_on for i in schedule(30000, 3, "0", first_due_on=date(2026, 12, 31)).instalments] == [
        date(2026, 12, 31),
        date(2027, 1, 31),
        date(2027, 2, 28),
    ]


@settings(max_examples=200, deadline=None)
@given(
    credit=st.integers(min_value=1000, max_value=5_000_000),
    months=st.integers(min_value=2, max_value=60),
    rate=st.decimals(min_value=0, max_value=20, places=2),
    monthly_fee=st.integers(min_value=0, max_value=1500),
    setup_fee=st.integers(min_value=0, max_value=5000),
)
def test_every_plan_sums_exactly(credit, months, rate, monthly_fee, setup_fee):
    plan = schedule(credit, months, rate, first_due_on=FIRST, monthly_fee=monthly_fee, setup_fee=setup_fee)
    assert sum(i.principal for i in plan.instalments) == credit
    assert all(i.principal >= 0 and i.interest >= 0 for i in plan.instalments)
    assert plan.total_payable == credit + plan.total_interest + plan.total_fees
    assert len(plan.instalments) == months


@pytest.mark.parametrize(
    ("credit", "months", "monthly_fee", "setup_fee", "problems"),
    [
        (100000, 12, 300, 0, []),  # 36 € a year on 1 000 €: within 0.01 %/day (36.50 €)
        (100000, 12, 400, 0, ["per_day"]),  # 48 € > 36.50 €
        (5000000, 12, 1300, 0, ["per_year"]),  # 156 € in a year > 150 €
    ],
)
def test_the_finnish_caps_on_other_costs(credit, months, monthly_fee, setup_fee, problems):
    assert other_costs_problems(credit, months, monthly_fee, setup_fee) == problems


def test_the_policy_refuses_fees_above_the_finnish_caps_with_the_reason():
    from portal.errors import ValidationFailed
    from portal.merchants.policy import merge_policy

    fine = merge_policy({}, {"instalments": {"monthly_fee": 300, "min_amount": 100000, "months": [12]}})
    assert fine["instalments"]["monthly_fee"] == 300
    with pytest.raises(ValidationFailed) as per_day:
        merge_policy({}, {"instalments": {"monthly_fee": 400, "min_amount": 100000, "months": [12]}})
    assert [str(m) for m in per_day.value.fields["instalments.monthly_fee"]] == [
        "The fees may be at most 0.01 per cent of the credit a day (Finnish consumer-credit cap); "
        "they are more for the smallest order."
    ]
    with pytest.raises(ValidationFailed) as per_year:
        merge_policy(
            {}, {"instalments": {"monthly_fee": 1300, "min_amount": 5000000, "max_amount": 6000000, "months": [12]}}
        )
    assert [str(m) for m in per_year.value.fields["instalments.monthly_fee"]] == [
        "The fees may be at most 150 € a year (Finnish consumer-credit cap)."
    ]
