"""API v1: returns (API.md). The shop lists, decides and receives; the buyer asks, follows,
prints the slip and may withdraw. The rules are portal.returns.services'; here the HTTP."""

from __future__ import annotations

from flask import Response, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.api import bp, serializers
from portal.api.auth import buyer_required, current_actor, current_buyer, current_merchant, merchant_required
from portal.api.bodies import json_body, optional_json_body
from portal.api.openapi import CURSOR, document, query
from portal.api.schemas import BuyerOrderOut, ReturnListOut, ReturnOut
from portal.buyers import access
from portal.buyers.services import summarise
from portal.documents import return_slip_pdf
from portal.errors import Conflict, ValidationFailed
from portal.extensions import db
from portal.merchants.models import Merchant
from portal.orders.models import Order
from portal.payments.models import Refund
from portal.returns import services as returns
from portal.returns.models import ReturnRequest, ReturnStatus
from portal.returns.schemas import DecisionIn, ReceiveIn, RejectIn, ReturnIn

RETURN_LIST_LIMIT = 100
LIST_STATUSES = ("open", *(status.value for status in ReturnStatus))
MAX_AGE_DAYS = 3650

# Why there is no slip (yet), by the return's status.
_NO_SLIP = {
    ReturnStatus.REQUESTED.value: _l("The return slip is ready once the shop has approved your return."),
    ReturnStatus.REJECTED.value: _l("The shop did not accept this return, so it has no return slip."),
    ReturnStatus.CANCELLED.value: _l("This return was cancelled, so it has no return slip."),
}


def _refunds_of(rets: list[ReturnRequest]) -> dict[str, Refund]:
    ids = {ret.refund_id for ret in rets if ret.refund_id}
    if not ids:
        return {}
    return {refund.id: refund for refund in db.session.scalars(select(Refund).where(Refund.id.in_(ids)))}


def _answer(ret: ReturnRequest, merchant: Merchant) -> dict:
    return serializers.return_(ret, merchant, _refunds_of([ret]))


# -- merchant -------------------------------------------------------------------------------


def _arg(name: str) -> str:
    # (The app answers 400 to any NUL in the query before a view runs.)
    return (request.args.get(name) or "").strip()


def _max_age() -> int | None:
    raw = _arg("older_than_days")
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 4) or not 1 <= int(raw) <= MAX_AGE_DAYS:
        raise ValidationFailed(
            fields={"older_than_days": [_l("Use a whole number of days from 1 to %(max)s.", max=MAX_AGE_DAYS)]}
        )
    return int(raw)


@bp.get("/returns")
@document(
    "The shop's returns",
    tag="orders",
    description="Oldest first, so the refund due soonest is on top; 100 a page, with a `next` cursor "
    "for the page after (`?cursor=`). `?status=` narrows to one status, or `open` for requested, approved "
    "and received ones; `?reason=` to returns with an item of that reason code; `?q=` searches the return "
    "number; `?older_than_days=` keeps the returns asked for more than that many days ago.",
    responses={200: ("Oldest first.", ReturnListOut)},
    errors={422: "An unknown status, a bad number of days, or a page link that is not valid."},
    parameters=(
        query("status", {"type": "string", "enum": list(LIST_STATUSES)}),
        query("reason", {"type": "string"}, "A reason code."),
        query("q", {"type": "string"}, "Part of the return number."),
        query("older_than_days", {"type": "integer", "minimum": 1, "maximum": MAX_AGE_DAYS}),
        CURSOR,
    ),
)
@merchant_required
def list_returns():
    merchant = current_merchant()
    status = _arg("status") or None
    if status is not None and status not in LIST_STATUSES:
        raise ValidationFailed(fields={"status": [_l("Use one of: %(list)s.", list=", ".join(LIST_STATUSES))]})
    page = returns.list_returns(
        merchant.id,
        status=status,
        reason=_arg("reason") or None,
        older_than_days=_max_age(),
        query=_arg("q"),
        cursor=_arg("cursor") or None,
        limit=RETURN_LIST_LIMIT,
    )
    # One query for the orders (numbers, currencies) and one for the refunds, not one per return;
    # ``orders`` keeps them in the session's identity map while the page is written.
    orders = list(
        db.session.scalars(
            select(Order).where(
                Order.merchant_id == merchant.id,
                Order.id.in_(
                    {ret.order_id for ret in page.returns}
                    | {ret.exchange_order_id for ret in page.returns if ret.exchange_order_id}
                ),
            )
        )
    )
    answer = serializers.return_list(page, merchant, _refunds_of(page.returns))
    del orders
    return answer


@bp.get("/returns/<return_id>")
@document("One return", tag="orders", responses={200: ("The return.", ReturnOut)})
@merchant_required
def get_return(return_id: str):
    merchant = current_merchant()
    return _answer(returns.get_return(merchant.id, return_id), merchant)


@bp.post("/returns/<return_id>/approve")
@document(
    "Approve a return",
    tag="orders",
    description="The buyer is told and gets the return slip to print. The body is optional: "
    '`{"message": ...}` goes to the buyer. Approving again answers 200 with the same return.',
    body=DecisionIn,
    body_required=False,
    responses={200: ("The approved return.", ReturnOut)},
    errors={409: "return_state: the return was already rejected, cancelled or received."},
)
@merchant_required
def approve_return(return_id: str):
    merchant = current_merchant()
    ret = returns.approve(merchant.id, return_id, actor=current_actor(), document=optional_json_body())
    return _answer(ret, merchant)


