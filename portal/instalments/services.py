"""Switching a paid order to instalments, and running the plan until it is paid.

The flow:
1. ``options`` says whether the order qualifies and, for each length the shop offers, the whole
   cost before anything is accepted (``terms.schedule``: the first instalment due today, paid
   by keeping that much of the original payment).
2. ``start_plan`` records the accepted terms (plan ``awaiting_card``): nothing has moved yet.
3. ``prepare_card`` asks the provider to start saving a card (Stripe: a SetupIntent);
   ``save_card`` finishes it and ``_activate`` starts the plan in one transaction with the
   order locked: the first instalment is marked paid by the original payment, the rest of that
   payment is refunded through the ledger (source ``instalment_switch``, exactly once), and the
   agreement (PDF) is e-mailed.
4. ``charge_due`` (a scheduled job) charges due instalments off-session through the charge
   ledger, each with a key derived from the plan, the instalment and the attempt, so that a job
   run twice, or two at once, never charges twice; ``charge_outcome`` hears the answer (paid,
   or failed → the plan is in arrears and the buyer is asked to pay on the plan's page).
5. ``pay_overdue`` (on-session, the buyer on the page) and ``pay_off`` (the rest early, with
   interest only for the days the credit was used; within the 14-day withdrawal period the
   fees are not charged either) go through the same ledger.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from flask_babel import lazy_gettext as _l
from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.actors import Actor
from portal.audit import services as audit
from portal.db import lock_one, new_id, unit_of_work, utcnow
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.extensions import db
from portal.instalments import terms
from portal.instalments.models import (
    OPEN_INSTALMENTS,
    RUNNING_STATUSES,
    Instalment,
    InstalmentPlan,
    InstalmentStatus,
    PlanStatus,
)
from portal.merchants.policy import effective_policy
from portal.money import Money
from portal.orders.models import Order
from portal.orders.schemas import Strict
from portal.orders.services import delivered_on, mark_changed, merchant_today
from portal.pagination import decode_cursor, encode_cursor
from portal.payments import charges as charge_ledger
from portal.payments import services as ledger
from portal.payments.models import Charge, Refund
from portal.payments.providers import CardSetup, get_provider
from portal.validation import parse

PAYABLE_METHODS = ("card", "bank")
WITHDRAWAL_DAYS = 14
REMIND_DAYS_BEFORE = 3

STATUS_LABELS = {
    "awaiting_card": _l("Waiting for a card"),
    "active": _l("Active"),
    "in_arrears": _l("In arrears"),
    "paid_off": _l("Paid off"),
    "cancelled": _l("Cancelled"),
}
INSTALMENT_STATUS_LABELS = {
    "scheduled": _l("Scheduled"),
    "charging": _l("Being charged"),
    "paid": _l("Paid"),
    "failed": _l("Not paid"),
    "settled_early": _l("Settled early"),
}
# Why a card could not be charged or saved, said for the buyer.
_DECLINED = _l("The card was declined.")
FAILURES = {
    "card_declined": _DECLINED,
    "generic_decline": _DECLINED,
    "do_not_honor": _DECLINED,
    "lost_card": _DECLINED,
    "stolen_card": _DECLINED,
    "fraudulent": _DECLINED,
    "insufficient_funds": _l("The card has insufficient funds."),
    "expired_card": _l("The card has expired."),
    "expired_or_canceled_card": _l("The card has expired or was cancelled."),
    "authentication_required": _l("Your bank wants you to confirm the payment yourself."),
    "not_confirmed": _l("The payment was not confirmed in time."),
    "incorrect_number": _l("The card number is not valid. Check it and try again."),
    "no_saved_card": _l("No card is saved for this plan."),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def instalment_status_label(status: str) -> str:
    return str(INSTALMENT_STATUS_LABELS.get(status, status))


def failure_text(code: str | None) -> str:
    return str(FAILURES.get(code or "", _l("The card could not be charged.")))


# -- the offer ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    """One plan length as the buyer sees it before accepting."""

    months: int
    plan: terms.Plan
    monthly_fee: int
    setup_fee: int

    @property
    def instalment(self) -> int:
        """The regular instalment (the second one; the first may carry the set-up fee)."""
        return self.plan.instalments[1 if self.months > 1 else 0].amount

    @property
    def first_instalment(self) -> int:
        return self.plan.instalments[0].amount

    @property
    def last_instalment(self) -> int:
        return self.plan.instalments[-1].amount

    @property
    def first_due_on(self) -> date:
        return self.plan.instalments[0].due_on

    @property
    def next_due_on(self) -> date:
        return self.plan.instalments[1 if self.months > 1 else 0].due_on

    @property
    def apr(self) -> Decimal:
        return self.plan.apr

    @property
    def interest_free(self) -> bool:
        """Said only when nothing at all is added: an APR of 0 %."""
        return self.apr == 0

    @property
    def refund_now(self) -> int:
        """What goes back to the original payment when the plan starts."""
        return self.plan.credit - self.first_instalment


@dataclass
class PlanOptions:
    allowed: bool
    reason: str | None
    currency: str
    credit: int
    offers: list[Offer] = field(default_factory=list)
    window_closes_on: date | None = None
    plan: InstalmentPlan | None = None  # the order's live plan, if any
    terms: dict = field(default_factory=dict)

    def offer(self, months: int) -> Offer | None:
        return next((o for o in self.offers if o.months == months), None)


def plan_of_order(order_id: str) -> InstalmentPlan | None:
    """The order's live plan (awaiting a card, active or in arrears), else its last paid-off one."""
    plans = list(
        db.session.scalars(
            select(InstalmentPlan).where(InstalmentPlan.order_id == order_id).order_by(InstalmentPlan.created_at.desc())
        )
    )
    return next((p for p in plans if p.live), None) or next(
        (p for p in plans if p.status == PlanStatus.PAID_OFF.value), None
    )


