"""The number to call: local and international forms of the five Nordic countries are taken and
kept in E.164; another country's number and anything that is not a number are refused with a
message that says what to do — in the buyer's language."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from portal.callbacks import phones
from portal.errors import ValidationFailed
from tests.callbacks.conftest import open_order, page_text, post_form


@pytest.mark.parametrize(
    ("typed", "shop_country", "stored"),
    [
        ("040 123 4567", "FI", "+358401234567"),  # Finland, as Finns write it
        ("+358 40 123 4567", "SE", "+358401234567"),
        ("00358 40 123 4567", "FI", "+358401234567"),  # the international prefix dialled at home
        ("+358 18 12345", "FI", "+3581812345"),  # Åland
        ("070-123 45 67", "SE", "+46701234567"),  # Sweden
        ("+46 70 123 45 67", "FI", "+46701234567"),
        ("20 12 34 56", "DK", "+4520123456"),  # Denmark
        ("+45 20 12 34 56", "FI", "+4520123456"),
        ("412 34 567", "NO", "+4741234567"),  # Norway
        ("+47 412 34 567", "FI", "+4741234567"),
        ("611 1234", "IS", "+3546111234"),  # Iceland
        ("+354 611 1234", "FI", "+3546111234"),
    ],
)
def test_nordic_numbers_are_taken_in_local_and_international_form(typed, shop_country, stored):
    assert phones.normalise(typed, shop_country) == stored


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("+1 202 555 0143", "Finland, Sweden, Denmark, Norway and Iceland"),  # the United States
        ("+49 30 1234567", "Finland, Sweden, Denmark, Norway and Iceland"),  # Germany
        ("call me", "does not look like a phone number"),
        ("123", "does not look like a phone number"),
        ("040 12", "does not look like a phone number"),
        ("+358 40 123 4567 8901 2345 6789 0123 4567 89", "does not look like a phone number"),
        ("", "Enter the phone number we should call."),
    ],
)
def test_other_countries_and_garbage_are_refused_with_the_reason(typed, why):
    with pytest.raises(ValidationFailed) as refused:
        phones.normalise(typed, "FI")
    assert why in str(refused.value.fields["phone"][0])


def test_the_example_in_the_message_is_the_shops_country(app):
    with pytest.raises(ValidationFailed) as refused:
        phones.normalise("nope", "SE")
    assert "070-123 45 67 or +46 70 123 45 67" in str(refused.value.fields["phone"][0])


def test_the_refusal_is_said_in_finnish_to_a_finnish_buyer(app):
    with force_locale("fi"):
        with pytest.raises(ValidationFailed) as us:
            phones.normalise("+1 202 555 0143", "FI")
        with pytest.raises(ValidationFailed) as garbage:
            phones.normalise("soita minulle", "FI")
        assert "Voimme soittaa vain Suomen, Ruotsin, Tanskan, Norjan ja Islannin numeroihin" in str(
            us.value.fields["phone"][0]
        )
        assert "Tämä ei näytä puhelinnumerolta" in str(garbage.value.fields["phone"][0])


def test_the_buyer_reads_the_refusal_on_the_form_in_finnish_and_keeps_what_they_typed(client, order_fi):
    open_order(client, order_fi)
    url = f"/s/kodinkone/orders/{order_fi.number}/callback"
    response = post_form(client, url, {"phone": "+1 202 555 0143", "topic": "delivery", "slot": ""})
    assert response.status_code == 422
    html = page_text(response)
    assert '<html lang="fi">' in html
    assert "Voimme soittaa vain Suomen, Ruotsin, Tanskan, Norjan ja Islannin numeroihin" in html
    assert 'id="phone-error"' in html and 'aria-invalid="true"' in html
    assert 'value="+1 202 555 0143"' in html  # what they typed stays in the field


def test_staff_read_the_number_in_international_form():
    assert phones.for_display("+358401234567") == "+358 40 1234567"
    assert phones.for_display("+46701234567") == "+46 70 123 45 67"
    assert phones.for_display(None) == ""
