"""Domain objects to the API's JSON: money as {amount, currency}, times with the shop's offset.

Each function fills a response model of portal.api.schemas, so what goes out is what
openapi.json says; labels are rendered (str of lazy strings) in the request's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

from portal.api import schemas
from portal.api.actions import buyer_actions
from portal.buyers.services import OrderSummary, payment_method_label
from portal.catalogue.models import Variant
from portal.claims import policy as claim_rules
from portal.claims import services as claim_services
from portal.claims.models import Claim, ClaimPhoto
from portal.claims.services import ClaimOptions, ClaimPage
from portal.merchants.models import Merchant
from portal.merchants.policy import effective_policy
from portal.orders.models import Order, OrderItem, Shipment, TrackingEvent
from portal.orders.policy import buyer_status, is_late, next_step, status_label, tracking_url
from portal.payments.models import Refund, StoreCreditMovement
from portal.payments.queries import RefundPage
from portal.payments.services import MoneySummary
from portal.payments.store_credit import Balance
from portal.returns import policy as return_rules
from portal.returns.models import ReturnItem, ReturnRequest, ReturnStatus
from portal.returns.policy import Eligibility
from portal.returns.services import ReturnPage
from portal.urls import external_url

# The return slip exists once the shop has approved the return (and stays for the parcel's way).
SLIP_STATUSES = (
    ReturnStatus.APPROVED.value,
    ReturnStatus.RECEIVED.value,
    ReturnStatus.REFUNDED.value,
    ReturnStatus.EXCHANGED.value,
)


def _money(amount: int, currency: str) -> schemas.MoneyOut:
    return schemas.MoneyOut(amount=amount, currency=currency)


class _Clock:
    """Puts stored UTC times into the shop's time zone, so offsets read as the shop's."""

    def __init__(self, merchant: Merchant) -> None:
        self.zone = ZoneInfo(merchant.timezone)

    def __call__(self, moment: datetime | None) -> datetime | None:
        if moment is None:
            return None
        try:
            return moment.astimezone(self.zone)
        except OverflowError:  # at the very edge of the calendar the shop's offset does not fit
            return moment


def _item(item: OrderItem, currency: str) -> schemas.ItemOut:
    return schemas.ItemOut(
        id=item.line_id,
        sku=item.sku,
        name=item.name,
        quantity=item.quantity,
        unit_price=_money(item.unit_price, currency),
        tax_rate=f"{item.tax_rate:.2f}",
        attributes=item.attributes or {},
        total=_money(item.line_total, currency),
    )


def _shipping(order: Order) -> schemas.ShippingOut:
    return schemas.ShippingOut(
        amount=_money(order.shipping_amount, order.currency),
        address=schemas.AddressOut(
            name=order.ship_name,
            street=order.ship_street,
            postal_code=order.ship_postal_code,
            city=order.ship_city,
            country=order.ship_country,
        ),
    )


def _event(event: TrackingEvent, clock: _Clock) -> schemas.TrackingEventOut:
    return schemas.TrackingEventOut(
        id=event.id,
        shipment_id=event.shipment_id,
        status=event.status,
        status_label=status_label(event.status),
        occurred_at=clock(event.occurred_at),
        location=event.location,
        description=event.description,
    )


def _shipment(shipment: Shipment, clock: _Clock) -> schemas.ShipmentOut:
    return schemas.ShipmentOut(
        id=shipment.id,
        carrier=shipment.carrier,
        tracking_number=shipment.tracking_number,
        tracking_url=tracking_url(shipment.carrier, shipment.tracking_number),
        estimated_delivery=shipment.estimated_delivery,
        status=shipment.status,
        status_label=status_label(shipment.status),
        delivered_at=clock(shipment.delivered_at),
        created_at=clock(shipment.created_at),
        events=[_event(event, clock) for event in shipment.events],
    )


def _refund(refund: Refund, clock: _Clock) -> schemas.RefundOut:
    return schemas.RefundOut(
        id=refund.id,
        amount=_money(refund.amount, refund.currency),
        status=refund.status,
        source=refund.source,
        reason=refund.reason,
        created_at=clock(refund.created_at),
        updated_at=clock(refund.updated_at),
    )


def _merchant_refund(refund: Refund, order_number: str, clock: _Clock) -> schemas.MerchantRefundOut:
    return schemas.MerchantRefundOut(
        id=refund.id,
        amount=_money(refund.amount, refund.currency),
        status=refund.status,
        source=refund.source,
        reason=refund.reason,
        created_at=clock(refund.created_at),
        updated_at=clock(refund.updated_at),
        order_number=order_number,
        provider_reference=refund.provider_reference,
        failure_code=refund.failure_code,
        failure_reason=refund.failure_reason,
        requested_by=refund.requested_by,
    )


def _money_summary(money: MoneySummary) -> schemas.MoneySummaryOut:
    c = money.currency
    return schemas.MoneySummaryOut(
        paid=_money(money.paid, c),
        refunded=_money(money.refunded, c),
        pending=_money(money.pending, c),
        failed=_money(money.failed, c),
        store_credit_issued=_money(money.store_credit_issued, c),
        refundable=_money(money.refundable, c),
    )


def _balances(balances: dict[str, int]) -> list[schemas.MoneyOut]:
    return [_money(amount, currency) for currency, amount in sorted(balances.items()) if amount]


def refund_list(page: RefundPage, merchant: Merchant) -> dict:
    """The shop's refunds, newest first, with the cursor of the next page."""
    clock = _Clock(merchant)
    return schemas.RefundListOut(
        refunds=[_merchant_refund(row.refund, row.order_number, clock) for row in page.rows],
        next=page.next_cursor,
    ).model_dump(mode="json")


