"""Merchant console forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SearchField
from wtforms.validators import Length


class OrderSearchForm(FlaskForm):
    """A GET form: it changes nothing, so it carries no CSRF token and the URL can be shared."""

    class Meta:
        csrf = False

    q = SearchField(
        _l("Search orders"),
        validators=[Length(max=200)],
        description=_l("Order number, the buyer's e-mail address or name."),
    )
