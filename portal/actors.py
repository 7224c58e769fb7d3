"""Who is acting: passed into every service as a plain value (services never read request)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    kind: str  # user | api_key | buyer | system
    id: str | None
    label: str
    merchant_id: str | None = None
    role: str | None = None
    ip: str | None = None

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(kind="system", id=None, label=label)