def _movement(movement: StoreCreditMovement, order_number: str | None, clock: _Clock) -> schemas.StoreCreditMovementOut:
    return schemas.StoreCreditMovementOut(
        id=movement.id,
        amount=_money(movement.amount, movement.currency),
        kind=movement.kind,
        source=movement.source,
        reason=movement.reason,
        order_number=order_number,
        created_at=clock(movement.created_at),
    )


def store_credit(statement: Balance, order_numbers: dict[str, str], merchant: Merchant) -> dict:
    """A customer's balances and newest movements; ``order_numbers`` by order id."""
    clock = _Clock(merchant)
    return schemas.StoreCreditOut(
        email=statement.customer.email,
        balances=_balances(statement.balances),
        movements=[_movement(m, order_numbers.get(m.order_id or ""), clock) for m in statement.movements],
    ).model_dump(mode="json")


def store_credit_redemption(
    movement: StoreCreditMovement, order_number: str | None, balance: int, merchant: Merchant
) -> dict:
    return schemas.StoreCreditRedemptionOut(
        movement=_movement(movement, order_number, _Clock(merchant)),
        balance=_money(balance, movement.currency),
    ).model_dump(mode="json")


# -- returns --------------------------------------------------------------------------------


def _return_item(item: ReturnItem, currency: str, returns_policy: dict) -> schemas.ReturnItemOut:
    line = item.order_item
    return schemas.ReturnItemOut(
        item_id=line.line_id,
        sku=line.sku,
        name=line.name,
        quantity=item.quantity,
        unit_price=_money(item.unit_price, currency),
        reason=item.reason,
        reason_label=return_rules.reason_label(item.reason, returns_policy),
        resolution=item.resolution,
        resolution_label=return_rules.resolution_label(item.resolution),
        exchange_sku=item.exchange_sku,
        exchange_price=_money(item.exchange_unit_price, currency) if item.exchange_unit_price is not None else None,
        condition=item.condition,
        restocking_fee=_money(item.restocking_fee, currency),
    )


