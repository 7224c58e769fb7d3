"""Pure rules about an order's progress: lateness, the buyer-facing status, the timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from portal.orders.models import TrackingStatus

# How far along each status is; the order shows the furthest one across its shipments.
PROGRESS = {
    TrackingStatus.PENDING: 0,
    TrackingStatus.INFO_RECEIVED: 1,
    TrackingStatus.IN_TRANSIT: 2,
    TrackingStatus.EXCEPTION: 2,
    TrackingStatus.EXPIRED: 2,
    TrackingStatus.ATTEMPT_FAIL: 3,
    TrackingStatus.OUT_FOR_DELIVERY: 3,
    TrackingStatus.AVAILABLE_FOR_PICKUP: 4,
    TrackingStatus.DELIVERED: 5,
}

STATUS_LABELS = {
    "paid": _l("Paid, being prepared"),
    TrackingStatus.PENDING: _l("Shipment created"),
    TrackingStatus.INFO_RECEIVED: _l("Carrier has the parcel details"),
    TrackingStatus.IN_TRANSIT: _l("On its way"),
    TrackingStatus.OUT_FOR_DELIVERY: _l("Out for delivery"),
    TrackingStatus.ATTEMPT_FAIL: _l("Delivery attempt failed"),
    TrackingStatus.AVAILABLE_FOR_PICKUP: _l("Ready for pickup"),
    TrackingStatus.DELIVERED: _l("Delivered"),
    TrackingStatus.EXCEPTION: _l("Delivery problem"),
    TrackingStatus.EXPIRED: _l("Tracking expired"),
    "late": _l("Late"),
    "partly_refunded": _l("Partly refunded"),
    "refunded": _l("Refunded"),
    "cancelled": _l("Cancelled"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def furthest_status(statuses: list[str]) -> str | None:
    known = [TrackingStatus(s) for s in statuses if s in TrackingStatus._value2member_map_]
    if not known:
        return None
    return max(known, key=lambda s: PROGRESS[s]).value


def shipment_status_after(current: str, new: str) -> str:
    """A shipment shows its newest event's status, but nothing moves it back from delivered."""
    if current == TrackingStatus.DELIVERED.value:
        return current
    return new


def is_late(promised: date | None, delivery_status: str | None, today: date) -> bool:
    """Late: the promised date has passed and the parcel has not been delivered or picked up."""
    if promised is None or delivery_status == TrackingStatus.DELIVERED.value:
        return False
    return today > promised


def buyer_status(delivery_status: str | None, late: bool, cancelled: bool = False) -> str:
    if cancelled:
        return "cancelled"
    if late:
        return "late"
    return delivery_status or "paid"


def refund_state(refunded: int, captured: int) -> str | None:
    if refunded <= 0:
        return None
    return "refunded" if refunded >= captured else "partly_refunded"


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    status: str
    label: str
    location: str | None = None
    description: str | None = None
    carrier: str | None = None


NEXT_STEP = {
    "paid": _l("The shop is preparing your order. You will get an e-mail with the tracking number when it ships."),
    TrackingStatus.PENDING: _l("The shop has packed your order. The carrier picks it up soon; tracking starts then."),
    TrackingStatus.INFO_RECEIVED: _l("The carrier has the parcel details and will pick the parcel up soon."),
    TrackingStatus.IN_TRANSIT: _l(
        "Your parcel is on its way. Nothing is needed from you; we e-mail you when it arrives."
    ),
    TrackingStatus.OUT_FOR_DELIVERY: _l(
        "Your parcel will be delivered today. Keep your phone at hand for the courier."
    ),
    TrackingStatus.ATTEMPT_FAIL: _l(
        "The carrier could not deliver the parcel. Follow the carrier's notice to arrange a new delivery or pick it up."
    ),
    TrackingStatus.AVAILABLE_FOR_PICKUP: _l("Your parcel is waiting for you at the pickup point. Take an ID with you."),
    TrackingStatus.DELIVERED: _l(
        "Your order has been delivered. You can return or exchange items below; if something is wrong with it, "
        "you keep your rights as a buyer."
    ),
    "cancelled": _l(
        "The order was cancelled. The payment goes back to you; banks usually show it within 3–5 working days."
    ),
    TrackingStatus.EXCEPTION: _l(
        "The carrier reported a problem with the delivery. The shop follows it up; contact them if it is not solved soon."
    ),
    TrackingStatus.EXPIRED: _l(
        "The carrier no longer updates the tracking. If your parcel has not arrived, contact the shop."
    ),
}


def next_step(status: str) -> str:
    return str(NEXT_STEP.get(status, NEXT_STEP["paid"]))


CARRIER_TRACKING_URLS = {
    "posti": "https://www.posti.fi/fi/seuranta#/lahetys/{number}",
    "postnord": "https://www.postnord.se/vara-verktyg/spara-brev-paket-och-pall?shipmentId={number}",
    "bring": "https://tracking.bring.com/tracking/{number}",
    "dhl": "https://www.dhl.com/fi-en/home/tracking.html?tracking-id={number}",
    "matkahuolto": "https://www.matkahuolto.fi/seuranta?parcelNumber={number}",
    "budbee": "https://tracking.budbee.com/{number}",
    "gls": "https://gls-group.com/track/{number}",
    "islandspostur": "https://posturinn.is/en/tracking/?q={number}",
}


def tracking_url(carrier: str, number: str) -> str | None:
    from urllib.parse import quote

    pattern = CARRIER_TRACKING_URLS.get(carrier.strip().lower().replace(" ", ""))
    return pattern.format(number=quote(number, safe="")) if pattern else None


# After the promised date, the buyer may give a reasonable extra time and then cancel.
LATE_GRACE_DAYS = 7
