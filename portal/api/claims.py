"""API v1: defect claims (API.md). The buyer reports a defect with photos and proposes a remedy;
the shop accepts in one click, counters or rejects (to support); the buyer answers a counter-offer.
The rules are portal.claims.services'; here the HTTP, the multipart form and the photos."""

from __future__ import annotations

import re

from flask import Response, current_app, request, url_for
from flask_babel import lazy_gettext as _l
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage

from portal.api import bp, serializers
from portal.api.auth import buyer_required, current_actor, current_buyer, current_merchant, merchant_required
from portal.api.bodies import json_body, optional_json_body
from portal.api.errors import TooLarge, UnsupportedMediaType
from portal.api.openapi import CURSOR, NamedSchema, document, query
from portal.api.schemas import ClaimListOut, ClaimOut
from portal.buyers import access
from portal.claims import services as claims
from portal.claims.models import REMEDIES, Claim, ClaimStatus
from portal.errors import NotFound, ValidationFailed
from portal.extensions import db
from portal.merchants.models import Merchant
from portal.payments.models import Refund
from portal.photos import (
    MB,
    PhotoLimits,
    PhotoRefused,
    accept_photo,
    check_claim_total,
    display_filename,
    photo_response,
)
from portal.storage import get_storage
from portal.validation import fields_from

CLAIM_LIST_LIMIT = 100
# "open" is a status and, in the list's filter, also the open and countered ones together.
LIST_STATUSES = tuple(dict.fromkeys(("open", *(status.value for status in ClaimStatus))))
# The form's text fields and the multipart framing, beside the photos themselves.
FORM_ALLOWANCE = 256 * 1024
_MINOR_UNITS = re.compile(r"[0-9]{1,10}")

PHOTO_SIZE = query("size", {"type": "string", "enum": ["full", "thumb"]}, "thumb for the thumbnail.")

CLAIM_FORM = NamedSchema(
    "ClaimForm",
    {
        "type": "object",
        "required": ["item_id", "description", "remedy", "photos"],
        "properties": {
            "item_id": {"type": "string", "description": "The order line's id, as sent in the order body."},
            "description": {"type": "string", "minLength": 10, "maxLength": 4000, "description": "What is wrong."},
            "remedy": {"type": "string", "enum": list(REMEDIES)},
            "proposed_amount": {
                "type": "string",
                "pattern": "^[0-9]{1,10}$",
                "description": "Minor units, as digits (2500 for 25.00); required for price_reduction, at most "
                "the item's `claim_options.items[].max_amount`.",
                "examples": ["2500"],
            },
            "noticed_on": {"type": "string", "format": "date", "description": "When the defect was noticed."},
            "photos": {
                "type": "array",
                "minItems": 1,
                "maxItems": 5,
                "description": "1–5 pictures of the defect (JPEG, PNG, WebP or HEIC; at most 10 MB each, 30 MB "
                "together by default). They are kept re-encoded as JPEG, without metadata.",
                "items": {"type": "string", "format": "binary", "contentMediaType": "application/octet-stream"},
            },
        },
    },
)


def _refunds_of(rows: list[Claim]) -> dict[str, Refund]:
    ids = {claim.refund_id for claim in rows if claim.refund_id}
    if not ids:
        return {}
    return {refund.id: refund for refund in db.session.scalars(select(Refund).where(Refund.id.in_(ids)))}


def _answer(claim: Claim, merchant: Merchant, audience: str) -> dict:
    claim = claims.get_claim(merchant.id, claim.id)  # with its offers and photos as they are now
    return serializers.claim(claim, merchant, _refunds_of([claim]), audience=audience)


def _photo(claim: Claim, photo_id: str) -> Response:
    """One of the claim's photos (``?size=thumb`` for the thumbnail); the caller may see the claim."""
    size = (request.args.get("size") or "full").strip()
    if size not in ("full", "thumb"):
        raise ValidationFailed(fields={"size": [_l("Use one of: %(list)s.", list="full, thumb")]})
    photo = next((p for p in claim.photos if p.id == photo_id), None)
    if photo is None:
        raise NotFound()
    try:
        data = get_storage().open(photo.thumb_key if size == "thumb" else photo.storage_key)
    except FileNotFoundError:
        current_app.logger.error("claim photo %s of claim %s is missing from storage", photo.id, claim.id)
        raise NotFound() from None
    suffix = "-thumb" if size == "thumb" else ""
    return photo_response(data, filename=f"{claim.number}-{photo.position + 1}{suffix}.jpg")


