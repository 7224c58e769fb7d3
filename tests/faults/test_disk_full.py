"""Drill: the disk fills up while a buyer's photos are being stored (OSError ENOSPC).

The buyer gets a clear answer in their language (503, what they wrote kept on the page), the
claim or ticket is not created, no file nor half-written file stays under the upload root and
no photo rows exist. Once there is room again the same form goes through.

A tiny file system cannot be mounted here, so the write itself is made to fail: the local
storage's write (``portal.storage._write``) writes half of the file and then raises ENOSPC, as
a full disk does; or the storage backend's whole ``save`` raises it."""

from __future__ import annotations

import errno
import io
import logging

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from portal import storage as storage_module
from portal.actors import Actor
from portal.audit.models import AuditEntry
from portal.claims.models import Claim, ClaimPhoto
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.payments.models import Refund
from portal.storage import LocalStorage, S3Settings, S3Storage, StorageUnavailable
from portal.support import services as tickets
from portal.support.models import Ticket, TicketAttachment, TicketMessage
from tests.claims.conftest import jpeg
from tests.faults.conftest import count, open_order, page, visible

MESSAGE = "Your photos could not be saved just now, so nothing was sent. Please try again in a little while."
DESCRIPTION = "The door seal is torn along the bottom edge."


def translated(language: str) -> str:
    with force_locale(language):
        return gettext(MESSAGE)


@pytest.fixture
def uploads(app, tmp_path):
    app.config["UPLOAD_ROOT"] = str(tmp_path / "uploads")
    return tmp_path / "uploads"


def stored_files(uploads) -> list:
    """Every file under the upload root, half-written temporary files included."""
    return sorted(p for p in uploads.rglob("*") if p.is_file()) if uploads.exists() else []