def options(
    order: Order,
    *,
    now: datetime | None = None,
    plan: InstalmentPlan | None | bool = False,
    refunds: list[Refund] | None = None,
    returns: list | None = None,
    claims: list | None = None,
) -> PlanOptions:
    """Whether the order may switch to instalments now, and every plan on offer, in full.

    ``refunds``, ``returns`` and ``claims``: the order's, when the caller has read them already."""
    merchant = order.merchant
    rules = effective_policy(merchant.policy)["instalments"]
    currency = order.currency
    credit = order.payment.total_paid if order.payment else 0
    if plan is False:
        plan = plan_of_order(order.id)

    def refused(reason) -> PlanOptions:
        return PlanOptions(False, str(reason), currency, credit, plan=plan, terms=rules)

    if not rules["enabled"]:
        return refused(_l("The shop does not offer instalments."))
    if plan is not None and plan.status in RUNNING_STATUSES:
        return refused(_l("This order is already paid in instalments."))
    if plan is not None and plan.status == PlanStatus.PAID_OFF.value:
        return refused(_l("This order's instalment plan has been paid off."))
    if order.cancelled_at is not None:
        return refused(_l("The order was cancelled."))
    if order.payment is None or credit <= 0:
        return refused(_l("Nothing was paid for this order."))
    if order.payment.method not in PAYABLE_METHODS:
        return refused(_l("Only orders paid in full by card or online bank can be switched to instalments."))
    if order.payment.charged:
        return refused(_l("The order has later payments on it, so it cannot be switched to instalments."))
    if refunds is not None:
        refunded = any(r.status in ledger.COUNTED for r in refunds)
    else:
        refunded = db.session.scalar(
            select(func.count(Refund.id)).where(Refund.order_id == order.id, Refund.status.in_(ledger.COUNTED))
        )
    if refunded:
        return refused(_l("Part of the payment has been refunded, so the order cannot be switched to instalments."))
    if _open_return_or_claim(order.id, returns, claims):
        return refused(_l("A return or a claim is open on this order. Instalments can be chosen once it is settled."))
    if credit < rules["min_amount"]:
        return refused(
            _l("Instalments are offered for orders of %(amount)s or more.", amount=Money(rules["min_amount"], currency))
        )
    if credit > rules["max_amount"]:
        return refused(
            _l("Instalments are offered for orders of up to %(amount)s.", amount=Money(rules["max_amount"], currency))
        )
    today = merchant_today(merchant, now)
    delivered = delivered_on(order)
    closes = delivered + timedelta(days=int(rules["window_days"])) if delivered else None
    if closes is not None and today > closes:
        return refused(_l("The time to switch this order to instalments ended on %(date)s.", date=_day(closes)))
    offers = []
    for months in sorted(set(rules["months"])):
        plan_terms = terms.schedule(
            credit,
            months,
            rules["nominal_rate"],
            first_due_on=today,
            monthly_fee=rules["monthly_fee"],
            setup_fee=rules["setup_fee"],
            in_advance=True,
        )
        if terms.other_costs_problems(credit, months, rules["monthly_fee"], rules["setup_fee"]):
            continue  # the fees would break the legal caps on an order of this size
        offers.append(Offer(months, plan_terms, rules["monthly_fee"], rules["setup_fee"]))
    if not offers:
        return refused(_l("No instalment plan fits this order's amount."))
    return PlanOptions(True, None, currency, credit, offers, closes, plan, rules)