# -- merchant -------------------------------------------------------------------------------


def _cursor() -> str | None:
    return (request.args.get("cursor") or "").strip() or None


@bp.get("/claims")
@document(
    "The shop's claims",
    tag="orders",
    description="The answer due soonest first (by `answer_due_at`, oldest due on top; not newest first), so "
    "the claim to answer next is on top; 100 a page, with a `next` cursor for the page after (`?cursor=`). "
    "`?status=` narrows to one status, or `open` for the open and countered ones.",
    responses={200: ("The answer due soonest first.", ClaimListOut)},
    errors={422: "An unknown status, or a page link that is not valid."},
    parameters=(query("status", {"type": "string", "enum": list(LIST_STATUSES)}), CURSOR),
)
@merchant_required
def list_claims():
    merchant = current_merchant()
    status = (request.args.get("status") or "").strip() or None
    if status is not None and status not in LIST_STATUSES:
        raise ValidationFailed(fields={"status": [_l("Use one of: %(list)s.", list=", ".join(LIST_STATUSES))]})
    page = claims.list_claims(
        merchant.id,
        status=status,
        cursor=_cursor(),
        limit=CLAIM_LIST_LIMIT,
    )
    if page.claims:
        # Photos, items and orders of the whole page in three queries, not three per claim.
        db.session.scalars(
            select(Claim)
            .where(Claim.id.in_([claim.id for claim in page.claims]))
            .options(selectinload(Claim.photos), selectinload(Claim.order_item), selectinload(Claim.order))
        ).all()
    return serializers.claim_list(page, merchant, _refunds_of(page.claims))


@bp.get("/claims/<claim_id>")
@document("One claim, with its offers and photos", tag="orders", responses={200: ("The claim.", ClaimOut)})
@merchant_required
def get_claim(claim_id: str):
    merchant = current_merchant()
    return _answer(claims.get_claim(merchant.id, claim_id), merchant, "merchant")


@bp.get("/claims/<claim_id>/photos/<photo_id>")
@document(
    "A photo of a claim",
    tag="orders",
    description="The photo as Apuri re-encoded it (image/jpeg, no metadata); `?size=thumb` for its thumbnail. "
    "The claim's `photos[].url` and `thumbnail_url` point here.",
    responses={200: ("The photo, as image/jpeg.", None)},
    errors={422: "size: use full or thumb."},
    parameters=(PHOTO_SIZE,),
)
@merchant_required
def claim_photo(claim_id: str, photo_id: str):
    return _photo(claims.get_claim(current_merchant().id, claim_id), photo_id)


@bp.post("/claims/<claim_id>/accept")
@document(
    "Accept the buyer's proposal",
    tag="orders",
    description="One click: a price reduction or a cancellation is refunded at once (see `refund_id`); a "
    "replacement or repair is agreed, to be marked resolved when done. Accepting again answers 200 with the "
    "same claim and refunds nothing more.",
    responses={200: ("The accepted claim.", ClaimOut)},
    errors={
        409: "claim_state: the claim is countered (the buyer's turn), escalated or withdrawn; "
        "refund_exceeds_refundable: the item or the order has less left to refund than the proposal."
    },
)
@merchant_required
def accept_claim(claim_id: str):
    merchant = current_merchant()
    return _answer(claims.accept(merchant.id, claim_id, actor=current_actor()), merchant, "merchant")


@bp.post("/claims/<claim_id>/counter")
@document(
    "Make a counter-offer",
    tag="orders",
    description="`amount` (minor units, the order's currency) is offered back instead, with a `message` to "
    "the buyer, who accepts (the refund starts) or declines (the claim goes to support).",
    body=claims.CounterIn,
    responses={200: ("The countered claim.", ClaimOut)},
    errors={409: "claim_state: the claim is not open (already decided, or the buyer's turn)."},
)
@merchant_required
def counter_claim(claim_id: str):
    merchant = current_merchant()
    claim = claims.counter(merchant.id, claim_id, json_body(), actor=current_actor())
    return _answer(claim, merchant, "merchant")


