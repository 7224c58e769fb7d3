"""Keyset page links: the last row's (time, id) as an opaque, URL-safe cursor."""

from __future__ import annotations

import base64
import json
from datetime import datetime


def encode_cursor(at: datetime, ident: str) -> str:
    raw = json.dumps([at.isoformat(), ident]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str] | None:
    """(time, id), or None for a cursor that is not one of ours (a time without its offset
    included: it could not be compared with the stored times)."""
    try:
        at, ident = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        moment = datetime.fromisoformat(at)
    except (ValueError, TypeError):
        return None
    if moment.tzinfo is None:
        return None
    return moment, str(ident)
