"""Money: integer minor units with an ISO currency. Never a float."""

from __future__ import annotations

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