@bp.post("/returns/<return_id>/reject")
@document(
    "Reject a return",
    tag="orders",
    description="`message` tells the buyer why (required). Stock reserved for an exchange goes back on "
    "sale. Rejecting again answers 200 with the same return.",
    body=RejectIn,
    responses={200: ("The rejected return.", ReturnOut)},
    errors={409: "return_state: the return was already received, settled or cancelled."},
)
@merchant_required
def reject_return(return_id: str):
    merchant = current_merchant()
    ret = returns.reject(merchant.id, return_id, optional_json_body(), actor=current_actor())
    return _answer(ret, merchant)


@bp.post("/returns/<return_id>/receive")
@document(
    "Receive a return and settle it",
    tag="orders",
    description="The parcel arrived: the return is settled at once, by a refund to the original payment, "
    "store credit (with the shop's bonus) or an exchange order for the reserved variants. The body is "
    "optional: `items` says per item how it arrived (`condition`: accepted or damaged) and whether to "
    "take the restocking fee for damage; items not listed arrived as accepted. Receiving again answers "
    "200 with the same settled return and moves no money.",
    body=ReceiveIn,
    body_required=False,
    responses={200: ("The settled return.", ReturnOut)},
    errors={409: "return_state: the return was rejected or cancelled."},
)
@merchant_required
def receive_return(return_id: str):
    merchant = current_merchant()
    ret = returns.receive(merchant.id, return_id, optional_json_body(), actor=current_actor())
    return _answer(ret, merchant)


# -- buyer ----------------------------------------------------------------------------------


def _buyer_merchant() -> Merchant:
    return db.session.get(Merchant, current_buyer().merchant_id)


def _buyer_return(return_id: str) -> ReturnRequest:
    identity = current_buyer()
    return returns.buyer_return(identity.merchant_id, identity.customer_id, return_id)


@bp.post("/buyer/orders/<number>/returns")
@document(
    "Return items of an order",
    tag="buyers",
    description="Each item with the quantity, a reason code (see the order's `return_options.reasons`) and "
    "what the buyer wants: refund, store_credit, or exchange with `exchange_sku` (one of the item's "
    "`exchange_options`; its stock is reserved). Every problem is named by field, e.g. `items.0.quantity` "
    "when more than is left of the item; nothing changes then.",
    body=ReturnIn,
    responses={201: ("The return; it may already be approved by the shop's rules.", ReturnOut)},
    errors={409: "return_not_allowed: nothing in the order can be returned now (the message says why)."},
    headers={201: {"Location": {"description": "The return's URL.", "schema": {"type": "string"}}}},
)
@buyer_required
def create_return(number: str):
    order = access.buyer_order(current_buyer(), number)
    ret = returns.request_return(order, json_body(), actor=current_actor())
    location = url_for(".buyer_return", return_id=ret.id)
    return _answer(ret, _buyer_merchant()), 201, {"Location": location}


@bp.get("/buyer/returns/<return_id>")
@document("One of the buyer's returns", tag="buyers", responses={200: ("The return.", ReturnOut)})
@buyer_required
def buyer_return(return_id: str):
    return _answer(_buyer_return(return_id), _buyer_merchant())


@bp.get("/buyer/returns/<return_id>/slip.pdf")
@document(
    "The return slip to print and put in the parcel",
    tag="buyers",
    description="A PDF (application/pdf) with the return number, the items, the shop's return address, "
    "how to send the parcel and a QR code, in the request's language. It exists once the shop has approved "
    "the return.",
    responses={200: ("The slip, as application/pdf.", None)},
    errors={409: "slip_not_available: the return is not approved (yet), or was rejected or cancelled."},
)
@buyer_required
def buyer_return_slip(return_id: str):
    ret = _buyer_return(return_id)
    if ret.status not in serializers.SLIP_STATUSES:
        raise Conflict(_NO_SLIP.get(ret.status, _NO_SLIP[ReturnStatus.REQUESTED.value]), code="slip_not_available")
    return Response(
        return_slip_pdf(ret),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="return-{ret.number}.pdf"'},
    )


@bp.post("/buyer/returns/<return_id>/cancel")
@document(
    "Withdraw a return before sending the items",
    tag="buyers",
    description="Stock reserved for an exchange goes back on sale. Cancelling again answers 200 with the same return.",
    responses={200: ("The cancelled return.", ReturnOut)},
    errors={409: "return_state: the return was already received, settled or rejected."},
)
@buyer_required
def cancel_return(return_id: str):
    identity = current_buyer()
    ret = returns.cancel(identity.merchant_id, return_id, customer_id=identity.customer_id, actor=current_actor())
    return _answer(ret, _buyer_merchant())


@bp.post("/buyer/orders/<number>/cancel")
@document(
    "Cancel an order that has not been sent",
    tag="buyers",
    description="Where the shop allows it (see `actions.cancel`): the whole payment goes back to the "
    "buyer. Cancelling again answers 200 with the same order.",
    responses={200: ("The cancelled order.", BuyerOrderOut)},
    errors={
        409: "already_shipped: the order was sent (return it once it arrives); cancel_not_allowed: the "
        "shop does not take cancellations here."
    },
)
@buyer_required
def cancel_order(number: str):
    order = access.buyer_order(current_buyer(), number)
    order = returns.cancel_order(order, actor=current_actor())
    return serializers.buyer_order(summarise(order, with_other_orders=False))
