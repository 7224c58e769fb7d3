"""Read order files (JSON lines or CSV) into order documents, keeping each one's line numbers.

Pure: no database. ``flask import-orders`` feeds each document to orders.services.upsert_order.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

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