def _day(value: date) -> str:
    from flask_babel import format_date

    return format_date(value, "long")


def _open_return_or_claim(order_id: str, returns: list | None = None, claims: list | None = None) -> bool:
    from portal.claims.models import LIVE_STATUSES as LIVE_CLAIMS
    from portal.claims.models import Claim
    from portal.returns.models import OPEN_STATUSES, ReturnRequest

    if returns is not None and claims is not None:
        return any(r.status in OPEN_STATUSES for r in returns) or any(c.status in LIVE_CLAIMS for c in claims)
    open_return = db.session.scalar(
        select(func.count(ReturnRequest.id)).where(
            ReturnRequest.order_id == order_id, ReturnRequest.status.in_(OPEN_STATUSES)
        )
    )
    open_claim = db.session.scalar(
        select(func.count(Claim.id)).where(Claim.order_id == order_id, Claim.status.in_(LIVE_CLAIMS))
    )
    return bool(open_return or open_claim)


# -- accepting ---------------------------------------------------------------------------------


class PlanIn(Strict):
    months: Annotated[int, Field(ge=1, le=120, strict=True)]
    accept_terms: Annotated[bool, Field(strict=True)] = False


def start_plan(order: Order, document: object, actor: Actor, *, now: datetime | None = None) -> InstalmentPlan:
    """The buyer accepts a plan's terms: the plan is recorded, waiting for a card; no money moves."""
    chosen = parse(PlanIn, document)
    if not chosen.accept_terms:
        raise ValidationFailed(fields={"accept_terms": [_l("Please read the terms and tick the box to accept them.")]})
    now = now or utcnow()
    with unit_of_work():
        locked = lock_one(Order, order.id, merchant_id=order.merchant_id)
        if locked is None:
            raise NotFound()
        existing = plan_of_order(locked.id)
        found = options(locked, now=now, plan=existing)
        if not found.allowed:
            raise Conflict(found.reason, code="instalments_not_available")
        offer = found.offer(chosen.months)
        if offer is None:
            months = ", ".join(str(o.months) for o in found.offers)
            raise ValidationFailed(
                fields={"months": [_l("Choose one of the plans offered: %(months)s months.", months=months)]}
            )
        if existing is not None and existing.status == PlanStatus.AWAITING_CARD.value:
            existing.status = PlanStatus.CANCELLED.value  # replaced by the new choice
            existing.cancelled_at = now
            existing.updated_at = now
        count = db.session.scalar(select(func.count(InstalmentPlan.id)).where(InstalmentPlan.order_id == locked.id))
        plan_terms = offer.plan
        plan = InstalmentPlan(
            id=new_id("pln"),
            merchant_id=locked.merchant_id,
            order_id=locked.id,
            customer_id=locked.customer_id,
            number=f"{locked.number}-IP{count + 1}",
            status=PlanStatus.AWAITING_CARD.value,
            currency=locked.currency,
            credit=plan_terms.credit,
            months=offer.months,
            nominal_rate=plan_terms.nominal_rate,
            monthly_fee=offer.monthly_fee,
            setup_fee=offer.setup_fee,
            total_interest=plan_terms.total_interest,
            total_fees=plan_terms.total_fees,
            total_payable=plan_terms.total_payable,
            apr=plan_terms.apr,
            provider=locked.payment.provider,
            terms_accepted_at=now,
            terms_accepted_ip=(actor.ip or "")[:64],
            created_at=now,
            updated_at=now,
        )
        plan.instalments = [
            Instalment(
                id=new_id("ins"),
                number=i.number,
                due_on=i.due_on,
                principal=i.principal,
                interest=i.interest,
                fee=i.fee,
                amount=i.amount,
            )
            for i in plan_terms.instalments
        ]
        db.session.add(plan)
        db.session.flush()
        audit.record(
            actor,
            "instalment_plan.terms_accepted",
            "instalment_plan",
            plan.id,
            merchant_id=locked.merchant_id,
            after={"order": locked.number, "months": offer.months, "apr": str(plan.apr), "total": plan.total_payable},
        )
        mark_changed(locked)
    return plan