def _return(
    ret: ReturnRequest, clock: _Clock, returns_policy: dict, refunds: Mapping[str, Refund]
) -> schemas.ReturnOut:
    """``refunds``: the shop's refunds by id, holding at least this return's (for its status)."""
    currency = ret.order.currency
    refund = refunds.get(ret.refund_id) if ret.refund_id else None
    return schemas.ReturnOut(
        id=ret.id,
        number=ret.number,
        order=ret.order.number,
        status=ret.status,
        status_label=return_rules.status_label(ret.status),
        items=[_return_item(item, currency, returns_policy) for item in ret.items],
        comment=ret.comment,
        within_window=ret.within_window,
        whole_order=ret.whole_order,
        shipping_refund=_money(ret.shipping_refund, currency),
        refund_due_on=ret.refund_due_on,
        auto_approved=ret.auto_approved,
        message=ret.decision_message,
        difference=schemas.ReturnDifferenceOut(due=_money(ret.difference_due, currency), status=ret.difference_status),
        settlement=schemas.ReturnSettlementOut(
            refund=_money(ret.refund_amount, currency),
            store_credit=_money(ret.store_credit_amount, currency),
            store_credit_bonus=_money(ret.store_credit_bonus, currency),
            restocking_fees=_money(ret.restocking_fees, currency),
            refund_id=ret.refund_id,
            refund_status=refund.status if refund is not None else None,
            exchange_order=ret.exchange_order.number if ret.exchange_order_id else None,
        ),
        created_at=clock(ret.created_at),
        approved_at=clock(ret.approved_at),
        rejected_at=clock(ret.rejected_at),
        received_at=clock(ret.received_at),
        settled_at=clock(ret.settled_at),
        slip_url=external_url("api.buyer_return_slip", return_id=ret.id) if ret.status in SLIP_STATUSES else None,
    )


def return_(ret: ReturnRequest, merchant: Merchant, refunds: Mapping[str, Refund]) -> dict:
    """One return, for the shop or its buyer alike."""
    returns_policy = effective_policy(merchant.policy)["returns"]
    return _return(ret, _Clock(merchant), returns_policy, refunds).model_dump(mode="json")


def return_list(page: ReturnPage, merchant: Merchant, refunds: Mapping[str, Refund]) -> dict:
    clock, returns_policy = _Clock(merchant), effective_policy(merchant.policy)["returns"]
    return schemas.ReturnListOut(
        returns=[_return(ret, clock, returns_policy, refunds) for ret in page.returns],
        next=page.next_cursor,
    ).model_dump(mode="json")


def _order_returns(summary: OrderSummary, clock: _Clock, returns_policy: dict) -> list[schemas.ReturnOut]:
    refunds = {refund.id: refund for refund in summary.refunds}
    return [_return(ret, clock, returns_policy, refunds) for ret in summary.returns]


def _return_options(options: Eligibility, currency: str, returns_policy: dict) -> schemas.ReturnOptionsOut:
    return schemas.ReturnOptionsOut(
        allowed=options.allowed,
        reason=options.reason,
        window_closes_on=options.window_closes_on,
        items=[
            schemas.ReturnableItemOut(
                item_id=entry.item.line_id,
                returnable_quantity=entry.left if entry.allowed else 0,
                allowed=entry.allowed,
                reason=None if entry.allowed else entry.reason,
                exchange_options=[
                    schemas.ExchangeOptionOut(
                        sku=option.sku,
                        name=option.name,
                        attributes={str(k): str(v) for k, v in option.attributes.items()},
                        price=_money(option.price, currency),
                        stock=option.stock,
                        difference=_money(option.difference, currency),
                        to_pay=_money(option.to_pay, currency),
                    )
                    for option in entry.exchange_options
                ],
            )
            for entry in options.items
        ],
        reasons=[
            schemas.CodeLabelOut(code=code, label=return_rules.reason_label(code, returns_policy))
            for code in return_rules.reason_codes(returns_policy)
        ],
        resolutions=[
            schemas.CodeLabelOut(code=code, label=return_rules.resolution_label(code))
            for code in return_rules.RESOLUTION_LABELS
        ],
    )


# -- claims ---------------------------------------------------------------------------------