@bp.post("/claims/<claim_id>/reject")
@document(
    "Reject a claim",
    tag="orders",
    description="`message` tells the buyer why (required). The claim is escalated to customer support. "
    "Rejecting again answers 200 with the same claim.",
    body=claims.RejectIn,
    responses={200: ("The escalated claim.", ClaimOut)},
    errors={409: "claim_state: the claim was already accepted, resolved or withdrawn."},
)
@merchant_required
def reject_claim(claim_id: str):
    merchant = current_merchant()
    claim = claims.reject(merchant.id, claim_id, json_body(), actor=current_actor())
    return _answer(claim, merchant, "merchant")


@bp.post("/claims/<claim_id>/resolve")
@document(
    "Mark an accepted claim resolved",
    tag="orders",
    description="The replacement was sent or the repair finished; optional body `{carrier, tracking_number, "
    "note}` (the buyer follows the replacement's tracking). Resolving again answers 200 with the same claim.",
    body=claims.ResolveIn,
    body_required=False,
    responses={200: ("The resolved claim.", ClaimOut)},
    errors={409: "claim_state: the claim is not accepted."},
)
@merchant_required
def resolve_claim(claim_id: str):
    merchant = current_merchant()
    # (Reading the body to see whether there is one would leave nothing for json_body to read.)
    body = optional_json_body()
    return _answer(claims.resolve(merchant.id, claim_id, body, actor=current_actor()), merchant, "merchant")


# -- buyer ----------------------------------------------------------------------------------


def _buyer_merchant() -> Merchant:
    return db.session.get(Merchant, current_buyer().merchant_id)


def _buyer_claim(claim_id: str) -> Claim:
    identity = current_buyer()
    return claims.buyer_claim(identity.merchant_id, identity.customer_id, claim_id)


def _upload_limit() -> int:
    """The most a claim upload may weigh: the claim's photo allowance and room for the form."""
    limit = PhotoLimits.current().claim_max_bytes + FORM_ALLOWANCE
    app_limit = current_app.config.get("MAX_CONTENT_LENGTH")
    return min(limit, app_limit) if app_limit else limit


@bp.url_value_preprocessor
def _limit_claim_uploads(endpoint: str | None, _values: dict | None) -> None:
    """A claim upload above the limit answers 413 before it is read or stored. URL value
    preprocessors run before any before_request function, and the app's first one already
    reads the form."""
    if endpoint != "api.create_claim":
        return
    limit = _upload_limit()
    if request.content_length is not None and request.content_length > limit:
        raise TooLarge(
            _l(
                "The photos are too large together: a claim can have at most %(max)s MB of photos.",
                max=f"{PhotoLimits.current().claim_max_bytes / MB:.1f}".removesuffix(".0"),
            )
        )
    request.max_content_length = limit  # a body without Content-Length stops there too (413)


def _photo_files() -> list[FileStorage]:
    # A file input left empty sends a part without a file name: nothing was chosen.
    return [file for file in request.files.getlist("photos") if file.filename]


def _claim_form() -> dict:
    """The form as the document ``open_claim`` validates, or 422 naming every field at fault
    (before any photo is decoded)."""
    problems: dict[str, list] = {}
    document: dict[str, object] = {}
    for name in request.form:
        values = request.form.getlist(name)
        if name == "photos":
            problems[name] = [_l("Send each photo as a file, with its file name.")]
        elif len(values) > 1:
            problems[name] = [_l("Send this field once.")]
        elif name in ("proposed_amount", "noticed_on") and not values[0].strip():
            continue  # an empty optional field is one not given
        else:
            document[name] = values[0]
    for name in request.files:
        if name != "photos":
            problems[name] = [_l("Send the photos as files named photos.")]
    amount = document.get("proposed_amount")
    if isinstance(amount, str):
        if _MINOR_UNITS.fullmatch(amount.strip()):
            document["proposed_amount"] = int(amount.strip())
        else:
            del document["proposed_amount"]
            problems["proposed_amount"] = [_l("Give the amount in minor units, as a whole number: 2500 for 25.00.")]
    try:
        claims.ClaimIn.model_validate(document)
    except ValidationError as exc:
        for path, messages in fields_from(exc).items():
            problems.setdefault(path, []).extend(messages)
    most = PhotoLimits.current().max_files
    if "photos" not in problems and not 1 <= len(_photo_files()) <= most:
        problems["photos"] = [_l("Add 1 to %(max)s photos of the defect.", max=most)]
    if problems:
        raise ValidationFailed(fields=problems)
    return document


