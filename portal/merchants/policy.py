"""The shop's policy document: one section per capability, pure rules, no database.

``merge_policy`` applies a partial document onto the current one and validates the result,
raising ValidationFailed with the dotted field and the reason (e.g. a rate above the legal cap).
Later capabilities add their sections here; the API and the console edit the same document.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.errors import ValidationFailed

STANDARD_REASONS = (
    "changed_mind",
    "wrong_size",
    "defective",
    "wrong_item",
    "damaged_in_transit",
    "not_as_described",
    "other",
)

# Finnish consumer-credit caps (Kuluttajansuojalaki 7:17a).
MAX_NOMINAL_RATE = Decimal("20")

DEFAULT_POLICY: dict[str, dict[str, Any]] = {
    "returns": {
        "window_days": 14,
        "non_returnable_skus": [],
        "non_returnable_categories": [],
        "reasons": [],
        "restocking_fee_pct": "0.00",
        "store_credit_bonus_pct": "0.00",
        "auto_approve_max": 0,
        "allow_cancel": True,
        "return_address": None,
    },
    "claims": {"auto_accept_max_pct": "0.00", "auto_accept_max_amount": 0, "period_months": 24},
    "instalments": {
        "enabled": False,
        "months": [3, 6, 12],
        "nominal_rate": "0.00",
        "monthly_fee": 0,
        "setup_fee": 0,
        "min_amount": 10000,
        "max_amount": 500000,
        "window_days": 14,
    },
    "sla": {"first_response_hours": 24, "resolution_hours": 72, "business_hours": None, "holidays": []},
}


class Invalid(Exception):
    def __init__(self, reason) -> None:
        self.reason = reason


def _int(lo: int, hi: int | None = None) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise Invalid(_l("Must be a whole number."))
        if value < lo:
            raise Invalid(_l("Must be at least %(min)s.", min=lo))
        if hi is not None and value > hi:
            raise Invalid(_l("Must be at most %(max)s.", max=hi))
        return value

    return check


def _pct(hi: Decimal = Decimal("100"), cap_reason=None) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise Invalid(_l('Must be a percentage written as a decimal string, e.g. "9.90".'))
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise Invalid(_l('Must be a percentage written as a decimal string, e.g. "9.90".')) from None
        if not number.is_finite() or number < 0:
            raise Invalid(_l("Must be zero or more."))
        if number > hi:
            raise Invalid(cap_reason or _l("Must be at most %(max)s %%.", max=hi))
        return f"{number.quantize(Decimal('0.01'))}"

    return check


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(_l("Must be true or false."))
    return value


def _skus(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(s, str) and s.strip() for s in value):
        raise Invalid(_l("Must be a list of product codes."))
    return sorted({s.strip() for s in value})


_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def _reasons(value: Any) -> list[dict]:
    """The shop's own return reasons beside the standard ones: ``{code, labels: {lang: text}}``."""
    if not isinstance(value, list):
        raise Invalid(_l("Must be a list of reasons."))
    seen: set[str] = set()
    result = []
    for reason in value:
        if not isinstance(reason, dict) or not isinstance(reason.get("code"), str):
            raise Invalid(_l("Each reason needs a code."))
        code = reason["code"]
        if not _CODE.match(code):
            raise Invalid(_l("A reason code is lower-case letters, digits and underscores."))
        if code in seen or code in STANDARD_REASONS:
            raise Invalid(_l("The reason %(code)s is listed twice.", code=code))
        labels = reason.get("labels") or {}
        if not isinstance(labels, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in labels.items()
        ):
            raise Invalid(_l("Labels are texts by language code."))
        seen.add(code)
        result.append({"code": code, "labels": labels})
    return result


def _months(value: Any) -> list[int]:
    if not isinstance(value, list) or not value:
        raise Invalid(_l("Must be a list of month counts."))
    check = _int(2, 60)
    return sorted({check(v) for v in value})


_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _business_hours(value: Any) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise Invalid(_l("Must be empty or opening days and hours."))
    days = value.get("days", [1, 2, 3, 4, 5])
    if not isinstance(days, list) or not all(isinstance(d, int) and 1 <= d <= 7 for d in days):
        raise Invalid(_l("Days are numbers from 1 (Monday) to 7 (Sunday)."))
    start, end = value.get("start", "08:00"), value.get("end", "16:00")
    if not (isinstance(start, str) and _HHMM.match(start) and isinstance(end, str) and _HHMM.match(end)):
        raise Invalid(_l("Times are written as HH:MM."))
    if start >= end:
        raise Invalid(_l("Opening must come before closing."))
    return {"days": sorted(set(days)), "start": start, "end": end}


