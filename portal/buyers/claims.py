"""Buyer pages for defect claims: report one from the order, follow it, answer the shop's offer.

The form is for one item at a time (``?item=<line id>``), so that the suggested amounts and the
most the item can still get back are that item's, without any script. Photos are checked and
re-encoded here (``portal.photos``) before the service sees them; a refused photo is named
beside the photo field while everything else the buyer wrote stays on the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from babel.numbers import get_currency_precision
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from pydantic import ValidationError
from sqlalchemy import select

from portal.buyers.returns import ActionForm, _actor, _ask_to_sign_in, _buyer_order
from portal.buyers.views import _customer_in_session, bp
from portal.claims import policy as rules
from portal.claims import services as claims
from portal.claims.models import Claim, ClaimStatus
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.extensions import db
from portal.i18n import set_page_locale
from portal.merchants.models import Merchant
from portal.money import Money, parse_amount
from portal.orders.services import merchant_today
from portal.payments.models import Refund
from portal.photos import PhotoLimits, PhotoRefused, accept_photo, check_claim_total, display_filename, photo_response
from portal.storage import StorageUnavailable, get_storage
from portal.validation import fields_from

# The service's field names → the form's.
_FIELDS = {"item_id": "item", "proposed_amount": "amount"}
_FORM_FIELDS = ("item", "description", "noticed_on", "remedy", "amount", "photos")


@bp.app_context_processor
def _claim_labels() -> dict:
    """Claim labels for every page that lists claims (the order page, the claim page)."""
    return {"claim_status_label": rules.status_label, "claim_remedy_label": rules.remedy_label}


def _chosen_item(options: claims.ClaimOptions) -> claims.ItemClaimOption | None:
    """The item the form is about: the one asked for, or the order's only item."""
    line_id = request.form.get("item_id") if request.method == "POST" else request.args.get("item")
    if line_id:
        return options.item(line_id)
    return options.items[0] if len(options.items) == 1 else None


def _claim_document(form, currency: str) -> tuple[dict, dict[str, list[str]]]:
    """What the buyer wrote, as the service takes it, and the amount's problem if it cannot be read."""
    document: dict = {
        "item_id": form.get("item_id") or "",
        "description": form.get("description") or "",
    }
    if form.get("remedy"):
        document["remedy"] = form["remedy"]
    if form.get("noticed_on"):
        document["noticed_on"] = form["noticed_on"]
    problems: dict[str, list[str]] = {}
    if document.get("remedy") == "price_reduction":
        # A typed amount wins; a quick choice counts when nothing is typed (claims.js keeps the
        # two in step where scripts run).
        text = (form.get("amount") or "").strip() or (form.get("amount_choice") or "").strip()
        if text:
            try:
                document["proposed_amount"] = parse_amount(text, currency)
            except ValueError:
                example = "12,50" if get_currency_precision(currency) else "1 250"
                problems["amount"] = [_("Write the amount as a number, for example %(example)s.", example=example)]
    return document, problems


def _photos_from(uploads) -> tuple[list, list[str]]:
    """The uploads as checked, re-encoded photos, and a problem naming each file refused."""
    # A file input left empty still sends one part, without a name.
    uploads = [upload for upload in uploads if upload.filename]
    try:
        # The count first: no photo is decoded when there are too many.
        check_claim_total([0] * len(uploads))
    except PhotoRefused as refusal:
        return [], [str(refusal.message)]
    photos: list = []
    problems: list[str] = []
    for upload in uploads:
        try:
            photo = accept_photo(upload.stream, filename=upload.filename)
            check_claim_total([p.original_size for p in photos] + [photo.original_size])
        except PhotoRefused as refusal:
            name = display_filename(refusal.filename or upload.filename)
            problems.append(
                _("%(file)s: %(problem)s", file=name, problem=refusal.message) if name else str(refusal.message)
            )
        else:
            photos.append(photo)
    return photos, problems


def _field_problems(fields: dict) -> tuple[dict[str, list[str]], list[str]]:
    """A service's problems by the form's field names; the rest for the top of the page."""
    by_field: dict[str, list[str]] = {}
    general: list[str] = []
    for path, problems in fields.items():
        name = _FIELDS.get(path, path)
        if name in _FORM_FIELDS:
            by_field.setdefault(name, []).extend(str(p) for p in problems)
        else:
            general.extend(str(p) for p in problems)
    return by_field, general