def disk_full_after(monkeypatch, whole_writes: int) -> list[int]:
    """The disk has room for ``whole_writes`` files; the next one is cut off half-way with
    ENOSPC (what the kernel answers a full disk). Returns the sizes written, for the test."""
    real = storage_module._write
    written: list[int] = []

    def write(file, data: bytes) -> None:
        if len(written) >= whole_writes:
            file.write(data[: len(data) // 2])
            file.flush()
            written.append(len(data) // 2)
            raise OSError(errno.ENOSPC, "No space left on device")
        real(file, data)
        written.append(len(data))

    monkeypatch.setattr(storage_module, "_write", write)
    return written


def photo(name: str):
    return (io.BytesIO(jpeg(96, 72)), name, "image/jpeg")


def send_claim(client, order, photos):
    from tests.conftest import csrf_from

    url = f"/s/{order.merchant.slug}/orders/{order.number}/claim?item=L1"
    token = csrf_from(client.get(url).get_data(as_text=True))
    data = {
        "csrf_token": token,
        "item_id": "L1",
        "description": DESCRIPTION,
        "remedy": "price_reduction",
        "amount": "150,00",
        "photos": photos,
    }
    return client.post(url, data=data, content_type="multipart/form-data")


def nothing_of_a_claim(uploads, mails_before: int) -> None:
    assert count(Claim) == 0
    assert count(ClaimPhoto) == 0
    assert count(Refund) == 0
    assert count(OutboxMessage) == mails_before  # no "we received your claim" e-mail
    assert count(AuditEntry, AuditEntry.action == "claim.opened") == 0
    assert stored_files(uploads) == []


@pytest.mark.parametrize("language", ["en", "fi"])
def test_a_claim_whose_photos_meet_a_full_disk_is_refused_clearly_and_leaves_nothing(
    app, client, make_merchant, delivered_order, uploads, monkeypatch, caplog, language
):
    order = delivered_order(make_merchant("kodinkone"), locale=language)
    open_order(client, order)
    mails = count(OutboxMessage)
    written = disk_full_after(monkeypatch, whole_writes=2)  # the first photo and its thumbnail fit
    caplog.set_level(logging.ERROR, logger="portal.storage")

    response = send_claim(client, order, [photo("door.jpg"), photo("seal.jpg")])

    assert len(written) == 3 and written[2] > 0  # two whole files, then one cut off half-way
    assert response.status_code == 503
    html = page(response)
    assert f'<html lang="{language}">' in html
    assert translated(language) in visible(html)
    assert DESCRIPTION in html  # what the buyer wrote is still on the form
    assert "Something went wrong" not in html
    nothing_of_a_claim(uploads, mails)
    assert "upload storage LocalStorage: no space left" in caplog.text

    if language != "en":
        return
    # Room again: the same claim goes through, with both photos.
    monkeypatch.undo()
    again = send_claim(client, order, [photo("door.jpg"), photo("seal.jpg")])
    assert again.status_code == 302
    claim = db.session.scalars(select(Claim)).one()
    assert len(claim.photos) == 2
    assert len(stored_files(uploads)) == 4


def test_the_whole_backend_write_failing_is_said_the_same_way(
    app, client, make_merchant, delivered_order, uploads, monkeypatch
):
    order = delivered_order(make_merchant("kodinkone"), locale="en")
    open_order(client, order)
    mails = count(OutboxMessage)

    def full(self, data, suffix):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(LocalStorage, "save", full)
    response = send_claim(client, order, [photo("door.jpg")])
    assert response.status_code == 503
    assert MESSAGE in visible(page(response))
    nothing_of_a_claim(uploads, mails)


@pytest.fixture
def order(make_merchant, make_order, uploads):
    return make_order(make_merchant("kodinkone"), "3001", locale="fi")


def test_a_ticket_with_a_photo_on_a_full_disk_is_not_opened_and_the_buyer_is_told(
    app, client, order, uploads, monkeypatch
):
    from tests.conftest import csrf_from

    open_order(client, order)
    mails = count(OutboxMessage)
    disk_full_after(monkeypatch, whole_writes=1)  # the photo fits, its thumbnail does not
    url = f"/s/{order.merchant.slug}/orders/{order.number}/contact"
    token = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "subject": "Paketti tuli rikki",
            "message": "Laatikko oli murskana, katso kuvat.",
            "photos": [photo("laatikko.jpg")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 503
    html = page(response)
    assert '<html lang="fi">' in html
    assert translated("fi") in visible(html)
    assert "Paketti tuli rikki" in html and "Laatikko oli murskana" in html  # kept on the form
    assert count(Ticket) == 0 and count(TicketMessage) == 0 and count(TicketAttachment) == 0
    assert count(OutboxMessage) == mails  # no acknowledgement e-mail
    assert stored_files(uploads) == []


def test_a_reply_with_a_photo_on_a_full_disk_adds_nothing_to_the_ticket(app, client, order, uploads, monkeypatch):
    from tests.conftest import csrf_from

    open_order(client, order)
    buyer = Actor(kind="buyer", id=order.customer_id, label="aino@example.fi", merchant_id=order.merchant_id)
    ticket = tickets.open_ticket(
        order.merchant,
        order.customer,
        {"subject": "Paketti tuli rikki", "message": "Laatikko oli murskana."},
        buyer,
        order=order,
    )
    ticket_id, status = ticket.id, ticket.status
    url = f"/s/{order.merchant.slug}/tickets/{ticket_id}"

    def full(self, data, suffix):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(LocalStorage, "save", full)
    token = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(
        url,
        data={"csrf_token": token, "message": "Tässä vielä kuva.", "photos": [photo("kuva.jpg")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 503
    html = page(response)
    assert translated("fi") in visible(html)
    assert "Tässä vielä kuva." in html
    assert count(TicketMessage, TicketMessage.ticket_id == ticket_id) == 1
    assert count(TicketAttachment) == 0
    db.session.expire_all()
    assert db.session.get(Ticket, ticket_id).status == status
    assert stored_files(uploads) == []


def test_readyz_names_storage_when_the_disk_is_full(client, uploads, monkeypatch):
    disk_full_after(monkeypatch, whole_writes=0)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"]["storage"] == "error"
    assert body["errors"]["storage"] == "OSError: [Errno 28] No space left on device"
    assert stored_files(uploads) == []


def test_a_bucket_that_does_not_answer_is_said_as_storage_unavailable(app):
    from botocore.exceptions import EndpointConnectionError

    class Unreachable:
        def put_object(self, **kwargs):
            raise EndpointConnectionError(endpoint_url="https://s3.example.com/uploads")

    bucket = S3Storage(S3Settings(bucket="uploads"), client=Unreachable())
    with pytest.raises(StorageUnavailable) as refused:
        bucket.store(b"\xff\xd8\xff", ".jpg")
    assert refused.value.status == 503 and refused.value.code == "storage_unavailable"
    assert str(refused.value) == MESSAGE
