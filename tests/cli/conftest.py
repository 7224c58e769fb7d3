"""CLI fixtures: order files to import (JSON lines, CSV) and a shop to import them into."""

from __future__ import annotations

import pytest


@pytest.fixture
def shop(make_merchant):
    return make_merchant("kodinkone", name="Kodinkone Oy")


@pytest.fixture
def order_file(tmp_path):
    """Write an order file and return its path: ``order_file("orders.jsonl", text)``."""

    def write(name: str, text: str, encoding: str = "utf-8"):
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return write
