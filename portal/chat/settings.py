"""Live chat's settings: the app's config first, then the environment, then these defaults.

(They can move into ``config.py`` with the others; reading the environment here lets the chat's
own processes in tests and benchmarks tune them without touching shared files.)
"""

from __future__ import annotations

import os

from flask import Flask, current_app

DEFAULTS: dict[str, float | int | str] = {
    # How long one event stream stays open before the browser reconnects (it does so by itself,
    # after CHAT_RETRY_MS, sending the last id it saw). Keeps a gthread worker's thread for at
    # most this long.
    "CHAT_STREAM_SECONDS": 25.0,
    "CHAT_RETRY_MS": 1000,
    # A stream re-reads the database at least this often even without a wake-up (a lost
    # publish, Redis away) and sends a keep-alive comment.
    "CHAT_POLL_SECONDS": 5.0,
    # An agent marked online whose chat pages have not asked for this long counts as away.
    "CHAT_PRESENCE_SECONDS": 120.0,
    # A waiting buyer whose chat page has not asked for this long has left the queue.
    "CHAT_BUYER_GONE_SECONDS": 180.0,
    # Chats a buyer may start per hour (each one wakes the shop's agents).
    "CHAT_LIMIT_PER_BUYER": "10/hour",
    # Redis channel names start with this (one prefix per installation sharing a Redis).
    "CHAT_BUS_PREFIX": "apuri:chat:",
}


def setting(name: str, *, app: Flask | None = None):
    app = app or current_app
    default = DEFAULTS[name]
    value = app.config.get(name)
    if value is None:
        value = os.environ.get(name)
    if value is None:
        return default
    return type(default)(value)
