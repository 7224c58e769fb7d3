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
REQUIRED_CSV_COLUMNS = ("number", "placed_at", "currency", "customer_email", "item_id", "sku", "name", "quantity", "unit_price", "ship_country", "captured")


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
    return sum(1 for line in content.splitlines() if line.strip())


def _read_json_lines(content: str) -> Iterator[ImportRecord]:
    for line_no, line in enumerate(content.splitlines(), start=1):
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
        if not isinstance(number, str) or not number.strip():
            yield ImportRecord(number="", document=None, first_line=line_no, problem='"number" (the order number, text) is missing')
            continue
        yield ImportRecord(number=number.strip(), document=document, first_line=line_no)


def _int(value: str, column: str) -> int:
    try:
        return int(value.strip())
    except (ValueError, AttributeError):
        raise ValueError(f"{column}: must be a whole number of minor units (cents), got {value!r}") from None


def _read_csv(content: str) -> Iterator[ImportRecord]:
    reader = csv.DictReader(io.StringIO(content))
    missing = [c for c in REQUIRED_CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        yield ImportRecord(number="", document=None, first_line=1, problem=f"missing columns: {', '.join(missing)}")
        return
    current: ImportRecord | None = None
    for row in reader:
        line_no = reader.line_num
        number = (row.get("number") or "").strip()
        if current is not None and number != current.number:
            yield current
            current = None
        try:
            item = {
                "id": row["item_id"],
                "sku": row["sku"],
                "name": row["name"],
                "quantity": _int(row["quantity"], "quantity"),
                "unit_price": _int(row["unit_price"], "unit_price"),
                "tax_rate": (row.get("tax_rate") or "0").strip() or "0",
                "attributes": json.loads(row["attributes"]) if (row.get("attributes") or "").strip() else {},
            }
        except json.JSONDecodeError:
            current = _with_problem(current, number, line_no, "attributes: not valid JSON")
            continue
        except ValueError as exc:
            current = _with_problem(current, number, line_no, str(exc))
            continue
        if current is None:
            try:
                shipping_amount = _int(row.get("shipping_amount") or "0", "shipping_amount")
                captured = _int(row["captured"], "captured")
            except ValueError as exc:
                current = _with_problem(None, number, line_no, str(exc))
                continue
            document = {
                "placed_at": (row["placed_at"] or "").strip(),
                "currency": (row["currency"] or "").strip().upper(),
                "locale": (row.get("locale") or "en").strip() or "en",
                "customer": {"email": (row["customer_email"] or "").strip(), "name": (row.get("customer_name") or "").strip()},
                "items": [],
                "shipping": {
                    "amount": shipping_amount,
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
                    "captured": captured,
                },
                "promised_delivery_date": (row.get("promised_delivery_date") or "").strip() or None,
            }
            current = ImportRecord(number=number, document=document, first_line=line_no)
        current.item_lines.append(line_no)
        if current.document is not None:
            current.document["items"].append(item)
        elif current.problem is None:  # pragma: no cover - defensive
            current.problem, current.problem_line = "unreadable row", line_no
    if current is not None:
        yield current


def _with_problem(current: ImportRecord | None, number: str, line_no: int, problem: str) -> ImportRecord:
    """Mark the order of this row as unimportable, remembering the first bad line."""
    if current is None or current.number != number:
        current = ImportRecord(number=number, document=None, first_line=line_no)
    if current.problem is None:
        current.problem, current.problem_line = problem, line_no
    current.document = None
    current.item_lines.append(line_no)
    return current
