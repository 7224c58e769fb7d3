"""Photos on tickets: the buyer attaches them to "contact us" and to answers (and to e-mail
replies) through the same safe pipeline as claim photos; staff and the buyer see them only
through views that check who asks; a refused photo is named and nothing is half-saved."""

from __future__ import annotations

import io
from email.message import EmailMessage
from html import unescape

import pytest
from PIL import ExifTags, Image
from sqlalchemy import func, select

from portal.actors import Actor
from portal.extensions import db
from portal.support import services as tickets
from portal.support.inbound import receive
from portal.support.models import Ticket, TicketAttachment
from tests.claims.conftest import jpeg
from tests.conftest import csrf_from
from tests.returns.test_buyer_return_pages import open_link

PASSWORD = "correct horse battery"


@pytest.fixture
def uploads(app, tmp_path):
    app.config["UPLOAD_ROOT"] = str(tmp_path / "uploads")
    return tmp_path / "uploads"


@pytest.fixture
def order(make_merchant, make_order, uploads):
    return make_order(make_merchant("kodinkone"), "3001", locale="en")


def _page(response) -> str:
    return unescape(response.get_data(as_text=True))


def _upload(name="parcel.jpg", content=None, mimetype="image/jpeg"):
    return (io.BytesIO(jpeg(320, 240) if content is None else content), name, mimetype)


