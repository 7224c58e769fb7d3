"""Order files to import, written as a shop would: JSON lines (one order each) or CSV (one item a row)."""

from __future__ import annotations

import csv
import io
import json

from portal.orders.importer import CSV_COLUMNS
from tests.conftest import order_document


def json_line(number: str | None, **overrides) -> str:
    """One order as a JSON line, with its number (left out when ``number`` is None)."""
    document = order_document(**overrides)
    if number is not None:
        document = {"number": number, **document}
    return json.dumps(document, ensure_ascii=False)


def csv_row(number: str, **columns) -> dict:
    """One CSV row (one item) of the order ``number``, as in order_document()."""
    row = {
        "number": number,
        "placed_at": "2026-11-02T12:00:00+02:00",
        "currency": "EUR",
        "locale": "fi",
        "customer_email": "aino@example.fi",
        "customer_name": "Aino Virtanen",
        "item_id": "L1",
        "sku": "FRIDGE-A-200",
        "name": "Jääkaappi A200",
        "quantity": "1",
        "unit_price": "89900",
        "tax_rate": "25.5",
        "attributes": '{"colour": "white"}',
        "shipping_amount": "4900",
        "ship_name": "Aino Virtanen",
        "ship_street": "Kauppakatu 1",
        "ship_postal_code": "00100",
        "ship_city": "Helsinki",
        "ship_country": "FI",
        "payment_provider": "simulated",
        "payment_reference": "pay_123",
        "payment_method": "card",
        "captured": "94800",
        "promised_delivery_date": "2026-11-06",
    }
    row.update(columns)
    return row


def csv_text(rows: list[dict], columns=CSV_COLUMNS) -> str:
    """A CSV file: a header of ``columns``, then the rows (line 1 is the header)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