def get_plan(plan_id: str, *, merchant_id: str | None = None, customer_id: str | None = None) -> InstalmentPlan:
    plan = db.session.get(InstalmentPlan, plan_id)
    if plan is None or (merchant_id and plan.merchant_id != merchant_id):
        raise NotFound()
    if customer_id and plan.customer_id != customer_id:
        raise NotFound()
    return plan


def prepare_card(plan: InstalmentPlan) -> InstalmentPlan:
    """Ask the provider to start saving a card for the plan (once; Stripe: a SetupIntent)."""
    if plan.status != PlanStatus.AWAITING_CARD.value or plan.setup_reference:
        return plan
    order = plan.order
    plan_id = plan.id
    request = {
        "idempotency_key": f"{plan.id}-setup",
        "email": order.customer.email,
        "payment_reference": order.payment.reference if order.payment else "",
        "metadata": {"apuri_plan_id": plan.id, "order_number": order.number},
    }
    provider = get_provider(plan.provider)
    db.session.rollback()  # no transaction while waiting for the provider
    setup = provider.begin_card_setup(**request)  # ProviderUnavailable: the page says try again
    with unit_of_work():
        plan = lock_one(InstalmentPlan, plan_id)
        if plan.setup_reference is None:
            plan.setup_reference = setup.reference
            plan.setup_secret = setup.client_secret
            plan.customer_reference = setup.customer
            plan.updated_at = utcnow()
    return plan


class CardIn(Strict):
    card_number: Annotated[str, Field(max_length=40)] | None = None


def save_card(
    plan: InstalmentPlan, actor: Actor, *, card_number: str | None = None, now: datetime | None = None
) -> InstalmentPlan:
    """Finish saving the card; when it is saved, the plan starts (``_activate``)."""
    if plan.status != PlanStatus.AWAITING_CARD.value:
        if plan.status == PlanStatus.CANCELLED.value:
            raise Conflict(_l("This plan was replaced or cancelled. Choose a plan again."), code="plan_cancelled")
        return plan  # already started: a double click, a reload
    if not plan.setup_reference:
        plan = prepare_card(plan)
    plan_id, reference = plan.id, plan.setup_reference
    provider = get_provider(plan.provider)
    db.session.rollback()
    setup = provider.finish_card_setup(reference=reference, card_number=card_number)
    plan = db.session.get(InstalmentPlan, plan_id)
    if setup.status == "failed":
        raise ValidationFailed(fields={"card": [failure_text(setup.failure_code or "card_declined")]})
    if setup.status != "succeeded" or not setup.payment_method:
        raise Conflict(
            _l("The card is not saved yet. Finish the step your bank asks for, then continue."),
            code="card_not_saved",
        )
    return _activate(plan, setup, actor, now=now)


def _activate(plan: InstalmentPlan, setup: CardSetup, actor: Actor, *, now: datetime | None) -> InstalmentPlan:
    from portal.notifications.services import queue_email

    now = now or utcnow()
    with unit_of_work() as uow:
        order = lock_one(Order, plan.order_id)
        plan = lock_one(InstalmentPlan, plan.id)
        if plan.status != PlanStatus.AWAITING_CARD.value:
            return plan
        found = options(order, now=now, plan=plan)
        if not found.allowed or found.credit != plan.credit:
            plan.status = PlanStatus.CANCELLED.value
            plan.cancelled_at = now
            raise Conflict(
                found.reason or _l("The order changed after the terms were given. Please choose a plan again."),
                code="instalments_not_available",
            )
        today = merchant_today(order.merchant, now)
        for instalment in plan.instalments:  # the schedule counts from the day the plan starts
            instalment.due_on = terms.add_months(today, instalment.number - 1)
        first = plan.instalments[0]
        first.status = InstalmentStatus.PAID.value
        first.paid_by = "original_payment"
        first.amount_paid = first.amount
        first.paid_at = now
        plan.status = PlanStatus.ACTIVE.value if plan.months > 1 else PlanStatus.PAID_OFF.value
        plan.customer_reference = setup.customer or plan.customer_reference
        plan.payment_method = setup.payment_method
        plan.card_label = setup.card_label[:100]
        plan.started_on = today
        plan.withdrawal_until = today + timedelta(days=WITHDRAWAL_DAYS)
        plan.updated_at = now
        back = plan.credit - first.amount
        if back > 0:
            refund = ledger.request_refund(
                order,
                back,
                "instalment_switch",
                f"Instalment plan {plan.number}: the payment refunded down to the first instalment",
                actor,
                source_id=plan.id,
            )
            plan.switch_refund_id = refund.id
        audit.record(
            actor,
            "instalment_plan.started",
            "instalment_plan",
            plan.id,
            merchant_id=plan.merchant_id,
            after={"order": order.number, "refund": back, "card": plan.card_label, "months": plan.months},
        )
        queue_email(
            uow,
            kind="instalment_agreement",
            recipient=order.customer.email,
            locale=order.locale,
            merchant_id=plan.merchant_id,
            dedupe_key=f"instalment_agreement:{plan.id}",
            context=_mail_context(plan, order),
            attachments=[{"kind": "instalment_agreement", "id": plan.id}],
        )
        mark_changed(order)
    return plan