def _with_gps() -> bytes:
    image = Image.new("RGB", (80, 60), (10, 120, 200))
    exif = Image.Exif()
    exif[ExifTags.Base.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (60.0, 10.0, 12.5)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def _contact(client, order, *, photos, subject="Parcel arrived broken", message="The box was crushed, see photos."):
    url = f"/s/{order.merchant.slug}/orders/{order.number}/contact"
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(
        url,
        data={"csrf_token": token, "subject": subject, "message": message, "photos": photos},
        content_type="multipart/form-data",
    )


def _stored_files(uploads) -> list:
    return [p for p in uploads.rglob("*") if p.is_file()] if uploads.exists() else []


def _attachments() -> list[TicketAttachment]:
    db.session.expire_all()
    return list(db.session.scalars(select(TicketAttachment).order_by(TicketAttachment.position)))


def test_the_buyer_attaches_photos_and_sees_them_on_the_ticket(client, order, uploads):
    open_link(client, order)
    response = _contact(client, order, photos=[_upload("box.jpg"), _upload("label.png", _with_gps(), "image/png")])
    assert response.status_code == 302
    ticket = db.session.scalars(select(Ticket)).one()
    first, second = _attachments()
    assert first.ticket_id == ticket.id and first.message_id == ticket.messages[0].id
    assert (first.width, first.height) == (320, 240) and second.position == 1
    assert len(_stored_files(uploads)) == 4  # each photo and its thumbnail

    html = _page(client.get(response.headers["Location"]))
    base = f"/s/{order.merchant.slug}/tickets/{ticket.id}/attachments"
    assert f'href="{base}/{first.id}"' in html and f'src="{base}/{first.id}/thumb"' in html
    assert 'alt="Photo 2 of 2"' in html
    photo = client.get(f"{base}/{second.id}")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert photo.headers["X-Content-Type-Options"] == "nosniff"
    stored = Image.open(io.BytesIO(photo.data))
    assert stored.format == "JPEG" and not stored.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # location data gone
    assert client.get(f"{base}/{first.id}/thumb").status_code == 200


def test_a_refused_photo_is_named_the_text_is_kept_and_nothing_is_saved(client, order, uploads):
    open_link(client, order)
    fake = _upload("invoice.jpg", b"<html><script>alert(1)</script></html>", "image/jpeg")
    response = _contact(client, order, photos=[_upload("box.jpg"), fake], subject="x")
    assert response.status_code == 422
    html = _page(response)
    assert "invoice.jpg:" in html and 'id="photos-error"' in html
    assert 'id="subject-error">Write a subject of at least 3 characters.<' in html  # said at once too
    assert "The box was crushed, see photos." in html and 'value="x"' in html
    assert "please add them again" in html
    assert db.session.scalar(select(func.count(Ticket.id))) == 0 and _attachments() == []
    assert _stored_files(uploads) == []


def test_too_many_photos_are_refused_before_any_is_read(client, order, uploads):
    open_link(client, order)
    response = _contact(client, order, photos=[_upload(f"p{n}.jpg") for n in range(6)])
    assert response.status_code == 422
    assert "at most 5" in _page(response)
    assert db.session.scalar(select(func.count(Ticket.id))) == 0 and _stored_files(uploads) == []


def test_the_buyer_answers_with_a_photo_and_the_staff_see_it_in_the_console(client, order, uploads, make_user):
    buyer = Actor(kind="buyer", id=order.customer_id, label=order.customer.email, merchant_id=order.merchant_id)
    ticket = tickets.open_ticket(
        order.merchant, order.customer, {"subject": "Scratch", "message": "A scratch on the door."}, buyer, order=order
    )
    open_link(client, order)
    url = f"/s/{order.merchant.slug}/tickets/{ticket.id}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(
        url,
        data={"csrf_token": token, "message": "Here it is.", "photos": [_upload("door.jpg")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    [attachment] = _attachments()
    assert attachment.message_id == db.session.get(Ticket, ticket.id).messages[-1].id

    make_user(email="agent@kodinkone.example", password=PASSWORD, role="merchant_agent", merchant=order.merchant)
    staff = client.application.test_client()
    login = staff.get("/staff/login")
    staff.post(
        "/staff/login",
        data={
            "csrf_token": csrf_from(login.get_data(as_text=True)),
            "email": "agent@kodinkone.example",
            "password": PASSWORD,
        },
    )
    html = _page(staff.get(f"/console/tickets/{ticket.id}"))
    assert f'src="/console/tickets/{ticket.id}/attachments/{attachment.id}/thumb"' in html
    assert staff.get(f"/console/tickets/{ticket.id}/attachments/{attachment.id}").status_code == 200


def test_nobody_else_sees_the_photos(client, order, uploads, make_merchant, make_order, make_user):
    buyer = Actor(kind="buyer", id=order.customer_id, label=order.customer.email, merchant_id=order.merchant_id)
    from tests.claims.conftest import Photo

    ticket = tickets.open_ticket(
        order.merchant,
        order.customer,
        {"subject": "Scratch", "message": "A scratch on the door."},
        buyer,
        order=order,
        photos=[Photo(image=jpeg(), thumbnail=jpeg(16, 12), width=64, height=48)],
    )
    [attachment] = _attachments()
    path = f"/s/{order.merchant.slug}/tickets/{ticket.id}/attachments/{attachment.id}"
    # A stranger (no buyer session): asked to sign in, no photo.
    stranger = client.get(path)
    assert stranger.status_code != 200 or stranger.mimetype != "image/jpeg"
    # Another buyer of the same shop, signed in through their own order's link.
    other = make_order(order.merchant, "3002", customer={"email": "other@example.com", "name": "Olli Muu"}, locale="en")
    open_link(client, other)
    response = client.get(path)
    assert response.mimetype != "image/jpeg"
    # Another shop's staff: 404.
    make_merchant("pyorapaja")
    from portal.merchants.models import Merchant

    shop_b = db.session.scalars(select(Merchant).where(Merchant.slug == "pyorapaja")).one()
    make_user(email="agent@pyorapaja.example", password=PASSWORD, role="merchant_agent", merchant=shop_b)
    staff = client.application.test_client()
    login = staff.get("/staff/login")
    staff.post(
        "/staff/login",
        data={
            "csrf_token": csrf_from(login.get_data(as_text=True)),
            "email": "agent@pyorapaja.example",
            "password": PASSWORD,
        },
    )
    assert staff.get(f"/console/tickets/{ticket.id}/attachments/{attachment.id}").status_code == 404
    # An attachment id of another ticket under this ticket's address: 404 for the buyer too.
    open_link(client, order)
    assert client.get(f"/s/{order.merchant.slug}/tickets/{ticket.id}/attachments/tat_nope").status_code == 404


def test_an_e_mail_reply_with_a_photo_lands_with_the_photo(order, uploads, make_user):
    buyer = Actor(kind="buyer", id=order.customer_id, label=order.customer.email, merchant_id=order.merchant_id)
    ticket = tickets.open_ticket(
        order.merchant, order.customer, {"subject": "Scratch", "message": "A scratch on the door."}, buyer, order=order
    )
    message = EmailMessage()
    message["From"] = order.customer.email
    message["To"] = f"support+{ticket.reply_token}@apuri.localhost"
    message["Subject"] = "Re: Scratch"
    message["Message-ID"] = "<photo-1@example.com>"
    message.set_content("Photo attached.")
    message.add_attachment(jpeg(200, 100), maintype="image", subtype="jpeg", filename="door.jpg")
    message.add_attachment(b"not an image at all", maintype="image", subtype="png", filename="broken.png")
    message.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="receipt.pdf")

    result = receive(message.as_bytes())

    assert result.outcome == "landed" and result.message.body == "Photo attached."
    [attachment] = _attachments()
    assert attachment.message_id == result.message.id and (attachment.width, attachment.height) == (200, 100)
    assert len(_stored_files(uploads)) == 2