# Photo URLs by audience: the shop's key and the buyer's token each have their own endpoint.
_PHOTO_ENDPOINTS = {"merchant": "api.claim_photo", "buyer": "api.buyer_claim_photo"}


def _claim_photo(photo: ClaimPhoto, audience: str) -> schemas.ClaimPhotoOut:
    endpoint = _PHOTO_ENDPOINTS[audience]
    return schemas.ClaimPhotoOut(
        id=photo.id,
        url=external_url(endpoint, claim_id=photo.claim_id, photo_id=photo.id),
        thumbnail_url=external_url(endpoint, claim_id=photo.claim_id, photo_id=photo.id, size="thumb"),
        width=photo.width,
        height=photo.height,
    )


def _claim(claim: Claim, clock: _Clock, refunds: Mapping[str, Refund], audience: str) -> schemas.ClaimOut:
    """``refunds``: the shop's refunds by id, holding at least this claim's (for its status);
    ``audience``: merchant or buyer, whose photo URLs to give."""
    currency = claim.order.currency
    line = claim.order_item
    refund = refunds.get(claim.refund_id) if claim.refund_id else None
    return schemas.ClaimOut(
        id=claim.id,
        number=claim.number,
        order=claim.order.number,
        item=schemas.ClaimItemOut(
            item_id=line.line_id, sku=line.sku, name=line.name, unit_price=_money(line.unit_price, currency)
        ),
        status=claim.status,
        status_label=claim_rules.status_label(claim.status),
        remedy=claim.remedy,
        remedy_label=claim_rules.remedy_label(claim.remedy),
        description=claim.description,
        noticed_on=claim.noticed_on,
        answer_due_at=clock(claim.answer_due_at),
        auto_accepted=claim.auto_accepted,
        agreed_amount=_money(claim.agreed_amount, currency),
        refund_id=claim.refund_id,
        refund_status=refund.status if refund is not None else None,
        offers=[
            schemas.ClaimOfferOut(
                by=offer.by,
                amount=_money(offer.amount, currency),
                message=offer.message,
                status=offer.status,
                created_at=clock(offer.created_at),
                decided_at=clock(offer.decided_at),
            )
            for offer in claim.offers
        ],
        photos=[_claim_photo(photo, audience) for photo in claim.photos],
        created_at=clock(claim.created_at),
        accepted_at=clock(claim.accepted_at),
        escalated_at=clock(claim.escalated_at),
        resolved_at=clock(claim.resolved_at),
        fulfilment=schemas.ClaimFulfilmentOut(
            carrier=claim.fulfilment_carrier,
            tracking_number=claim.fulfilment_tracking,
            tracking_url=tracking_url(claim.fulfilment_carrier, claim.fulfilment_tracking)
            if claim.fulfilment_tracking
            else None,
            note=claim.fulfilment_note or "",
        )
        if claim.status == "resolved"
        else None,
    )


def claim(claim: Claim, merchant: Merchant, refunds: Mapping[str, Refund], *, audience: str = "merchant") -> dict:
    """One claim, for the shop (``audience="merchant"``) or its buyer (``"buyer"``)."""
    return _claim(claim, _Clock(merchant), refunds, audience).model_dump(mode="json")


def claim_list(page: ClaimPage, merchant: Merchant, refunds: Mapping[str, Refund]) -> dict:
    clock = _Clock(merchant)
    return schemas.ClaimListOut(
        claims=[_claim(c, clock, refunds, "merchant") for c in page.claims],
        next=page.next_cursor,
    ).model_dump(mode="json")


def _claims_of(summary: OrderSummary) -> list[Claim]:
    # The summary carries the claims once portal.buyers.services gathers them; until then, ask.
    claims = getattr(summary, "claims", None)
    return claim_services.claims_of_order(summary.order.id) if claims is None else claims


def _claim_options_of(summary: OrderSummary) -> ClaimOptions:
    options = getattr(summary, "claim_options", None)
    return claim_services.options(summary.order) if options is None else options