def cancel_pending(plan: InstalmentPlan, actor: Actor) -> InstalmentPlan:
    """The buyer leaves before saving a card: nothing moved, the order stays paid in full."""
    with unit_of_work():
        order = lock_one(Order, plan.order_id)
        plan = lock_one(InstalmentPlan, plan.id)
        if plan.status != PlanStatus.AWAITING_CARD.value:
            return plan
        plan.status = PlanStatus.CANCELLED.value
        plan.cancelled_at = plan.updated_at = utcnow()
        audit.record(actor, "instalment_plan.cancelled", "instalment_plan", plan.id, merchant_id=plan.merchant_id)
        mark_changed(order)
    return plan


# -- charging ----------------------------------------------------------------------------------


def instalment_key(plan_id: str, number: int, attempt: int) -> str:
    """The provider's idempotency key for an instalment's attempt: the same every time it is asked."""
    return f"{plan_id}-i{number}-a{attempt}"


def charge_due(now: datetime | None = None) -> int:
    """Job: charge every instalment due by today (in its shop's time zone) off-session.

    Safe to run twice or twice at once: each instalment is decided under its order's and plan's
    locks, only from ``scheduled``, and its key (plan, number, attempt) is unique in the ledger.
    """
    now = now or utcnow()
    horizon = now.date() + timedelta(days=1)  # no shop is more than a day ahead of UTC
    due = db.session.execute(
        select(Instalment.id, InstalmentPlan.order_id)
        .join(InstalmentPlan, Instalment.plan_id == InstalmentPlan.id)
        .where(
            Instalment.status == InstalmentStatus.SCHEDULED.value,
            Instalment.due_on <= horizon,
            InstalmentPlan.status.in_(RUNNING_STATUSES),
        )
        .order_by(Instalment.due_on, Instalment.id)
    ).all()
    db.session.rollback()
    sent = 0
    for instalment_id, order_id in due:
        try:
            charge_id = _decide_instalment_charge(instalment_id, order_id, now)
        except IntegrityError:  # the same key decided elsewhere at the same moment
            db.session.rollback()
            continue
        if charge_id is not None:
            sent += 1
    return sent


def _decide_instalment_charge(instalment_id: str, order_id: str, now: datetime) -> str | None:
    with unit_of_work():
        order = lock_one(Order, order_id)
        instalment = db.session.get(Instalment, instalment_id)
        plan = lock_one(InstalmentPlan, instalment.plan_id)
        db.session.refresh(instalment)
        if plan.status not in RUNNING_STATUSES or instalment.status != InstalmentStatus.SCHEDULED.value:
            return None
        if instalment.due_on > merchant_today(order.merchant, now):
            return None
        instalment.attempts += 1
        charge = charge_ledger.request_charge(
            order,
            instalment.amount,
            "instalment",
            f"Instalment {instalment.number}/{plan.months} of plan {plan.number}",
            Actor.system("instalments"),
            source_id=plan.id,
            idempotency_key=instalment_key(plan.id, instalment.number, instalment.attempts),
            customer_reference=plan.customer_reference,
            payment_method=plan.payment_method,
        )
        instalment.status = InstalmentStatus.CHARGING.value
        instalment.charge_id = charge.id
        instalment.amount_paid = instalment.amount
        plan.updated_at = now
        return charge.id


