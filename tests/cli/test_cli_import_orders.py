"""``flask import-orders SLUG FILE``: good orders in, bad rows reported by line number, re-imports replace."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.orders.importer import CSV_COLUMNS
from portal.orders.models import Order, OrderItem
from tests.cli.order_files import csv_row, csv_text, json_line

FRIDGE = {
    "id": "L1",
    "sku": "FRIDGE-A-200",
    "name": "Jääkaappi A200",
    "quantity": 1,
    "unit_price": 89900,
    "tax_rate": "25.5",
    "attributes": {"colour": "white"},
}
KETTLE = {"id": "L2", "sku": "KETTLE-K1", "name": "Vedenkeitin K1", "quantity": 2, "unit_price": 3990}
SHIPPING = {"amount": 4900, "address": {"name": "Aino Virtanen", "city": "Helsinki", "country": "FI"}}


def payment(captured: int) -> dict:
    return {"provider": "simulated", "reference": "pay_1", "method": "card", "captured": captured}


def order(number: str) -> Order | None:
    return db.session.scalar(select(Order).where(Order.number == number))


def order_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Order))


def lines_of(result) -> list[str]:
    return result.stderr.splitlines()


@pytest.fixture
def import_orders(runner, shop):
    def run(path, slug: str = "kodinkone"):
        return runner.invoke(args=["import-orders", slug, str(path)])

    return run


# -- JSON lines ------------------------------------------------------------------------------


def test_json_lines_import_the_good_orders_and_report_the_bad_lines(order_file, import_orders):
    path = order_file(
        "orders.jsonl",
        "\n".join(
            [
                json_line("2001", items=[FRIDGE, KETTLE], shipping=SHIPPING, payment=payment(102780)),
                json_line("2002", locale="sv", customer={"email": "elsa@example.se", "name": "Elsa"}),
                json_line("2003", items=[{**FRIDGE, "quantity": 0}]),
                '{"number": "2004", "placed_at": ',
                "",
                json_line(None),
                "[1, 2]",
            ]
        )
        + "\n",
    )

    result = import_orders(path)

    assert result.exit_code != 0
    assert result.stdout.strip() == "Imported 2 orders (2 new, 0 replaced); 4 lines with problems."
    problems = lines_of(result)
    assert "line 3: order 2003: items.0.quantity: Is too small." in problems
    assert any(line.startswith("line 4: not valid JSON") for line in problems), problems
    assert 'line 6: "number" (the order number) is missing' in problems
    assert "line 7: each line must be a JSON object" in problems

    first = order("2001")
    assert [(i.line_id, i.sku, i.quantity, i.unit_price) for i in first.items] == [
        ("L1", "FRIDGE-A-200", 1, 89900),
        ("L2", "KETTLE-K1", 2, 3990),
    ]
    assert first.items[0].attributes == {"colour": "white"}
    assert (first.shipping_amount, first.total, first.payment.captured, first.currency) == (4900, 102780, 102780, "EUR")
    assert first.customer.email == "aino@example.fi"
    second = order("2002")
    assert (second.locale, second.customer.email) == ("sv", "elsa@example.se")
    assert order("2003") is None
    assert order_count() == 2


def test_a_clean_file_exits_zero(order_file, import_orders):
    path = order_file("orders.jsonl", json_line("2001") + "\n" + json_line("2002") + "\n")

    result = import_orders(path)

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Imported 2 orders (2 new, 0 replaced); 0 lines with problems."


def test_a_reimport_replaces_orders_instead_of_adding_them(order_file, import_orders):
    import_orders(order_file("first.jsonl", json_line("2001", items=[FRIDGE, KETTLE], payment=payment(97880)) + "\n"))
    cheaper = {**FRIDGE, "unit_price": 79900}

    result = import_orders(order_file("again.jsonl", json_line("2001", items=[cheaper], payment=payment(84800)) + "\n"))

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Imported 1 orders (0 new, 1 replaced); 0 lines with problems."
    assert order_count() == 1
    assert db.session.scalar(select(func.count()).select_from(OrderItem)) == 1
    replaced = order("2001")
    assert [(i.sku, i.unit_price) for i in replaced.items] == [("FRIDGE-A-200", 79900)]
    assert replaced.payment.captured == 84800


def test_the_import_shows_a_progress_bar(order_file, import_orders):
    result = import_orders(order_file("orders.jsonl", json_line("2001") + "\n" + json_line("2002") + "\n"))

    assert "Importing 2 lines" in result.stderr


def test_a_line_separator_inside_a_product_name_does_not_split_the_line(order_file, import_orders):
    # JSON allows U+2028 unescaped in strings; it is not the end of a line of the file.
    named = {**FRIDGE, "name": "Jääkaappi\u2028A200"}
    path = order_file(
        "orders.jsonl",
        json_line("2001", items=[named]) + "\n" + json_line("2002", items=[{**FRIDGE, "quantity": 0}]) + "\n",
    )

    result = import_orders(path)

    assert lines_of(result) == ["Importing 2 lines", "line 2: order 2002: items.0.quantity: Is too small."]
    assert order("2001").items[0].name == "Jääkaappi\u2028A200"


def test_an_order_number_that_is_not_text_is_reported_as_such(order_file, import_orders):
    path = order_file("orders.jsonl", json_line("2001").replace('"number": "2001"', '"number": 2001') + "\n")

    result = import_orders(path)

    assert result.exit_code != 0
    assert 'line 1: "number" must be text, e.g. "2001"' in lines_of(result)


# -- CSV -------------------------------------------------------------------------------------


def test_csv_rows_of_one_order_become_its_items(order_file, import_orders):
    rows = [
        csv_row("3001", captured="102780"),
        csv_row("3001", item_id="L2", sku="KETTLE-K1", name="Vedenkeitin K1", quantity="2", unit_price="3990",
                attributes=""),
        csv_row("3002", currency="SEK", locale="sv", customer_email="elsa@example.se", unit_price="988900",
                shipping_amount="0", captured="988900"),
    ]  # fmt: skip

    result = import_orders(order_file("orders.csv", csv_text(rows)))

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Imported 2 orders (2 new, 0 replaced); 0 lines with problems."
    first = order("3001")
    assert [(i.line_id, i.sku, i.quantity, i.unit_price, i.attributes) for i in first.items] == [
        ("L1", "FRIDGE-A-200", 1, 89900, {"colour": "white"}),
        ("L2", "KETTLE-K1", 2, 3990, {}),
    ]
    assert str(first.items[0].tax_rate) == "25.50"
    assert (first.total, first.payment.captured, first.promised_delivery_date.isoformat()) == (
        102780,
        102780,
        "2026-11-06",
    )
    second = order("3002")
    assert (second.currency, second.locale, second.total, second.customer.email) == (
        "SEK",
        "sv",
        988900,
        "elsa@example.se",
    )


def test_csv_bad_rows_are_reported_by_line_and_the_rest_imported(order_file, import_orders):
    rows = [
        csv_row("3001"),  # line 2
        csv_row("3002", quantity="two"),  # line 3
        csv_row("3003", captured="0"),  # line 4
        csv_row("3003", item_id="L2", sku=""),  # line 5: the item of this row
        csv_row("3004", attributes="{colour: white}"),  # line 6
        csv_row("3005", placed_at="yesterday"),  # line 7
        csv_row("", captured="0"),  # line 8
    ]

    result = import_orders(order_file("orders.csv", csv_text(rows)))

    assert result.exit_code != 0
    assert result.stdout.strip() == "Imported 1 orders (1 new, 0 replaced); 5 lines with problems."
    problems = lines_of(result)
    assert "line 3: quantity: must be a whole number of minor units (cents), got 'two'" in problems
    assert "line 5: order 3003: items.1.sku: Must not be empty." in problems
    assert "line 6: attributes: not valid JSON" in problems
    assert any(line.startswith("line 7: order 3005: placed_at: ") for line in problems), problems
    assert 'line 8: "number" (the order number) is missing' in problems
    assert [o.number for o in db.session.scalars(select(Order))] == ["3001"]


def test_csv_rows_of_one_order_need_not_be_next_to_each_other(order_file, import_orders):
    rows = [
        csv_row("3001", captured="102780"),
        csv_row("3002"),
        csv_row("3001", item_id="L2", sku="KETTLE-K1", name="Vedenkeitin K1", quantity="2", unit_price="3990"),
    ]

    result = import_orders(order_file("orders.csv", csv_text(rows)))

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Imported 2 orders (2 new, 0 replaced); 0 lines with problems."
    assert [i.sku for i in order("3001").items] == ["FRIDGE-A-200", "KETTLE-K1"]


def test_a_csv_without_a_required_column_is_reported_and_nothing_imported(order_file, import_orders):
    columns = [c for c in CSV_COLUMNS if c not in ("captured", "sku")]
    path = order_file("orders.csv", csv_text([csv_row("3001")], columns=columns))

    result = import_orders(path)

    assert result.exit_code != 0
    assert "line 1: missing columns: sku, captured" in lines_of(result)
    assert order_count() == 0


def test_a_csv_reimport_replaces_the_items(order_file, import_orders):
    two_items = [csv_row("3001", captured="102780"), csv_row("3001", item_id="L2", sku="KETTLE-K1", quantity="2",
                                                                  unit_price="3990")]  # fmt: skip
    import_orders(order_file("first.csv", csv_text(two_items)))

    result = import_orders(order_file("again.csv", csv_text([csv_row("3001", quantity="2", captured="184700")])))

    assert result.exit_code == 0, result.output
    assert "(0 new, 1 replaced)" in result.stdout
    assert [(i.sku, i.quantity) for i in order("3001").items] == [("FRIDGE-A-200", 2)]
    assert db.session.scalar(select(func.count()).select_from(OrderItem)) == 1


def test_a_csv_exported_with_a_byte_order_mark_is_read(order_file, import_orders):
    path = order_file("orders.csv", csv_text([csv_row("3001")]), encoding="utf-8-sig")

    result = import_orders(path)

    assert result.exit_code == 0, result.output
    assert order("3001").items[0].name == "Jääkaappi A200"


# -- the file and the shop -------------------------------------------------------------------


def test_an_unknown_shop_is_reported(order_file, import_orders):
    result = import_orders(order_file("orders.jsonl", json_line("2001") + "\n"), slug="nope")

    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "Error: No shop with the address nope." in result.stderr
    assert order_count() == 0


def test_a_file_that_is_not_utf8_is_reported(order_file, import_orders):
    path = order_file("orders.csv", csv_text([csv_row("3001")]), encoding="latin-1")

    result = import_orders(path)

    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "is not UTF-8 text" in result.stderr
    assert order_count() == 0


def test_a_name_longer_than_its_column_spoils_only_its_order(order_file, import_orders):
    # The customer's name column holds 200 characters; the schema says so before the database can.
    long_name = {"email": "aino@example.fi", "name": "A" * 250}
    path = order_file("orders.jsonl", json_line("2001", customer=long_name) + "\n" + json_line("2002") + "\n")

    result = import_orders(path)

    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "line 1: order 2001: customer.name: Is too long." in lines_of(result)
    assert [o.number for o in db.session.scalars(select(Order))] == ["2002"]
