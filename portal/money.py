"""Money: integer minor units with an ISO currency. Never a float."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import format_currency, get_currency_precision

CURRENCIES = ("EUR", "SEK", "DKK", "NOK", "ISK")


@dataclass(frozen=True, slots=True)
class Money:
    amount: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError("Money.amount must be an int of minor units")
        if self.currency not in CURRENCIES:
            raise ValueError(f"unsupported currency {self.currency!r}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError("cannot mix currencies")

    def as_decimal(self) -> Decimal:
        return Decimal(self.amount).scaleb(-get_currency_precision(self.currency))

    def format(self, locale: str) -> str:
        return format_money(self.amount, self.currency, locale)

    def __str__(self) -> str:
        """Formatted in the language of the request or job that shows it."""
        from flask_babel import get_locale

        try:
            locale = str(get_locale() or "en")
        except RuntimeError:  # no app context
            locale = "en"
        return self.format(locale)

    def to_json(self) -> dict:
        return {"amount": self.amount, "currency": self.currency}


def format_money(amount: int, currency: str, locale: str) -> str:
    """``1 234,50 €`` in Finnish, ``1 234,50 kr`` in Swedish, ``€1,234.50`` in English."""
    value = Decimal(amount).scaleb(-get_currency_precision(currency))
    return format_currency(value, currency, locale=_babel_locale(locale))


def _babel_locale(locale: str) -> str:
    return {"nb": "nb_NO", "is": "is_IS", "da": "da_DK", "sv": "sv_SE", "fi": "fi_FI"}.get(
        locale, "en_IE" if locale == "en" else locale
    )


# Whole units, optionally grouped by thousands with the spaces people (and the fi/sv/nb
# number formats) use, then one decimal separator, comma or point.
_SPACES = " \u00a0\u202f\u2009"
_AMOUNT = re.compile(rf"([0-9]{{1,3}}(?:[{_SPACES}][0-9]{{3}})+|[0-9]+)(?:[.,]([0-9]+))?", re.ASCII)


def parse_amount(text: str, currency: str) -> int:
    """``"12,50"`` or ``"12.50"`` in euros -> 1250 minor units; ``"1 250"`` krónur -> 1250.

    One decimal separator (comma or point) with at most the currency's decimals; spaces may
    group thousands. Anything else (a sign, a second separator, a space that does not group
    thousands, too many decimals, decimals for ISK) raises ValueError: a refund amount is
    never guessed.
    """
    precision = get_currency_precision(currency)
    match = _AMOUNT.fullmatch((text or "").strip())
    if match is None:
        raise ValueError(f"not an amount: {text!r}")
    whole = "".join(ch for ch in match.group(1) if ch not in _SPACES)
    decimals = match.group(2) or ""
    if len(decimals) > precision:
        raise ValueError(f"too many decimals for {currency}: {text!r}")
    return int(whole) * 10**precision + int(decimals.ljust(precision, "0") or "0")


def format_percent(value, locale: str) -> str:
    """A rate given in percent (``Decimal("9.90")``) in the locale's way: "9,9 %", "9.9%"."""
    from babel.numbers import format_percent as babel_percent

    return babel_percent(Decimal(str(value)) / 100, locale=_babel_locale(locale), decimal_quantization=False)
