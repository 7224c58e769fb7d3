"""parse_amount: what staff type in the refund form, to minor units; never a guess."""

from __future__ import annotations

import pytest

from portal.money import parse_amount


@pytest.mark.parametrize(
    ("text", "currency", "minor_units"),
    [
        ("12,50", "EUR", 1250),
        ("12.50", "EUR", 1250),
        ("12,5", "EUR", 1250),
        ("12", "EUR", 1200),
        ("0,05", "EUR", 5),
        ("0", "EUR", 0),
        ("  12,50 ", "EUR", 1250),
        ("1 234,50", "SEK", 123450),
        ("1\u00a0234,50", "NOK", 123450),  # the no-break space of fi/sv/nb number formats
        ("1\u202f234,50", "DKK", 123450),
        ("12 345 678", "EUR", 1234567800),
        ("1250", "ISK", 1250),
        ("1 250", "ISK", 1250),
    ],
)
def test_amounts_as_people_write_them(text, currency, minor_units):
    assert parse_amount(text, currency) == minor_units


@pytest.mark.parametrize(
    ("text", "currency"),
    [
        ("12,505", "EUR"),  # more decimals than the currency has
        ("12,50", "ISK"),  # krónur have none
        ("1.250", "ISK"),  # an Icelandic thousands point is not guessed either
        ("1.234,50", "EUR"),  # two separators
        ("1,234.50", "EUR"),
        ("12 50", "EUR"),  # a space that does not group thousands
        ("1  234", "EUR"),
        ("12,", "EUR"),
        (",50", "EUR"),
        ("-5", "EUR"),
        ("+5", "EUR"),
        ("1e3", "EUR"),
        ("€12", "EUR"),
        ("١٢", "EUR"),  # digits of other scripts
        ("", "EUR"),
        ("   ", "EUR"),
    ],
)
def test_anything_else_is_refused(text, currency):
    with pytest.raises(ValueError):
        parse_amount(text, currency)
