"""Claims start from a delivered order (the returns tests' fixtures) and re-encoded photos."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from PIL import Image

from tests.returns import conftest as returns_fixtures

delivered_order = returns_fixtures.delivered_order
variants = returns_fixtures.variants
SHOP = returns_fixtures.SHOP
BUYER = returns_fixtures.BUYER


@dataclass(frozen=True)
class Photo:
    """What the photo pipeline hands the claim service."""

    image: bytes
    thumbnail: bytes
    width: int
    height: int


def jpeg(width: int = 64, height: int = 48, colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def photo(app, tmp_path):
    app.config["UPLOAD_ROOT"] = str(tmp_path / "uploads")
    return Photo(image=jpeg(), thumbnail=jpeg(16, 12), width=64, height=48)


def claim_body(item_id="L1", remedy="price_reduction", amount=20000, description="Naarmu oven pinnassa, 10 cm."):
    body = {"item_id": item_id, "remedy": remedy, "description": description}
    if amount is not None:
        body["proposed_amount"] = amount
    return body