def charge_outcome(charge: Charge) -> None:
    """The ledger's answer for a charge made for a plan (called in the unit of work recording it,
    with the order locked): the instalments it paid, or the arrears and a word to the buyer."""
    from portal.notifications.services import queue_email

    covered = list(db.session.scalars(select(Instalment).where(Instalment.charge_id == charge.id)))
    if not covered:
        return
    plan = lock_one(InstalmentPlan, covered[0].plan_id)
    now = utcnow()
    for instalment in covered:
        if instalment.status != InstalmentStatus.CHARGING.value:
            continue
        if charge.status == "succeeded":
            early = instalment.amount_paid != instalment.amount
            instalment.status = (InstalmentStatus.SETTLED_EARLY if early else InstalmentStatus.PAID).value
            instalment.paid_by = charge.id
            instalment.paid_at = now
            instalment.failure_message = None
        else:
            # Back to what it was: an instalment never charged before stays scheduled (a failed
            # early settlement), one that was due is unpaid.
            due = instalment.attempts > 0
            instalment.status = (InstalmentStatus.FAILED if due else InstalmentStatus.SCHEDULED).value
            instalment.amount_paid = 0
            if due:
                instalment.failure_message = failure_text(charge.failure_code)[:500]
    order = charge.order
    with unit_of_work() as uow:
        if charge.status == "succeeded":
            if not any(i.status in OPEN_INSTALMENTS for i in plan.instalments):
                plan.status = PlanStatus.PAID_OFF.value
                plan.paid_off_at = now
                queue_email(
                    uow,
                    kind="instalment_paid_off",
                    recipient=order.customer.email,
                    locale=order.locale,
                    merchant_id=plan.merchant_id,
                    dedupe_key=f"instalment_paid_off:{plan.id}",
                    context=_mail_context(plan, order),
                )
            elif not plan.overdue:
                plan.status = PlanStatus.ACTIVE.value
        elif plan.overdue:
            plan.status = PlanStatus.IN_ARREARS.value
            if charge.mode == "off_session":  # on the page the buyer sees it at once
                queue_email(
                    uow,
                    kind="instalment_failed",
                    recipient=order.customer.email,
                    locale=order.locale,
                    merchant_id=plan.merchant_id,
                    dedupe_key=f"instalment_failed:{charge.id}",
                    context={**_mail_context(plan, order), "reason": failure_text(charge.failure_code)},
                )
        plan.updated_at = now
        audit.record(
            Actor.system("instalments"),
            f"instalment_plan.charge_{charge.status}",
            "instalment_plan",
            plan.id,
            merchant_id=plan.merchant_id,
            after={"charge": charge.id, "amount": charge.amount, "status": plan.status},
        )


def _on_session_charge(
    plan: InstalmentPlan, kind: str, actor: Actor, *, payment_method: str | None = None, now=None
) -> Charge:
    """Decide one on-session charge under the order's and plan's locks and send it now: ``arrears``
    (the unpaid instalments) or ``payoff`` (the rest of the plan, as ``payoff_quote`` says)."""
    with unit_of_work():
        order = lock_one(Order, plan.order_id)
        plan = lock_one(InstalmentPlan, plan.id)
        db.session.refresh(plan, ["instalments"])
        if plan.status not in RUNNING_STATUSES:
            raise Conflict(_l("This plan has changed meanwhile. Please look at it again."), code="plan_changed")
        if kind == "arrears":
            overdue = plan.overdue
            if not overdue:
                raise Conflict(_l("Nothing is overdue on this plan."), code="nothing_overdue")
            attempt = max(i.attempts for i in overdue) + 1
            for row in overdue:
                row.attempts = attempt
            covered = {i.id: i.amount for i in overdue}
            key = f"{plan.id}-arrears-{'-'.join(str(i.number) for i in overdue)}-a{attempt}"
            reason = f"Overdue instalments of plan {plan.number}"
        else:
            quote = payoff_quote(plan, now=now)
            if quote is None:
                raise Conflict(
                    _l(
                        "The plan cannot be paid off right now. If a payment is on its way, "
                        "try again once it is recorded."
                    ),
                    code="payoff_unavailable",
                )
            plan.payoff_attempts += 1
            covered = quote.covered
            key = f"{plan.id}-payoff-{plan.payoff_attempts}"
            reason = f"Plan {plan.number} paid off early"
        rows = {i.id: i for i in plan.instalments}
        charge = charge_ledger.request_charge(
            order,
            sum(covered.values()),
            "instalment",
            reason,
            actor,
            source_id=plan.id,
            idempotency_key=key,
            customer_reference=plan.customer_reference,
            payment_method=payment_method or plan.payment_method,
            on_session=True,
            send=False,
        )
        for instalment_id, amount in covered.items():
            row = rows[instalment_id]
            row.status = InstalmentStatus.CHARGING.value
            row.charge_id = charge.id
            row.amount_paid = amount
        charge_id = charge.id
    return charge_ledger.execute_charge(charge_id)


