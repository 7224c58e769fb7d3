"""Merchant console forms."""

from babel.numbers import get_currency_precision
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SearchField, SelectField, StringField, TextAreaField
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
        self.minor_units = _positive_amount(field.data, self.currency)


# -- returns ---------------------------------------------------------------------------------

RETURN_AGES = (
    SelectChoice("", _l("Any age")),
    SelectChoice("3", _l("Older than 3 days")),
    SelectChoice("7", _l("Older than 7 days")),
    SelectChoice("14", _l("Older than 14 days")),
)


class ReturnFilterForm(FlaskForm):
    """The returns queue's filters: a GET form like the order search.

    The status and reason choices come from the view: the console's status names and the
    shop's own reason codes.
    """

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), default="open")
    reason = SelectField(_l("Reason"), default="")
    age = SelectField(_l("Age"), choices=RETURN_AGES, default="")
    q = SearchField(
        _l("Return number"),
        validators=[Length(max=80)],
        description=_l("The number on the return slip, or a part of it."),
    )

    def __init__(self, formdata, *, statuses: list[tuple[str, str]], reasons: list[tuple[str, str]]):
        super().__init__(formdata)
        self.status.choices = statuses
        self.reason.choices = [SelectChoice("", _l("All reasons")), *reasons]

    def value(self, name: str) -> str:
        """The field's value when valid, else its default: one bad filter does not drop the others."""
        field = self[name]
        return field.default if field.errors else (field.data or "")


class ApproveReturnForm(FlaskForm):
    message = TextAreaField(
        _l("Message to the buyer (optional)"),
        validators=[Length(max=1000)],
        description=_l("Sent with the approval e-mail and the return slip."),
    )


class RejectReturnForm(FlaskForm):
    message = TextAreaField(
        _l("Why the return is not accepted"),
        validators=[
            DataRequired(message=_l("Tell the buyer why the return is not accepted.")),
            Length(max=1000),
        ],
        description=_l("Required. Sent to the buyer by e-mail and shown on their order page."),
    )


RETURN_CONDITIONS = (
    SelectChoice("accepted", _l("Arrived in good condition")),
    SelectChoice("damaged", _l("Damaged or used")),
)


class ReceiveReturnForm(FlaskForm):
    """How each returned item arrived. The fields are added per return: see ``receive_form``."""

    item_fields: list[tuple[str, str | None]]  # (condition field, fee field or None) per item


def receive_form(fee_labels: list[str | None]) -> ReceiveReturnForm:
    """A receive form with one condition select per returned item and, where ``fee_labels``
    gives a label (the shop takes a restocking fee and the item is not an exchange), a fee
    checkbox. Filled from the request's form on a POST, empty on a GET (Flask-WTF)."""

    class Form(ReceiveReturnForm):
        pass

    names = []
    for index, fee_label in enumerate(fee_labels):
        setattr(Form, f"condition_{index}", SelectField(_l("Condition"), choices=RETURN_CONDITIONS, default="accepted"))
        fee = f"fee_{index}" if fee_label else None
        if fee:
            setattr(Form, fee, BooleanField(fee_label))
        names.append((f"condition_{index}", fee))
    form = Form()
    form.item_fields = names
    return form


# -- claims ----------------------------------------------------------------------------------


class ClaimFilterForm(FlaskForm):
    """The claims inbox's status filter: a GET form like the order search; choices from the view."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), default="open")

    def __init__(self, formdata, *, statuses: list[tuple[str, str]]):
        super().__init__(formdata)
        self.status.choices = statuses

    def value(self) -> str:
        """The chosen status when valid, else the open claims."""
        return self.status.default if self.status.errors else (self.status.data or self.status.default)


class CounterClaimForm(FlaskForm):
    """The shop's own offer, typed in the order's currency.

    Set ``currency`` before validating; a valid form holds the amount in ``minor_units``.
    """

    currency = "EUR"
    minor_units: int | None = None

    amount = StringField(
        _l("Amount you offer"),
        validators=[InputRequired(message=_l("Enter the amount you offer.")), Length(max=20)],
    )
    message = TextAreaField(
        _l("Message to the buyer"),
        validators=[Length(max=2000)],
        description=_l("Optional. Say why this amount; the buyer reads it with your offer."),
    )

    def validate_amount(self, field) -> None:
        self.minor_units = _positive_amount(field.data, self.currency)


class RejectClaimForm(FlaskForm):
    message = TextAreaField(
        _l("Why the claim is not accepted"),
        validators=[
            DataRequired(message=_l("Tell the buyer why the claim is not accepted.")),
            Length(max=2000),
        ],
        description=_l("Required. Sent to the buyer and to customer support, who take the claim over."),
    )


def _positive_amount(text: str, currency: str) -> int:
    """``"12,50"`` → 1250 in the currency's minor units, or a ValidationError in words."""
    try:
        amount = parse_amount(text, currency)
    except ValueError:
        if get_currency_precision(currency) == 0:
            raise ValidationError(
                _l("%(currency)s has no decimals: enter a whole number, e.g. 1250.", currency=currency)
            ) from None
        raise ValidationError(_l("Enter the amount like 12,50 or 12.50.")) from None
    if amount <= 0:
        raise ValidationError(_l("Enter an amount above zero."))
    return amount
