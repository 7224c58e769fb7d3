"""E-mail through the outbox: written in the caller's transaction, sent after the commit."""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlparse

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import select

from portal.db import UnitOfWork, utcnow
from portal.extensions import db
from portal.jobs import enqueue
from portal.notifications.models import OutboxMessage

log = logging.getLogger(__name__)

# Without a port in SMTP_URL: implicit TLS listens on 465, submission with STARTTLS on 587.
SMTP_DEFAULT_PORTS = {"smtp": 25, "smtps": 465, "smtp+starttls": 587}


def queue_email(
    uow: UnitOfWork,
    *,
    kind: str,
    recipient: str,
    locale: str,
    merchant_id: str | None,
    context: dict,
    dedupe_key: str | None = None,
    attachments: list[dict] | None = None,
    reply_to: str | None = None,
) -> OutboxMessage | None:
    """Render ``templates/emails/<kind>.{txt,html}`` in the recipient's language into the outbox.

    With a ``dedupe_key`` already in the outbox nothing new is written (a notice goes once).
    """
    if dedupe_key and db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)):
        return None
    with force_locale(locale):
        subject = render_template(f"emails/{kind}.subject.txt", **context).strip()
        text_body = render_template(f"emails/{kind}.txt", **context)
        html_body = render_template(f"emails/{kind}.html", subject=subject, **context)
    message = OutboxMessage(
        merchant_id=merchant_id,
        kind=kind,
        dedupe_key=dedupe_key,
        recipient=recipient,
        locale=locale,
        subject=subject,
        text_body=text_body,
        html_body=html_body,
        attachments=list(attachments or []),
        reply_to=reply_to,
        status="queued" if current_app.config.get("SMTP_URL") else "held",
    )
    db.session.add(message)
    db.session.flush()
    if message.status == "queued":
        message_id = message.id
        uow.after_commit(lambda: enqueue(send_outbox_message, message_id))
    return message


def send_outbox_message(message_id: str) -> None:
    """Job: send one queued message by SMTP; a failure is recorded and retried by the caller.

    The row stays locked until the outcome is committed, so a job retry and ``flask mail
    retry`` running at once send the message once, not twice.
    """
    message = db.session.get(OutboxMessage, message_id, with_for_update=True, populate_existing=True)
    if message is None or message.status == "sent":
        db.session.commit()  # ends the transaction, releasing the lock
        return
    url = urlparse(current_app.config["SMTP_URL"])
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_FROM"]
    if message.reply_to:
        email["Reply-To"] = message.reply_to
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain="apuri.localhost")
    email.set_content(message.text_body)
    email.add_alternative(message.html_body, subtype="html")
    message.attempts += 1
    if message.attachments:
        from portal.documents import render_attachment

        try:
            with force_locale(message.locale):
                html_part = email.get_body(("html",))
                for attachment in message.attachments:
                    document = render_attachment(attachment)
                    if document is None:
                        continue
                    maintype, subtype = document.mimetype.split("/")
                    if attachment.get("cid"):  # shown inside the HTML (<img src="cid:...">)
                        html_part.add_related(
                            document.content,
                            maintype=maintype,
                            subtype=subtype,
                            cid=f"<{attachment['cid']}>",
                            filename=document.filename,
                        )
                    else:
                        email.add_attachment(
                            document.content, maintype=maintype, subtype=subtype, filename=document.filename
                        )
        except Exception as exc:  # a document that cannot be made: recorded, retried like a send failure
            message.status = "failed"
            message.last_error = f"attachment: {exc}"[:500]
            db.session.commit()
            log.exception("mail %s: its attachment could not be rendered", message.id)
            raise
    try:
        smtp_cls = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
        port = url.port or SMTP_DEFAULT_PORTS.get(url.scheme, 25)
        with smtp_cls(url.hostname or "127.0.0.1", port, timeout=10) as smtp:
            if url.scheme == "smtp+starttls":
                smtp.starttls()
            if url.username:
                # A user name or password with "@", ":" or "/" is percent-encoded in the URL.
                smtp.login(unquote(url.username), unquote(url.password or ""))
            smtp.send_message(email)
    except (OSError, smtplib.SMTPException) as exc:
        message.status = "failed"
        message.last_error = str(exc)[:500]
        db.session.commit()
        log.warning("mail %s to %s failed: %s", message.id, message.recipient, exc)
        raise
    message.status = "sent"
    message.sent_at = utcnow()
    message.last_error = None
    db.session.commit()


STALE_QUEUED_MINUTES = 10


def retry_failed(limit: int = 100) -> int:
    """Resend messages that failed earlier (the scheduler calls this with backoff).

    Without SMTP_URL there is nowhere to send them: they stay "failed" until it is set.
    """
    if not current_app.config.get("SMTP_URL"):
        return 0
    # "queued" for a while means the send job was lost (a crash after the commit, Redis
    # down): send it too. The row lock in send_outbox_message keeps it to one delivery.
    stale = utcnow() - timedelta(minutes=STALE_QUEUED_MINUTES)
    ids = db.session.scalars(
        select(OutboxMessage.id)
        .where(
            (OutboxMessage.status == "failed")
            | ((OutboxMessage.status == "queued") & (OutboxMessage.created_at < stale))
        )
        .order_by(OutboxMessage.created_at)
        .limit(limit)
    ).all()
    sent = 0
    for message_id in ids:
        try:
            send_outbox_message(message_id)
            sent += 1
        except (OSError, smtplib.SMTPException):
            continue
    return sent