def pay_overdue(plan: InstalmentPlan, actor: Actor, *, card_number: str | None = None) -> Charge:
    """The buyer pays the unpaid instalments on the plan's page, with the saved card or a new one
    (which then pays the rest of the plan too)."""
    if not plan.overdue:
        raise Conflict(_l("Nothing is overdue on this plan."), code="nothing_overdue")
    payment_method = _new_card(plan, card_number, actor) if card_number else None
    return _on_session_charge(plan, "arrears", actor, payment_method=payment_method)


def _new_card(plan: InstalmentPlan, card_number: str, actor: Actor) -> str:
    """A card the buyer typed on the page (the simulated provider's form) replaces the saved one."""
    provider = get_provider(plan.provider)
    setup = provider.finish_card_setup(reference=f"{plan.id}-card-{utcnow().timestamp():.0f}", card_number=card_number)
    if setup.status != "succeeded" or not setup.payment_method:
        raise ValidationFailed(fields={"card": [failure_text(setup.failure_code or "card_declined")]})
    with unit_of_work():
        locked = lock_one(InstalmentPlan, plan.id)
        locked.payment_method = setup.payment_method
        locked.customer_reference = setup.customer or locked.customer_reference
        locked.card_label = setup.card_label[:100]
        audit.record(
            actor,
            "instalment_plan.card_changed",
            "instalment_plan",
            plan.id,
            merchant_id=plan.merchant_id,
            after={"card": setup.card_label},
        )
    return setup.payment_method


def refresh_payment(plan: InstalmentPlan) -> Charge | None:
    """After the buyer confirmed a payment with their bank: ask the provider where it stands."""
    pending = db.session.scalar(
        select(Charge).where(Charge.source_id == plan.id, Charge.status == "pending", Charge.mode == "on_session")
    )
    if pending is None:
        return None
    return charge_ledger.refresh_charge(pending.id)


def pending_payment(plan: InstalmentPlan) -> Charge | None:
    """An on-session payment waiting for the buyer's confirmation with their bank."""
    return db.session.scalar(
        select(Charge).where(
            Charge.source_id == plan.id,
            Charge.status == "pending",
            Charge.mode == "on_session",
            Charge.client_secret.is_not(None),
        )
    )


# -- paying the rest early ---------------------------------------------------------------------


@dataclass(frozen=True)
class Payoff:
    """What paying the rest today costs, and what it saves against the schedule."""

    amount: int
    scheduled: int  # what the open instalments would have cost
    interest: int  # interest for the days since the last due date
    fees_returned: int  # within the withdrawal period: the fees already paid, taken off
    withdrawal: bool
    covered: dict[str, int]  # instalment id → the part of the amount that settles it

    @property
    def saving(self) -> int:
        return self.scheduled - self.amount


