"""Read order files (JSON lines or CSV) into order documents, keeping each one's line numbers.

Pure: no database. ``flask import-orders`` feeds each document to orders.services.upsert_order;
the console checks a CSV upload with ``check_csv`` first (see the end of this module).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from portal.errors import ValidationFailed
from portal.orders.schemas import OrderIn
from portal.orders.services import parse_order

CSV_COLUMNS = (
    "number",
    "placed_at",
    "currency",
    "locale",
    "customer_email",
    "customer_name",
    "item_id",
    "sku",
    "name",
    "quantity",
    "unit_price",
    "tax_rate",
    "attributes",
    "shipping_amount",
    "ship_name",
    "ship_street",
    "ship_postal_code",
    "ship_city",
    "ship_country",
    "payment_provider",
    "payment_reference",
    "payment_method",
    "captured",
    "promised_delivery_date",
)
REQUIRED_CSV_COLUMNS = (
    "number",
    "placed_at",
    "currency",
    "customer_email",
    "item_id",
    "sku",
    "name",
    "quantity",
    "unit_price",
    "ship_country",
    "captured",
)


@dataclass
class ImportRecord:
    """One order to import: its number, its document, and the file line of each part."""

    number: str
    document: dict | None
    first_line: int
    item_lines: list[int] = field(default_factory=list)
    problem: str | None = None
    problem_line: int | None = None

    def line_for(self, field_path: str) -> int:
        """The file line a field error belongs to: an item's own row in CSV, else the first."""
        parts = field_path.split(".")
        if len(parts) > 1 and parts[0] == "items" and parts[1].isdigit() and int(parts[1]) < len(self.item_lines):
            return self.item_lines[int(parts[1])]
        return self.first_line


def read_records(name: str, content: str) -> Iterator[ImportRecord]:
    if name.lower().endswith(".csv"):
        yield from _read_csv(content)
    else:
        yield from _read_json_lines(content)


def count_lines(content: str) -> int:
    return sum(1 for line in _lines(content) if line.strip())


def _lines(content: str) -> list[str]:
    """The file's lines. Only newlines end a line: ``str.splitlines`` would also split at
    U+2028 and other separators that JSON allows inside strings, and shift every line number."""
    return content.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _read_json_lines(content: str) -> Iterator[ImportRecord]:
    for line_no, line in enumerate(_lines(content), start=1):
        if not line.strip():
            continue
        try:
            document = json.loads(line)
        except json.JSONDecodeError as exc:
            yield ImportRecord(number="", document=None, first_line=line_no, problem=f"not valid JSON ({exc.msg})")
            continue
        if not isinstance(document, dict):
            yield ImportRecord(number="", document=None, first_line=line_no, problem="each line must be a JSON object")
            continue
        number = document.pop("number", None)
        if number is None or (isinstance(number, str) and not number.strip()):
            yield ImportRecord(
                number="", document=None, first_line=line_no, problem='"number" (the order number) is missing'
            )
            continue
        if not isinstance(number, str):
            yield ImportRecord(
                number="", document=None, first_line=line_no, problem=f'"number" must be text, e.g. "{number}"'
            )
            continue
        yield ImportRecord(number=number.strip(), document=document, first_line=line_no)


def _int(value: str, column: str) -> int:
    try:
        return int(value.strip())
    except (ValueError, AttributeError):
        raise ValueError(f"{column}: must be a whole number of minor units (cents), got {value!r}") from None


def _item(row: dict) -> dict:
    """The item of one CSV row; ValueError names the bad column."""
    try:
        attributes = json.loads(row["attributes"]) if (row.get("attributes") or "").strip() else {}
    except json.JSONDecodeError:
        raise ValueError("attributes: not valid JSON") from None
    return {
        "id": row["item_id"],
        "sku": row["sku"],
        "name": row["name"],
        "quantity": _int(row["quantity"], "quantity"),
        "unit_price": _int(row["unit_price"], "unit_price"),
        "tax_rate": (row.get("tax_rate") or "0").strip() or "0",
        "attributes": attributes,
    }