def _holidays(value: Any) -> list[str]:
    """Days the desk is closed (with business hours): ISO dates, e.g. "2026-12-24"."""
    from datetime import date

    if value is None:
        return []
    if not isinstance(value, list) or len(value) > 100:
        raise Invalid(_l("A list of at most 100 dates such as 2026-12-24."))
    days = []
    for item in value:
        try:
            days.append(date.fromisoformat(item).isoformat())
        except (TypeError, ValueError):
            raise Invalid(_l("A list of at most 100 dates such as 2026-12-24.")) from None
    return sorted(set(days))


def _address(value: Any) -> dict | None:
    """Where returns go: ``{name, street, postal_code, city, country}``, or empty for the shop's name only."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise Invalid(_l("Must be empty or an address with name, street, postal code, city and country."))
    result = {}
    for key, limit in (("name", 200), ("street", 300), ("postal_code", 20), ("city", 120), ("country", 2)):
        text = value.get(key)
        if not isinstance(text, str) or not text.strip() or len(text.strip()) > limit:
            raise Invalid(_l("The address needs a name, street, postal code, city and a two-letter country code."))
        result[key] = text.strip()
    if not re.fullmatch(r"[A-Za-z]{2}", result["country"]):
        raise Invalid(_l("The address needs a name, street, postal code, city and a two-letter country code."))
    result["country"] = result["country"].upper()
    return result


FIELDS: dict[str, dict[str, Callable[[Any], Any]]] = {
    "returns": {
        "window_days": _int(14, 365),
        "non_returnable_skus": _skus,
        "non_returnable_categories": _skus,
        "reasons": _reasons,
        "restocking_fee_pct": _pct(),
        "store_credit_bonus_pct": _pct(),
        "auto_approve_max": _int(0),
        "allow_cancel": _bool,
        "return_address": _address,
    },
    "claims": {"auto_accept_max_pct": _pct(), "auto_accept_max_amount": _int(0), "period_months": _int(6, 120)},
    "instalments": {
        "enabled": _bool,
        "months": _months,
        "nominal_rate": _pct(
            MAX_NOMINAL_RATE,
            _l(
                "The nominal rate may be at most %(max)s %% a year (Finnish consumer-credit cap).",
                max=MAX_NOMINAL_RATE,
            ),
        ),
        "monthly_fee": _int(0),
        "setup_fee": _int(0),
        "min_amount": _int(0),
        "max_amount": _int(0),
        "window_days": _int(1, 365),
    },
    "sla": {
        "first_response_hours": _int(1, 168),
        "resolution_hours": _int(1, 720),
        "business_hours": _business_hours,
        "holidays": _holidays,
    },
}


def effective_policy(stored: dict | None) -> dict:
    """The stored document over the defaults, so every section and field is always present."""
    policy = copy.deepcopy(DEFAULT_POLICY)
    for section, values in (stored or {}).items():
        if section in policy and isinstance(values, dict):
            policy[section].update({k: v for k, v in values.items() if k in policy[section]})
    return policy


def merge_policy(current: dict | None, patch: Any) -> dict:
    """Merge a partial document onto the current policy; validate every field it touches."""
    if not isinstance(patch, dict):
        raise ValidationFailed(_l("The policy must be an object of sections."))
    merged = effective_policy(current)
    problems: dict[str, list] = {}
    for section, values in patch.items():
        if section not in FIELDS:
            problems[section] = [_l("Unknown section.")]
            continue
        if not isinstance(values, dict):
            problems[section] = [_l("Must be an object of settings.")]
            continue
        for field, value in values.items():
            check = FIELDS[section].get(field)
            if check is None:
                problems[f"{section}.{field}"] = [_l("Unknown setting.")]
                continue
            try:
                merged[section][field] = check(value)
            except Invalid as exc:
                problems[f"{section}.{field}"] = [exc.reason]
    inst = merged["instalments"]
    if inst["max_amount"] < inst["min_amount"] and not problems:
        problems["instalments.max_amount"] = [_l("Must not be below the minimum amount.")]
    if not problems:
        problems.update(_fee_cap_problems(inst))
    if problems:
        raise ValidationFailed(fields=problems)
    return merged


def _fee_cap_problems(inst: dict) -> dict[str, list]:
    """The Finnish caps on a credit's other costs, for the smallest order the terms allow (where
    fees weigh most) and every plan length offered."""
    from portal.instalments.terms import other_costs_problems

    credit = max(inst["min_amount"], 1)
    broken = set()
    for months in inst["months"]:
        broken.update(other_costs_problems(credit, months, inst["monthly_fee"], inst["setup_fee"]))
    problems: dict[str, list] = {}
    if "per_day" in broken:
        problems["instalments.monthly_fee"] = [
            _l(
                "The fees may be at most 0.01 per cent of the credit a day (Finnish consumer-credit cap); "
                "they are more for the smallest order."
            )
        ]
    if "per_year" in broken:
        problems.setdefault("instalments.monthly_fee", []).append(
            _l("The fees may be at most 150 € a year (Finnish consumer-credit cap).")
        )
    return problems


# How the console shows each setting: its kind of input, label and help. The console edits the
# same document as PATCH /api/v1/policy, through the same merge and validation.
CONSOLE_SECTIONS = {
    "returns": _l("Returns"),
    "claims": _l("Defect claims"),
    "instalments": _l("Instalments"),
    "sla": _l("Support response times"),
}

CONSOLE_FIELDS: dict[str, dict[str, tuple[str, Any, Any]]] = {
    "returns": {
        "window_days": ("int", _l("Return window (days from delivery)"), _l("At least the 14 days the law gives.")),
        "non_returnable_skus": (
            "list_str",
            _l("Products not taken back (codes)"),
            _l("Separate the codes with commas."),
        ),
        "non_returnable_categories": (
            "list_str",
            _l("Categories not taken back"),
            _l("Separate with commas, e.g. hygiene, custom-made."),
        ),
        "restocking_fee_pct": ("pct", _l("Restocking fee for damaged returns (%)"), None),
        "store_credit_bonus_pct": ("pct", _l("Bonus for choosing store credit (%)"), None),
        "auto_approve_max": (
            "int",
            _l("Approve returns automatically up to (minor units)"),
            _l("Returns within the window worth at most this are approved at once. 0 turns it off."),
        ),
        "allow_cancel": ("bool", _l("Buyers may cancel an order before it is sent"), None),
        "return_address": (
            "json",
            _l("Return address"),
            _l(
                'JSON, e.g. {"name": "Shop Oy / Returns", "street": "Street 1", "postal_code": "00100", "city": "Helsinki", "country": "FI"}'
            ),
        ),
        "reasons": (
            "json",
            _l("The shop's own return reasons"),
            _l('JSON, e.g. [{"code": "too_loud", "labels": {"fi": "Liian äänekäs"}}]'),
        ),
    },
    "claims": {
        "auto_accept_max_pct": (
            "pct",
            _l("Accept price reductions automatically up to this share of the item's price (%)"),
            None,
        ),
        "auto_accept_max_amount": ("int", _l("…and up to (minor units)"), None),
        "period_months": ("int", _l("Claim period (months from delivery)"), None),
    },
    "instalments": {
        "enabled": ("bool", _l("Offer instalments after purchase"), None),
        "months": ("list_int", _l("Months offered"), _l("Separate with commas, e.g. 3, 6, 12.")),
        "nominal_rate": (
            "pct",
            _l("Nominal interest rate (% a year)"),
            _l("At most %(max)s %% a year.", max=MAX_NOMINAL_RATE),
        ),
        "monthly_fee": ("int", _l("Monthly fee (minor units)"), None),
        "setup_fee": ("int", _l("Set-up fee (minor units)"), None),
        "min_amount": ("int", _l("Smallest order (minor units)"), None),
        "max_amount": ("int", _l("Largest order (minor units)"), None),
        "window_days": ("int", _l("Days after delivery the switch is offered"), None),
    },
    "sla": {
        "first_response_hours": ("int", _l("First response within (hours)"), None),
        "resolution_hours": ("int", _l("Resolution within (hours)"), None),
        "business_hours": (
            "json",
            _l("Business hours"),
            _l(
                'Empty for every hour of every day, or JSON such as {"days": [1,2,3,4,5], "start": "08:00", "end": "16:00"}.'
            ),
        ),
        "holidays": ("list_str", _l("Holidays"), _l("Dates the desk is closed, e.g. 2026-12-24, 2026-12-25.")),
    },
}


def patch_from_form(form: dict[str, str], current: dict) -> dict:
    """Turn the console's form fields (``section.field``) into a policy patch of typed values.

    Text that cannot even be read as its kind is passed on as-is, so that merge_policy
    reports it on the field with its usual reason.
    """
    import json

    patch: dict[str, dict[str, Any]] = {}
    for section, fields in CONSOLE_FIELDS.items():
        for field, (kind, _label, _help) in fields.items():
            name = f"{section}.{field}"
            raw = (form.get(name) or "").strip()
            if kind == "bool":
                value: Any = name in form
            elif kind == "int":
                value = int(raw) if re.fullmatch(r"-?\d+", raw) else raw
            elif kind == "pct":
                value = raw.replace(",", ".")
            elif kind == "list_str":
                value = [part.strip() for part in raw.split(",") if part.strip()]
            elif kind == "list_int":
                parts = [part.strip() for part in raw.split(",") if part.strip()]
                value = [int(p) if p.isdigit() else p for p in parts]
            else:  # json
                if not raw:
                    value = None if field in ("business_hours", "return_address") else []
                else:
                    try:
                        value = json.loads(raw)
                    except ValueError:
                        value = raw
            if value != current.get(section, {}).get(field):
                patch.setdefault(section, {})[field] = value
    return patch


def form_value(kind: str, value: Any) -> str:
    import json

    if kind in ("list_str", "list_int"):
        return ", ".join(str(v) for v in value or [])
    if kind == "json":
        return "" if value in (None, []) else json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)