def _order_claims(summary: OrderSummary, clock: _Clock, audience: str) -> list[schemas.ClaimOut]:
    refunds = {refund.id: refund for refund in summary.refunds}
    return [_claim(c, clock, refunds, audience) for c in _claims_of(summary)]


def _claim_options(options: ClaimOptions, currency: str) -> schemas.ClaimOptionsOut:
    return schemas.ClaimOptionsOut(
        allowed=options.allowed,
        reason=options.reason,
        delivered_on=options.rights.delivered_on,
        claim_until=options.rights.claim_until,
        presumption_until=options.rights.presumption_until,
        items=[
            schemas.ClaimableItemOut(
                item_id=entry.item.line_id,
                allowed=entry.allowed,
                reason=None if entry.allowed else entry.reason,
                max_amount=_money(entry.room, currency),
                suggestions=[
                    schemas.ClaimSuggestionOut(percent=percent, amount=_money(amount, currency))
                    for percent, amount in entry.suggestions
                ],
            )
            for entry in options.items
        ],
        remedies=[
            schemas.CodeLabelOut(code=code, label=str(label)) for code, label in claim_rules.REMEDY_LABELS.items()
        ],
    )


# -- catalogue ------------------------------------------------------------------------------


def variant(variant: Variant, merchant: Merchant) -> dict:
    return schemas.VariantOut(
        sku=variant.sku,
        product=variant.product,
        name=variant.name,
        attributes={str(k): str(v) for k, v in (variant.attributes or {}).items()},
        price=_money(variant.price, variant.currency),
        stock=variant.stock,
        reserved=variant.reserved,
        available=variant.available,
        category=variant.category,
        updated_at=_Clock(merchant)(variant.updated_at),
    ).model_dump(mode="json")


def order(summary: OrderSummary, merchant: Merchant) -> dict:
    """The whole order for the shop that owns it."""
    order, clock = summary.order, _Clock(merchant)
    payment = order.payment
    return schemas.OrderOut(
        id=order.id,
        number=order.number,
        placed_at=clock(order.placed_at),
        currency=order.currency,
        locale=order.locale,
        customer=schemas.CustomerOut(email=order.customer.email, name=order.customer.name),
        items=[_item(item, order.currency) for item in order.items],
        shipping=_shipping(order),
        payment=schemas.PaymentOut(
            provider=payment.provider,
            reference=payment.reference,
            method=payment.method,
            captured=_money(payment.captured, payment.currency),
        )
        if payment
        else None,
        total=_money(order.total, order.currency),
        refunded=_money(summary.refunded, order.currency),
        money=_money_summary(summary.money),
        promised_delivery_date=order.promised_delivery_date,
        status=summary.status,
        delivery_status=order.delivery_status,
        delivered_at=clock(order.delivered_at),
        late=summary.late,
        shipments=[_shipment(shipment, clock) for shipment in order.shipments],
        refunds=[_merchant_refund(refund, order.number, clock) for refund in summary.refunds],
        returns=_order_returns(summary, clock, effective_policy(merchant.policy)["returns"]),
        claims=_order_claims(summary, clock, "merchant"),
        plan=_plan(summary.plan, clock) if summary.plan else None,
        created_at=clock(order.created_at),
        updated_at=clock(order.updated_at),
    ).model_dump(mode="json")


# -- instalment plans -------------------------------------------------------------------------


def _fees(setup_fee: int, monthly_fee: int, total: int, currency: str) -> schemas.PlanFeesOut:
    return schemas.PlanFeesOut(
        setup_fee=_money(setup_fee, currency), monthly_fee=_money(monthly_fee, currency), total=_money(total, currency)
    )


def _instalment(row, currency: str, clock: _Clock) -> schemas.InstalmentOut:
    from portal.instalments.models import PAID_INSTALMENTS

    return schemas.InstalmentOut(
        number=row.number,
        due_date=row.due_on,
        principal=_money(row.principal, currency),
        interest=_money(row.interest, currency),
        fee=_money(row.fee, currency),
        amount=_money(row.amount, currency),
        status=row.status,
        paid=_money(row.amount_paid if row.status in PAID_INSTALMENTS else 0, currency),
        paid_at=clock(row.paid_at),
        failure=row.failure_message if row.status == "failed" else None,
    )