def _order_document(row: dict) -> dict:
    """The order-level fields, read from the first row of an order; ValueError names the bad column."""
    return {
        "placed_at": (row["placed_at"] or "").strip(),
        "currency": (row["currency"] or "").strip().upper(),
        "locale": (row.get("locale") or "en").strip() or "en",
        "customer": {"email": (row["customer_email"] or "").strip(), "name": (row.get("customer_name") or "").strip()},
        "items": [],
        "shipping": {
            "amount": _int(row.get("shipping_amount") or "0", "shipping_amount"),
            "address": {
                "name": row.get("ship_name") or "",
                "street": row.get("ship_street") or "",
                "postal_code": row.get("ship_postal_code") or "",
                "city": row.get("ship_city") or "",
                "country": (row.get("ship_country") or "").strip(),
            },
        },
        "payment": {
            "provider": (row.get("payment_provider") or "simulated").strip() or "simulated",
            "reference": row.get("payment_reference") or "",
            "method": (row.get("payment_method") or "card").strip() or "card",
            "captured": _int(row["captured"], "captured"),
        },
        "promised_delivery_date": (row.get("promised_delivery_date") or "").strip() or None,
    }


def _read_csv(content: str) -> Iterator[ImportRecord]:
    reader = csv.DictReader(io.StringIO(content))
    missing = [c for c in REQUIRED_CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        yield ImportRecord(number="", document=None, first_line=1, problem=f"missing columns: {', '.join(missing)}")
        return
    # Rows are grouped by order number wherever they are in the file: an order whose rows are
    # not next to each other is still one order with all its items (not two, the second
    # replacing the first).
    orders: dict[str, ImportRecord] = {}
    for row in reader:
        line_no = reader.line_num
        number = (row.get("number") or "").strip()
        if not number:
            yield ImportRecord(
                number="", document=None, first_line=line_no, problem='"number" (the order number) is missing'
            )
            continue
        record = orders.get(number)
        try:
            item = _item(row)
            if record is None:
                record = orders[number] = ImportRecord(number=number, document=_order_document(row), first_line=line_no)
        except ValueError as exc:
            if record is None:
                record = orders[number] = ImportRecord(number=number, document=None, first_line=line_no)
            _mark_unimportable(record, line_no, str(exc))
            continue
        record.item_lines.append(line_no)
        if record.document is not None:
            record.document["items"].append(item)
    yield from orders.values()


def _mark_unimportable(record: ImportRecord, line_no: int, problem: str) -> None:
    """The whole order is skipped; its first bad line is the one reported."""
    if record.problem is None:
        record.problem, record.problem_line = problem, line_no
    record.document = None
    record.item_lines.append(line_no)


# -- checking a CSV upload before anything is written (the console's preview) ----------------
#
# ``flask import-orders`` reports a bad row in English and imports what it can in one go. The
# console first shows what a file would do: ``check_csv`` reads the same columns into the same
# documents (with ``_item`` and ``_order_document`` above) and validates each order as
# ``upsert_order`` will, naming the line and the column of every problem in the reader's language.

# Order-level columns are read from an order's first row only (as ``_read_csv`` does), so only
# there must they be filled in; item columns are read from every row.
_ORDER_REQUIRED = ("placed_at", "currency", "customer_email", "ship_country", "captured")
_ITEM_REQUIRED = ("item_id", "sku", "name", "quantity", "unit_price")
_ORDER_MINOR_UNITS = ("shipping_amount", "captured")
_ITEM_MINOR_UNITS = ("unit_price",)
_FIELD_COLUMNS = {
    "number": "number",
    "customer.email": "customer_email",
    "customer.name": "customer_name",
    "shipping.amount": "shipping_amount",
    "shipping.address.name": "ship_name",
    "shipping.address.street": "ship_street",
    "shipping.address.postal_code": "ship_postal_code",
    "shipping.address.city": "ship_city",
    "shipping.address.country": "ship_country",
    "payment.provider": "payment_provider",
    "payment.reference": "payment_reference",
    "payment.method": "payment_method",
    "payment.captured": "captured",
    "items": "item_id",
}
_ITEM_FIELD_COLUMNS = {"id": "item_id"}
_DECIMAL_COMMA = re.compile(r"\s*\d+,\d+\s*")
# The first bytes of an Excel workbook (.xlsx is a zip file; .xls an OLE2 compound file).
_WORKBOOK_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


@dataclass(frozen=True)
class RowProblem:
    """Something wrong in a CSV file: its line (1 is the header), the column at fault ("" for the
    whole row), the order number the row belongs to ("" when it has none) and what is wrong."""

    line: int
    column: str
    message: object  # a lazy translation: it renders in the language of the page that shows it
    number: str = ""


@dataclass(frozen=True)
class CheckedOrder:
    """An order of the file that passed every check: what ``upsert_order`` gets, and what it means."""

    record: ImportRecord
    order: OrderIn

    @property
    def number(self) -> str:
        return self.record.number

    @property
    def total(self) -> int:
        """Items and shipping, in minor units of ``order.currency``."""
        return sum(i.unit_price * i.quantity for i in self.order.items) + self.order.shipping.amount


@dataclass
class CsvCheck:
    """A CSV order file read and validated, nothing written: the orders that can be imported (in
    file order), every problem (by line) and the numbers of the orders that a problem spoils."""

    orders: list[CheckedOrder]
    problems: list[RowProblem]
    rows: int
    skipped: list[str]

    @property
    def lines_with_problems(self) -> int:
        return len({problem.line for problem in self.problems})


def decode_csv(data: bytes) -> str:
    """An uploaded file as text: UTF-8, with or without a byte order mark (as Excel saves
    "CSV UTF-8"). ValidationFailed on the field ``file`` says why a file is not one."""
    if data.startswith(_WORKBOOK_SIGNATURES):
        raise _file_problem(
            _l(
                "This is an Excel workbook, not a CSV file. In Excel, choose Save As and the type CSV UTF-8, then upload that file."
            )
        )
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _file_problem(
            _l("The file is not UTF-8 text. Save it as CSV UTF-8 (in Excel: Save As, CSV UTF-8) and upload it again.")
        ) from None
    if "\x00" in content:
        raise _file_problem(_l("The file is not a text file. Upload the orders as a CSV file."))
    if not content.strip():
        raise _file_problem(_l("The file is empty."))
    return content


def csv_delimiter(content: str) -> str:
    """``;`` when the header line has more semicolons than commas (Excel in the Nordic countries
    separates with semicolons, as the comma is their decimal sign), else ``,``."""
    header = next((line for line in _lines(content) if line.strip()), "")
    return ";" if header.count(";") > header.count(",") else ","


def check_csv(content: str) -> CsvCheck:
    """Read a CSV order file as ``flask import-orders`` does and validate every order without
    writing anything. Comma or semicolon separated; column names in any case and order; rows
    whose cells are all empty (Excel leaves some at the end) are passed over.

    An order with any bad row is skipped whole, as in the command. ValidationFailed on the field
    ``file`` when the file is not a CSV order file at all (no header with the required columns,
    broken quoting)."""
    content = content.removeprefix("\ufeff")
    if not content.strip():
        raise _file_problem(_l("The file is empty."))
    reader = csv.DictReader(io.StringIO(content), delimiter=csv_delimiter(content))
    try:
        reader.fieldnames = [(name or "").strip().lower() for name in reader.fieldnames or []]
    except csv.Error:
        raise _file_problem(_l("The first line could not be read as CSV: check its quotation marks.")) from None
    missing = [column for column in REQUIRED_CSV_COLUMNS if column not in reader.fieldnames]
    if missing:
        raise _file_problem(
            _l(
                "The first line must name the columns; these are missing: %(columns)s. See the column list and the sample file.",
                columns=", ".join(missing),
            )
        )
    records: dict[str, ImportRecord] = {}
    problems: list[RowProblem] = []
    spoiled: set[str] = set()
    rows = 0
    try:
        for raw in reader:
            line = reader.line_num
            extra = [cell for cell in raw.pop(None, None) or [] if (cell or "").strip()]
            row = {column: (value or "").strip() for column, value in raw.items()}
            if not extra and not any(row.values()):
                continue
            rows += 1
            number = row["number"]
            if not number:
                problems.append(RowProblem(line, "number", _l("The order number is missing.")))
                continue
            record = records.get(number)
            first = record is None
            if first:
                record = records[number] = ImportRecord(number=number, document=None, first_line=line)
            record.item_lines.append(line)
            row_problems = _cell_problems(row, number, line, first=first, extra=bool(extra))
            if row_problems:
                problems.extend(row_problems)
                spoiled.add(number)
                continue
            if _DECIMAL_COMMA.fullmatch(row.get("tax_rate") or ""):
                row["tax_rate"] = row["tax_rate"].replace(",", ".")  # 25,5 as Nordic Excel writes it
            try:
                item = _item(row)
                if first:
                    record.document = _order_document(row)
            except ValueError:  # what the checks above let through, should they ever fall behind
                problems.append(RowProblem(line, "", _l("Has an invalid value."), number))
                spoiled.add(number)
                continue
            if record.document is not None:
                record.document["items"].append(item)
    except csv.Error:
        raise _file_problem(
            _l("Line %(line)s could not be read as CSV: check its quotation marks.", line=reader.line_num)
        ) from None
    orders: list[CheckedOrder] = []
    for record in records.values():
        if record.number in spoiled:
            continue
        try:
            orders.append(CheckedOrder(record, parse_order(record.document)))
        except ValidationFailed as exc:
            spoiled.add(record.number)
            for field_path, messages in exc.fields.items():
                line, column = record.line_for(field_path), column_for(field_path)
                problems.extend(RowProblem(line, column, message, record.number) for message in messages)
    order = {column: position for position, column in enumerate(CSV_COLUMNS)}
    problems.sort(key=lambda p: (p.line, order.get(p.column, -1)))
    return CsvCheck(orders=orders, problems=problems, rows=rows, skipped=[n for n in records if n in spoiled])


def column_for(field_path: str) -> str:
    """The CSV column of a field of the order document: ``items.1.unit_price`` → ``unit_price``."""
    parts = field_path.split(".")
    if parts[0] == "items" and len(parts) > 2 and parts[1].isdigit():
        return _ITEM_FIELD_COLUMNS.get(parts[2], parts[2])
    return _FIELD_COLUMNS.get(field_path, field_path)


def sample_csv() -> str:
    """A small order file both ``check_csv`` and ``flask import-orders`` accept: two orders, the
    first with two items (two rows sharing its number). Comma separated, with a byte order mark
    so that Excel shows the letters å, ä and ö right."""
    first = {
        "number": "10001",
        "placed_at": "2026-11-02T12:00:00+02:00",
        "currency": "EUR",
        "locale": "fi",
        "customer_email": "aino.virtanen@example.fi",
        "customer_name": "Aino Virtanen",
        "tax_rate": "25.5",
        "shipping_amount": "490",
        "ship_name": "Aino Virtanen",
        "ship_street": "Kauppakatu 1",
        "ship_postal_code": "00100",
        "ship_city": "Helsinki",
        "ship_country": "FI",
        "payment_provider": "simulated",
        "payment_reference": "pay-10001",
        "payment_method": "card",
        "captured": "97370",
        "promised_delivery_date": "2026-11-06",
    }
    rows = [
        {
            **first,
            "item_id": "1",
            "sku": "FRIDGE-A-200",
            "name": "Jääkaappi A200",
            "quantity": "1",
            "unit_price": "89900",
            "attributes": '{"colour": "white"}',
        },
        {**first, "item_id": "2", "sku": "KETTLE-K1", "name": "Vedenkeitin K1", "quantity": "2", "unit_price": "3490"},
        {
            "number": "10002",
            "placed_at": "2026-11-03T09:30:00+01:00",
            "currency": "SEK",
            "locale": "sv",
            "customer_email": "elsa.lindqvist@example.se",
            "customer_name": "Elsa Lindqvist",
            "item_id": "1",
            "sku": "LAMP-L3",
            "name": "Golvlampa L3",
            "quantity": "1",
            "unit_price": "129900",
            "tax_rate": "25",
            "shipping_amount": "0",
            "ship_name": "Elsa Lindqvist",
            "ship_street": "Storgatan 5",
            "ship_postal_code": "111 22",
            "ship_city": "Stockholm",
            "ship_country": "SE",
            "payment_provider": "simulated",
            "payment_reference": "pay-10002",
            "payment_method": "invoice",
            "captured": "129900",
        },
    ]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(CSV_COLUMNS), restval="", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return "\ufeff" + out.getvalue()


def _file_problem(message) -> ValidationFailed:
    return ValidationFailed(fields={"file": [message]})


def _cell_problems(row: dict, number: str, line: int, *, first: bool, extra: bool) -> list[RowProblem]:
    """What ``_item`` and ``_order_document`` would stumble on in this row, column by column."""
    problems = []
    if extra:
        problems.append(
            RowProblem(
                line,
                "",
                _l(
                    "This row has more cells than the first line has column names: a value with a separator in it needs quotation marks."
                ),
                number,
            )
        )
    if len(number) > 64:
        problems.append(RowProblem(line, "number", _l("An order number of 1–64 characters is required."), number))
    required = _ITEM_REQUIRED + (_ORDER_REQUIRED if first else ())
    for column in required:
        if not row.get(column):
            problems.append(RowProblem(line, column, _l("This field is required."), number))
    for column in ("quantity", *_ITEM_MINOR_UNITS, *(_ORDER_MINOR_UNITS if first else ())):
        value = row.get(column, "")
        if not value:
            continue  # required: reported above; optional: none given
        try:
            int(value)
        except ValueError:
            message = (
                _l("Must be a whole number.")
                if column == "quantity"
                else _l("Must be a whole number of minor units (cents): 49.90 is written 4990.")
            )
            problems.append(RowProblem(line, column, message, number))
    attributes = row.get("attributes", "")
    if attributes:
        try:
            json.loads(attributes)
        except json.JSONDecodeError:
            problems.append(
                RowProblem(line, "attributes", _l('Must be JSON such as {"colour": "white"}, or left empty.'), number)
            )
    return problems
