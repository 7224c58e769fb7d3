from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class LookupForm(FlaskForm):
    merchant = SelectField(_l("Shop"), validators=[DataRequired(message=_l("Choose the shop."))])
    number = StringField(
        _l("Order number"),
        validators=[DataRequired(message=_l("Enter the order number.")), Length(max=64)],
        description=_l("You find it in the order confirmation e-mail."),
        filters=[_strip],
    )
    email = EmailField(
        _l("E-mail address"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Enter the e-mail address you used for the order.")),
            Email(message=_l("Enter a valid e-mail address."), check_deliverability=False),
            Length(max=254),
        ],
    )


class OrdersLinkForm(FlaskForm):
    """All my orders at this shop, by e-mail: the address alone."""

    merchant = SelectField(_l("Shop"), validators=[DataRequired(message=_l("Choose the shop."))])
    email = EmailField(
        _l("E-mail address"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Enter the e-mail address you used for the order.")),
            Email(message=_l("Enter a valid e-mail address."), check_deliverability=False),
            Length(max=254),
        ],
    )