def _quick_choices(option: claims.ItemClaimOption | None, currency: str) -> list[tuple[int, int, str]]:
    """The suggested amounts as (percent, amount, the amount as the form sends it)."""
    if option is None:
        return []
    return [(pct, amount, str(Money(amount, currency).as_decimal())) for pct, amount in option.suggestions]


@bp.route("/s/<slug>/orders/<number>/claim", methods=["GET", "POST"])
def start_claim(slug: str, number: str):
    g.private_page = True
    order = _buyer_order(slug, number)
    if order is None:
        return _ask_to_sign_in(slug)
    form = ActionForm()
    options = claims.options(order)
    option = _chosen_item(options)
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            general.append(_("The form had expired. Please check what you wrote and send it again."))
            status = 400
        else:
            document, errors = _claim_document(request.form, order.currency)
            photos, photo_problems = _photos_from(request.files.getlist("photos"))
            if photo_problems:
                errors["photos"] = photo_problems
            if errors:
                # Nothing is sent: show every other problem of the form at once too.
                try:
                    claims.ClaimIn.model_validate(document)
                except ValidationError as exc:
                    found, general = _field_problems(fields_from(exc))
                    errors = {**found, **errors}
                status = 422
            else:
                try:
                    claim = claims.open_claim(order, document, photos=photos, actor=_actor(order))
                except ValidationFailed as exc:
                    errors, general = _field_problems(exc.fields)
                    if not errors and not general:
                        general.append(str(exc))
                    status = 422
                except Conflict as exc:
                    general.append(str(exc))
                    status = 409
                except StorageUnavailable as exc:  # the disk is full or the store does not answer
                    general.append(str(exc))
                    status = 503
                else:
                    _acknowledge(claim, order)
                    return redirect(url_for("buyers.claim_page", slug=slug, claim_id=claim.id))
        # A refused attempt's transaction was rolled back: what the page shows is read afresh.
        options = claims.options(order)
        option = _chosen_item(options)
    return render_template(
        "claims/start.html",
        order=order,
        merchant=order.merchant,
        options=options,
        rights=options.rights,
        option=option,
        quick_choices=_quick_choices(option, order.currency),
        remedies=[(code, rules.remedy_label(code)) for code in claims.REMEDIES],
        money_remedies=("price_reduction", "cancel"),
        today=merchant_today(order.merchant),
        max_photos=PhotoLimits.current().max_files,
        form=form,
        values=request.form if request.method == "POST" else {},
        errors=errors,
        general_errors=general,
    ), status


def _acknowledge(claim: Claim, order) -> None:
    if claim.status == ClaimStatus.ACCEPTED.value and claim.agreed_amount:
        flash(
            _(
                "Claim %(number)s is accepted: %(amount)s comes back to your payment.",
                number=claim.number,
                amount=Money(claim.agreed_amount, order.currency),
            ),
            "success",
        )
    elif claim.status == ClaimStatus.ACCEPTED.value:
        flash(
            _(
                "Claim %(number)s is accepted. %(shop)s tells you what happens next.",
                number=claim.number,
                shop=order.merchant.name,
            ),
            "success",
        )
    else:
        flash(
            _(
                "We received your claim %(number)s. %(shop)s answers by %(date)s at the latest.",
                number=claim.number,
                shop=order.merchant.name,
                date=format_datetime(claim.answer_due_at, "medium"),
            ),
            "success",
        )


def _buyer_claim(slug: str, claim_id: str) -> Claim | None:
    """The claim if this browser speaks for its buyer; None (same answer) otherwise."""
    merchant = db.session.scalar(select(Merchant).where(Merchant.slug == slug))
    customer_id = _customer_in_session(merchant.id) if merchant else None
    if customer_id is None:
        return None
    try:
        claim = claims.buyer_claim(merchant.id, customer_id, claim_id)
    except NotFound:
        return None
    set_page_locale(claim.order.locale, merchant.timezone)
    return claim


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    text: str
    message: str = ""


