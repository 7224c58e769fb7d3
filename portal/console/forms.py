"""Merchant console forms."""

from babel.numbers import get_currency_precision
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SearchField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from portal.money import parse_amount


class OrderSearchForm(FlaskForm):
    """A GET form: it changes nothing, so it carries no CSRF token and the URL can be shared."""

    class Meta:
        csrf = False

    q = SearchField(
        _l("Search orders"),
        validators=[Length(max=200)],
        description=_l("Order number, the buyer's e-mail address or name."),
    )


class RefundFilterForm(FlaskForm):
    """The refund list's status filter: a GET form like the order search."""

    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"),
        choices=[
            SelectChoice("", _l("All")),
            SelectChoice("pending", _l("Pending")),
            SelectChoice("succeeded", _l("Refunded")),
            SelectChoice("failed", _l("Failed")),
        ],
        default="",
    )


class ManualRefundForm(FlaskForm):
    """A refund staff decide themselves; the amount is typed in the order's currency.

    Set ``currency`` before validating; a valid form holds the amount in ``minor_units``.
    """

    currency = "EUR"
    minor_units: int | None = None

    amount = StringField(
        _l("Amount"),
        validators=[InputRequired(message=_l("Enter the amount to refund.")), Length(max=20)],
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(message=_l("Enter the reason for the refund.")), Length(max=500)],
        description=_l("Kept with the refund in the order's history."),
    )

    def validate_amount(self, field) -> None:
        try:
            amount = parse_amount(field.data, self.currency)
        except ValueError:
            if get_currency_precision(self.currency) == 0:
                raise ValidationError(
                    _l("%(currency)s has no decimals: enter a whole number, e.g. 1250.", currency=self.currency)
                ) from None
            raise ValidationError(_l("Enter the amount like 12,50 or 12.50.")) from None
        if amount <= 0:
            raise ValidationError(_l("Enter an amount above zero."))
        self.minor_units = amount