def _claim_photos() -> list:
    """Each photo checked and re-encoded (portal.photos), or 422 naming every file refused."""
    limits = PhotoLimits.current()
    accepted, refused = [], []
    for position, file in enumerate(_photo_files(), start=1):
        name = display_filename(file.filename) or str(_l("Photo %(num)s of the defect", num=position))
        try:
            photo = accept_photo(file.stream, filename=file.filename, limits=limits)
            check_claim_total([p.original_size for p in accepted] + [photo.original_size], limits=limits)
        except PhotoRefused as refusal:
            refused.append(str(_l("%(file)s: %(problem)s", file=name, problem=refusal.message)))
            continue
        accepted.append(photo)
    if refused:
        raise ValidationFailed(_l("Some photos could not be taken."), fields={"photos": refused})
    return accepted


@bp.post("/buyer/orders/<number>/claims")
@document(
    "Report a defect of an item, with photos",
    tag="buyers",
    description="A `multipart/form-data` form: `item_id`, `description`, `remedy` and, for a price "
    "reduction, `proposed_amount` in minor units (see the order's `claim_options` for what each item can "
    "still get back and suggested amounts); `photos`: 1–5 files. Every photo is checked by its content "
    "and re-encoded; a refused one is named in `fields.photos` as `<file name>: <why>`. A price reduction "
    "within the shop's auto-accept rule is accepted (and refunded) at once.",
    body=CLAIM_FORM,
    body_media_type="multipart/form-data",
    responses={201: ("The claim; it may already be accepted by the shop's rule.", ClaimOut)},
    errors={
        409: "claim_not_allowed: the order is not delivered yet, or the claim period is over (the message "
        "says until when); nothing_left: nothing more can be refunded for this item.",
        413: "The whole upload is larger than the claim's photo allowance (30 MB by default).",
        422: "Validation failed; `fields` names each problem: a field, or `photos` with each refused file.",
    },
    headers={201: {"Location": {"description": "The claim's URL.", "schema": {"type": "string"}}}},
)
@buyer_required
def create_claim(number: str):
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType(_l("Send the claim as multipart/form-data, with the photos as files."))
    order = access.buyer_order(current_buyer(), number)
    document = _claim_form()
    claim = claims.open_claim(order, document, photos=_claim_photos(), actor=current_actor())
    location = url_for(".buyer_claim", claim_id=claim.id)
    return _answer(claim, _buyer_merchant(), "buyer"), 201, {"Location": location}


@bp.get("/buyer/claims/<claim_id>")
@document("One of the buyer's claims", tag="buyers", responses={200: ("The claim.", ClaimOut)})
@buyer_required
def buyer_claim(claim_id: str):
    return _answer(_buyer_claim(claim_id), _buyer_merchant(), "buyer")


@bp.get("/buyer/claims/<claim_id>/photos/<photo_id>")
@document(
    "A photo of one of the buyer's claims",
    tag="buyers",
    description="image/jpeg, as Apuri re-encoded it; `?size=thumb` for its thumbnail.",
    responses={200: ("The photo, as image/jpeg.", None)},
    errors={422: "size: use full or thumb."},
    parameters=(PHOTO_SIZE,),
)
@buyer_required
def buyer_claim_photo(claim_id: str, photo_id: str):
    return _photo(_buyer_claim(claim_id), photo_id)


@bp.post("/buyer/claims/<claim_id>/response")
@document(
    "Answer the shop's counter-offer",
    tag="buyers",
    description="`accept`: the offered amount is refunded at once. `decline`: the claim goes to customer "
    "support. The same answer again answers 200 with the same claim.",
    body=claims.ResponseIn,
    responses={200: ("The claim after the answer.", ClaimOut)},
    errors={409: "claim_state: there is no counter-offer to answer (the claim is open, decided or withdrawn)."},
)
@buyer_required
def respond_to_claim(claim_id: str):
    identity = current_buyer()
    claim = claims.respond(
        identity.merchant_id, claim_id, json_body(), customer_id=identity.customer_id, actor=current_actor()
    )
    return _answer(claim, _buyer_merchant(), "buyer")