def _plan(plan, clock: _Clock) -> schemas.PlanOut:
    from portal.instalments.services import status_label as plan_status_label

    c = plan.currency
    following = plan.next_instalment
    return schemas.PlanOut(
        id=plan.id,
        number=plan.number,
        order_number=plan.order.number,
        status=plan.status,
        status_label=plan_status_label(plan.status),
        credit=_money(plan.credit, c),
        months=plan.months,
        nominal_rate=str(plan.nominal_rate),
        apr=str(plan.apr),
        fees=_fees(plan.setup_fee, plan.monthly_fee, plan.total_fees, c),
        total_interest=_money(plan.total_interest, c),
        total_payable=_money(plan.total_payable, c),
        card=plan.card_label or None,
        started_on=plan.started_on,
        withdrawal_until=plan.withdrawal_until,
        paid=_money(plan.paid, c),
        left=_money(plan.left, c),
        arrears=_money(plan.arrears, c),
        next_instalment=_instalment(following, c, clock) if following else None,
        instalments=[_instalment(row, c, clock) for row in plan.instalments],
        created_at=clock(plan.created_at),
    )


def plan(plan, merchant: Merchant) -> dict:
    return _plan(plan, _Clock(merchant)).model_dump(mode="json")


def plan_list(plans: list, next_cursor: str | None, merchant: Merchant) -> dict:
    clock = _Clock(merchant)
    return schemas.PlanListOut(plans=[_plan(p, clock) for p in plans], next=next_cursor).model_dump(mode="json")


def plan_created(plan, merchant: Merchant, next_step: dict) -> dict:
    return schemas.PlanCreatedOut(plan=_plan(plan, _Clock(merchant)), next=schemas.NextStepOut(**next_step)).model_dump(
        mode="json"
    )


def instalment_options(found) -> dict:
    """What the buyer may choose, each plan with its whole cost (``instalments.services.options``)."""
    from flask_babel import gettext

    from portal.i18n import current_language
    from portal.money import Money, format_percent

    c = found.currency
    plans = []
    for offer in found.offers:
        terms = offer.plan
        language = current_language()
        example = gettext(
            "Representative example: a credit of %(credit)s over %(months)s months at a fixed nominal rate of "
            "%(rate)s, with fees of %(fees)s, gives an APR of %(apr)s; %(months)s instalments, %(total)s payable "
            "in total.",
            credit=Money(terms.credit, c),
            months=offer.months,
            rate=format_percent(terms.nominal_rate, language),
            fees=Money(terms.total_fees, c),
            apr=format_percent(offer.apr, language),
            total=Money(terms.total_payable, c),
        )
        plans.append(
            schemas.InstalmentOptionOut(
                months=offer.months,
                instalment=_money(offer.instalment, c),
                first_instalment=_money(offer.first_instalment, c),
                first_due_date=offer.first_due_on,
                nominal_rate=str(terms.nominal_rate),
                fees=_fees(offer.setup_fee, offer.monthly_fee, terms.total_fees, c),
                total_interest=_money(terms.total_interest, c),
                apr=str(offer.apr),
                interest_free=offer.interest_free,
                credit=_money(terms.credit, c),
                total_cost=_money(terms.total_cost, c),
                total_payable=_money(terms.total_payable, c),
                refund_now=_money(offer.refund_now, c),
                schedule=[
                    schemas.ScheduledOut(number=row.number, due_date=row.due_on, amount=_money(row.amount, c))
                    for row in terms.instalments
                ],
                representative_example=example,
            )
        )
    return schemas.InstalmentOptionsOut(
        allowed=found.allowed, reason=found.reason, window_closes_on=found.window_closes_on, plans=plans
    ).model_dump(mode="json")