def _history(claim: Claim, shop: str, currency: str) -> list[HistoryEntry]:
    """Every step of the claim, oldest first: proposals, offers, decisions, hand-overs."""
    entries: list[HistoryEntry] = []
    # A rejection also closes the shop's own open offer ("declined" at the same moment): that
    # is not the buyer declining it.
    rejected_at = {offer.created_at for offer in claim.offers if offer.status == "rejection"}
    for offer in claim.offers:
        amount = Money(offer.amount, currency)
        if offer.by == "buyer":
            if claim.remedy == "price_reduction":
                text = _("You reported the defect and proposed a price reduction of %(amount)s.", amount=amount)
            else:
                text = _("You reported the defect and asked for: %(remedy)s.", remedy=rules.remedy_label(claim.remedy))
            entries.append(HistoryEntry(offer.created_at, text))
        elif offer.status == "rejection":
            entries.append(
                HistoryEntry(offer.created_at, _("%(shop)s did not accept the claim.", shop=shop), offer.message)
            )
        else:
            entries.append(
                HistoryEntry(
                    offer.created_at, _("%(shop)s offered %(amount)s instead.", shop=shop, amount=amount), offer.message
                )
            )
        if offer.decided_at is None:
            continue
        if offer.status == "accepted" and offer.by == "merchant":
            entries.append(HistoryEntry(offer.decided_at, _("You accepted the offer of %(amount)s.", amount=amount)))
        elif offer.status == "accepted" and claim.auto_accepted:
            entries.append(HistoryEntry(offer.decided_at, _("Accepted at once under %(shop)s's rules.", shop=shop)))
        elif offer.status == "accepted":
            entries.append(HistoryEntry(offer.decided_at, _("%(shop)s accepted your claim.", shop=shop)))
        elif offer.status == "declined" and offer.by == "merchant" and offer.decided_at not in rejected_at:
            entries.append(HistoryEntry(offer.decided_at, _("You declined the offer.")))
    if claim.escalated_at:
        entries.append(HistoryEntry(claim.escalated_at, _("Customer support took over the claim.")))
    if claim.resolved_at:
        entries.append(HistoryEntry(claim.resolved_at, _("The claim was resolved.")))
    # Steps of one moment (a rejection and the hand-over to support) keep the order they happened in.
    return sorted(entries, key=lambda entry: entry.at)


@bp.get("/s/<slug>/claims/<claim_id>")
def claim_page(slug: str, claim_id: str):
    g.private_page = True
    claim = _buyer_claim(slug, claim_id)
    if claim is None:
        return _ask_to_sign_in(slug)
    order = claim.order
    refund = db.session.get(Refund, claim.refund_id) if claim.refund_id else None
    return render_template(
        "claims/status.html",
        claim=claim,
        order=order,
        merchant=order.merchant,
        offer=claim.current_offer,
        refund=refund,
        history=_history(claim, order.merchant.name, order.currency),
        form=ActionForm(),
    )


def _photo(slug: str, claim_id: str, photo_id: str, *, thumbnail: bool):
    claim = _buyer_claim(slug, claim_id)
    if claim is None:
        return _ask_to_sign_in(slug)
    photo = next((p for p in claim.photos if p.id == photo_id), None)
    if photo is None:
        abort(404)
    try:
        data = get_storage().open(photo.thumb_key if thumbnail else photo.storage_key)
    except FileNotFoundError:
        abort(404)
    name = f"claim-{claim.number}-{photo.position + 1}{'-thumb' if thumbnail else ''}.jpg"
    return photo_response(data, filename=name)


@bp.get("/s/<slug>/claims/<claim_id>/photos/<photo_id>")
def claim_photo(slug: str, claim_id: str, photo_id: str):
    return _photo(slug, claim_id, photo_id, thumbnail=False)


@bp.get("/s/<slug>/claims/<claim_id>/photos/<photo_id>/thumb")
def claim_photo_thumb(slug: str, claim_id: str, photo_id: str):
    return _photo(slug, claim_id, photo_id, thumbnail=True)


@bp.post("/s/<slug>/claims/<claim_id>/response")
def claim_response(slug: str, claim_id: str):
    claim = _buyer_claim(slug, claim_id)
    if claim is None:
        return _ask_to_sign_in(slug)
    back = redirect(url_for("buyers.claim_page", slug=slug, claim_id=claim.id))
    if not ActionForm().validate_on_submit():
        flash(_("The form had expired. Please try again."), "warning")
        return back
    decision = request.form.get("decision", "")
    try:
        claim = claims.respond(
            claim.merchant_id,
            claim.id,
            {"decision": decision},
            customer_id=claim.customer_id,
            actor=_actor(claim.order),
        )
    except (Conflict, ValidationFailed, NotFound) as exc:
        flash(str(exc), "warning")
        return back
    if decision == "accept" and claim.agreed_amount:
        flash(
            _(
                "You accepted the offer: %(amount)s comes back to your payment.",
                amount=Money(claim.agreed_amount, claim.order.currency),
            ),
            "success",
        )
    elif decision == "accept":
        flash(_("You accepted the offer."), "success")
    else:
        flash(
            _("You declined the offer. Customer support takes over your claim and contacts you by e-mail."), "success"
        )
    return back