def payoff_quote(plan: InstalmentPlan, *, now: datetime | None = None) -> Payoff | None:
    """The rest of the plan settled today: the principal still owed, the overdue instalments in
    full, interest only for the days since the last due date (no later fees). Within the 14-day
    withdrawal period the buyer pays the credit and the interest for the days used, and the
    fees already paid are taken off."""
    if plan.status not in RUNNING_STATUSES:
        return None
    rows = plan.instalments
    if any(i.status == InstalmentStatus.CHARGING.value for i in rows):
        return None
    open_rows = [i for i in rows if i.status in (InstalmentStatus.SCHEDULED.value, InstalmentStatus.FAILED.value)]
    if not open_rows:
        return None
    today = merchant_today(plan.order.merchant, now)
    withdrawal = plan.withdrawal_until is not None and today <= plan.withdrawal_until
    covered: dict[str, int] = {}
    for row in open_rows:
        overdue = row.status == InstalmentStatus.FAILED.value
        covered[row.id] = row.principal + ((row.interest + (0 if withdrawal else row.fee)) if overdue else 0)
    scheduled_open = [r for r in open_rows if r.status == InstalmentStatus.SCHEDULED.value]
    interest = 0
    if scheduled_open:
        outstanding = sum(r.principal for r in scheduled_open)
        passed = [r.due_on for r in rows if r.due_on <= today]
        since = max(passed) if passed else plan.started_on or today
        days = (today - since).days
        rate = Decimal(plan.nominal_rate) / 100
        interest = int((Decimal(outstanding) * rate * days / 365).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        covered[scheduled_open[0].id] += interest
    fees_returned = 0
    if withdrawal:
        fees_returned = sum(r.fee for r in rows if r.status == InstalmentStatus.PAID.value)
        first = open_rows[0].id
        fees_returned = min(fees_returned, covered[first])
        covered[first] -= fees_returned
    return Payoff(
        amount=sum(covered.values()),
        scheduled=sum(r.amount for r in open_rows),
        interest=interest,
        fees_returned=fees_returned,
        withdrawal=withdrawal,
        covered=covered,
    )


def pay_off(plan: InstalmentPlan, actor: Actor, *, card_number: str | None = None, now=None) -> Charge:
    """The buyer pays the rest of the plan now, at the price ``payoff_quote`` showed."""
    if payoff_quote(plan, now=now) is None:
        raise Conflict(
            _l("The plan cannot be paid off right now. If a payment is on its way, try again once it is recorded."),
            code="payoff_unavailable",
        )
    payment_method = _new_card(plan, card_number, actor) if card_number else None
    return _on_session_charge(plan, "payoff", actor, payment_method=payment_method, now=now)


# -- reminders ---------------------------------------------------------------------------------


def send_reminders(now: datetime | None = None) -> int:
    """Job: an e-mail a few days before each instalment is charged, once."""
    from portal.notifications.services import queue_email

    now = now or utcnow()
    start, end = now.date(), now.date() + timedelta(days=REMIND_DAYS_BEFORE + 1)
    rows = list(
        db.session.scalars(
            select(Instalment)
            .join(InstalmentPlan, Instalment.plan_id == InstalmentPlan.id)
            .where(
                Instalment.status == InstalmentStatus.SCHEDULED.value,
                Instalment.reminded_at.is_(None),
                Instalment.due_on > start,
                Instalment.due_on <= end,
                InstalmentPlan.status.in_(RUNNING_STATUSES),
            )
        )
    )
    sent = 0
    for row in rows:
        order = row.plan.order
        days = (row.due_on - merchant_today(order.merchant, now)).days
        if days < 1 or days > REMIND_DAYS_BEFORE:
            continue
        with unit_of_work() as uow:
            row.reminded_at = now
            queue_email(
                uow,
                kind="instalment_reminder",
                recipient=order.customer.email,
                locale=order.locale,
                merchant_id=order.merchant_id,
                dedupe_key=f"instalment_reminder:{row.id}",
                context={**_mail_context(row.plan, order), "instalment": row},
            )
        sent += 1
    return sent


def _mail_context(plan: InstalmentPlan, order: Order) -> dict:
    from portal.buyers.access import order_link

    return {"plan": plan, "order": order, "merchant": order.merchant, "link": order_link(order)}


# -- the shop's view ---------------------------------------------------------------------------


@dataclass
class PlanPage:
    plans: list[InstalmentPlan]
    next_cursor: str | None


def list_plans(merchant_id: str, *, status: str = "", cursor: str | None = None, limit: int = 25) -> PlanPage:
    """The shop's plans, newest first (keyset pages); ``status`` filters (``in_arrears`` …)."""
    query = select(InstalmentPlan).where(InstalmentPlan.merchant_id == merchant_id)
    if status:
        query = query.where(InstalmentPlan.status == status)
    else:
        query = query.where(InstalmentPlan.status != PlanStatus.CANCELLED.value)
    position = decode_cursor(cursor) if cursor else None
    if position is not None:
        at, plan_id = position
        query = query.where(
            (InstalmentPlan.created_at < at) | ((InstalmentPlan.created_at == at) & (InstalmentPlan.id < plan_id))
        )
    rows = list(
        db.session.scalars(query.order_by(InstalmentPlan.created_at.desc(), InstalmentPlan.id.desc()).limit(limit + 1))
    )
    next_cursor = encode_cursor(rows[limit - 1].created_at, rows[limit - 1].id) if len(rows) > limit else None
    return PlanPage(rows[:limit], next_cursor)


def plans_of_customer(customer_id: str) -> list[InstalmentPlan]:
    return list(
        db.session.scalars(
            select(InstalmentPlan)
            .where(InstalmentPlan.customer_id == customer_id, InstalmentPlan.status != PlanStatus.CANCELLED.value)
            .order_by(InstalmentPlan.created_at.desc())
        )
    )