def shipment(shipment: Shipment, merchant: Merchant) -> dict:
    return _shipment(shipment, _Clock(merchant)).model_dump(mode="json")


def tracking_event(event: TrackingEvent, merchant: Merchant) -> dict:
    return _event(event, _Clock(merchant)).model_dump(mode="json")


# -- buyers ---------------------------------------------------------------------------------


def buyer_order(summary: OrderSummary) -> dict:
    """The order as its buyer sees it, with what they may do now and why not."""
    order = summary.order
    merchant = order.merchant
    clock = _Clock(merchant)
    returns_policy = effective_policy(merchant.policy)["returns"]
    payment = order.payment
    claim_options = _claim_options_of(summary)
    actions = {
        name: schemas.ActionOut(allowed=action.allowed, reason=action.reason)
        for name, action in buyer_actions(summary, claim_options=claim_options).items()
    }
    return schemas.BuyerOrderOut(
        number=order.number,
        placed_at=clock(order.placed_at),
        currency=order.currency,
        locale=order.locale,
        shop=schemas.ShopOut(
            slug=merchant.slug,
            name=merchant.name,
            support_email=merchant.support_email,
            support_phone=merchant.support_phone,
        ),
        customer=schemas.CustomerOut(email=order.customer.email, name=order.customer.name),
        items=[_item(item, order.currency) for item in order.items],
        shipping=_shipping(order),
        payment=schemas.BuyerPaymentOut(
            method=payment.method,
            method_label=payment_method_label(payment.method),
            captured=_money(payment.captured, payment.currency),
        )
        if payment
        else None,
        total=_money(order.total, order.currency),
        refunded=_money(summary.refunded, order.currency),
        money=schemas.BuyerMoneyOut(
            paid=_money(summary.money.paid, order.currency),
            refunded=_money(summary.money.refunded, order.currency),
            pending=_money(summary.money.pending, order.currency),
            store_credit_issued=_money(summary.money.store_credit_issued, order.currency),
        ),
        store_credit=_balances(summary.store_credit),
        refund_state=summary.refund_state,
        promised_delivery_date=order.promised_delivery_date,
        status=summary.status,
        status_label=status_label(summary.status),
        next_step=next_step(summary.status),
        late=summary.late,
        delivered_at=clock(order.delivered_at),
        shipments=[_shipment(shipment, clock) for shipment in order.shipments],
        timeline=[
            schemas.TimelineEntryOut(
                at=clock(entry.at),
                status=entry.status,
                label=entry.label,
                location=entry.location,
                description=entry.description,
                carrier=entry.carrier,
            )
            for entry in summary.timeline
        ],
        refunds=[_refund(refund, clock) for refund in summary.refunds],
        returns=_order_returns(summary, clock, returns_policy),
        return_options=_return_options(summary.return_options, order.currency, returns_policy),
        claims=_order_claims(summary, clock, "buyer"),
        claim_options=_claim_options(claim_options, order.currency),
        plan=_plan(summary.plan, clock) if summary.plan else None,
        actions=schemas.BuyerActionsOut(**actions),
    ).model_dump(mode="json", by_alias=True)


def buyer_order_list(orders: list[Order], merchant: Merchant, *, today: date) -> dict:
    """The buyer's orders at one shop, newest first, each with its status as of ``today``."""
    clock = _Clock(merchant)
    entries = []
    for order in orders:
        late = is_late(order.promised_delivery_date, order.delivery_status, today)
        status = buyer_status(order.delivery_status, late, order.cancelled_at is not None)
        entries.append(
            schemas.BuyerOrderSummaryOut(
                number=order.number,
                placed_at=clock(order.placed_at),
                status=status,
                status_label=status_label(status),
                late=late,
                total=_money(order.total, order.currency),
                promised_delivery_date=order.promised_delivery_date,
                delivered_at=clock(order.delivered_at),
            )
        )
    return schemas.BuyerOrderListOut(orders=entries).model_dump(mode="json")
