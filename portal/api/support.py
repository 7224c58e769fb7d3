"""API v1: the buyer's tickets and feedback (API.md). The rules are portal.support.services'."""

from __future__ import annotations

from typing import Annotated, Literal

from flask import url_for
from flask_babel import lazy_gettext as _l
from pydantic import Field, StringConstraints

from portal.api import bp, schemas
from portal.api.auth import buyer_required, current_actor, current_buyer
from portal.api.bodies import json_body
from portal.api.openapi import document
from portal.buyers import access
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.merchants.models import Merchant
from portal.orders.models import Customer, Order
from portal.orders.schemas import Strict
from portal.support import services as tickets
from portal.support.models import Ticket
from portal.validation import parse


class BuyerTicketIn(Strict):
    subject: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]
    message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=8000)]
    order_number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] | None = None


class About(Strict):
    type: Literal["ticket"]
    id: Annotated[str, StringConstraints(min_length=1, max_length=24)]


class FeedbackIn(Strict):
    rating: Annotated[int, Field(ge=1, le=5, strict=True)]
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""
    about: About


def _ticket_out(ticket: Ticket) -> dict:
    from zoneinfo import ZoneInfo

    merchant = db.session.get(Merchant, ticket.merchant_id)
    zone = ZoneInfo(merchant.timezone)
    order = db.session.get(Order, ticket.order_id) if ticket.order_id else None
    authors = {"buyer": "buyer", "staff": "shop", "system": "system"}
    return schemas.TicketOut(
        id=ticket.id,
        number=ticket.number,
        subject=ticket.subject,
        status=ticket.status,
        status_label=tickets.status_label(ticket.status),
        order_number=order.number if order else None,
        answer_due_at=tickets.due_of(ticket).astimezone(zone),
        first_responded_at=ticket.first_responded_at.astimezone(zone) if ticket.first_responded_at else None,
        rating=ticket.csat_rating,
        messages=[
            schemas.TicketMessageOut(
                id=m.id,
                author=authors.get(m.author_kind, m.author_kind),
                author_name=merchant.name if m.author_kind == "staff" else m.author_label,
                body=m.body,
                via=m.via,
                created_at=m.created_at.astimezone(zone),
            )
            for m in ticket.public_messages
        ],
        created_at=ticket.created_at.astimezone(zone),
    ).model_dump(mode="json")


def _buyer_ticket(ticket_id: str) -> Ticket:
    identity = current_buyer()
    return tickets.get_ticket(ticket_id, merchant_id=identity.merchant_id, customer_id=identity.customer_id)


@bp.post("/buyer/tickets")
@document(
    "Ask the shop's support",
    tag="buyers",
    description="A ticket with the buyer's first message, optionally about one of their orders. The buyer gets an "
    "acknowledgement by e-mail at once with the ticket number and when to expect an answer (`answer_due_at`, "
    "by the shop's SLA); replies come by e-mail and show here.",
    body=BuyerTicketIn,
    responses={201: ("The ticket.", schemas.TicketOut)},
    errors={404: "order_number is not one of the buyer's orders.", 422: "subject or message missing or too long."},
    headers={201: {"Location": {"description": "The ticket's URL.", "schema": {"type": "string"}}}},
)
@buyer_required
def create_ticket():
    identity = current_buyer()
    data = parse(BuyerTicketIn, json_body())
    order = access.buyer_order(identity, data.order_number) if data.order_number else None
    ticket = tickets.open_ticket(
        db.session.get(Merchant, identity.merchant_id),
        db.session.get(Customer, identity.customer_id),
        {"subject": data.subject, "message": data.message},
        current_actor(),
        order=order,
        source="api",
    )
    if order is not None:
        from portal.db import unit_of_work
        from portal.orders.services import mark_changed

        with unit_of_work():
            mark_changed(order)
    return _ticket_out(ticket), 201, {"Location": url_for(".buyer_ticket", ticket_id=ticket.id)}


@bp.get("/buyer/tickets/<ticket_id>")
@document("One of the buyer's tickets", tag="buyers", responses={200: ("The ticket.", schemas.TicketOut)})
@buyer_required
def buyer_ticket(ticket_id: str):
    return _ticket_out(_buyer_ticket(ticket_id))


@bp.post("/buyer/tickets/<ticket_id>/messages")
@document(
    "Write to the shop on a ticket",
    tag="buyers",
    description="Adds the buyer's message; a ticket waiting on the buyer, solved or closed opens again.",
    body=tickets.MessageIn,
    responses={201: ("The ticket with the new message.", schemas.TicketOut)},
    errors={422: "message missing or too long."},
)
@buyer_required
def buyer_ticket_message(ticket_id: str):
    ticket = _buyer_ticket(ticket_id)
    tickets.buyer_message(ticket, json_body(), current_actor(), via="api")
    return _ticket_out(db.session.get(Ticket, ticket.id)), 201


@bp.post("/buyer/feedback")
@document(
    "Rate how it went",
    tag="buyers",
    description="`about.type` is `ticket` (the satisfaction question after a solved ticket; delivery, returns and "
    "claims come with the feedback capability). The first rating is kept; a later call may add a comment. A "
    "rating of 1 or 2 opens a follow-up for the team lead at once.",
    body=FeedbackIn,
    responses={200: ("The feedback as kept.", schemas.FeedbackOut)},
    errors={404: "The ticket is not one of the buyer's.", 422: "rating not 1–5, or an unknown about.type."},
)
@buyer_required
def buyer_feedback():
    data = parse(FeedbackIn, json_body())
    ticket = _buyer_ticket(data.about.id)
    if ticket.status not in ("solved", "closed"):
        raise ValidationFailed(fields={"about.id": [_l("The ticket is not solved yet: rate it once it is.")]})
    before = ticket.csat_rating
    ticket = tickets.answer_survey(ticket, {"rating": data.rating, "comment": data.comment})
    follow_up = before is None and ticket.csat_rating is not None and ticket.csat_rating <= tickets.POOR_RATING
    return schemas.FeedbackOut(
        about={"type": "ticket", "id": ticket.id}, rating=ticket.csat_rating, follow_up=follow_up
    ).model_dump(mode="json")
