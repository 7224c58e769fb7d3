"""The console's staff page (merchant admins): the shop's staff and pending invitations; invite by
e-mail, change a role, deactivate or reactivate, and require two-step sign-in of the shop's admins.

The rules live in ``portal.accounts.services`` and ``portal.accounts.invites``. This module also
keeps an admin who must set up two-step sign-in out of the rest of the console until they have.
The routes join the console blueprint (``views.py`` imports this module).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from portal.accounts import invites, services
from portal.accounts.models import Role
from portal.accounts.permissions import staff_required
from portal.console.views import _choose_shop, _shop, _shop_args, bp
from portal.errors import Conflict, DomainError, NotFound, ValidationFailed
from portal.i18n import set_page_locale
from portal.merchants.models import Merchant


class InviteForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        filters=[lambda text: text.strip() if isinstance(text, str) else text],
        validators=[DataRequired(message=_l("Enter the e-mail address to invite.")), Length(max=254)],
        render_kw={"maxlength": 254},
    )
    name = StringField(
        _l("Name (optional)"),
        filters=[lambda text: text.strip() if isinstance(text, str) else text],
        validators=[Length(max=200, message=_l("Keep the name to 200 characters or fewer."))],
        description=_l("Filled in for them; they can change it when they accept."),
        render_kw={"maxlength": 200},
    )
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice(role.value, services.ROLE_LABELS[role]) for role in (Role.MERCHANT_AGENT, Role.MERCHANT_ADMIN)
        ],
        default=Role.MERCHANT_AGENT.value,
        description=_l(
            "Agents work on orders, returns, claims and tickets. Admins can also manage the staff, the policy, "
            "API keys and webhooks."
        ),
    )


@bp.before_request
def two_factor_first():
    """An admin whose shop requires two-step sign-in opens nothing in the console before setting it up."""
    if current_user.is_authenticated and services.must_set_up_two_factor(current_user):
        flash(_("Your shop requires two-step sign-in of its admins. Set it up now to open the console."), "warning")
        return redirect(url_for("accounts.two_factor"))
    return None


def _page(merchant: Merchant, form: InviteForm, status: int = 200):
    set_page_locale(None, merchant.timezone)  # times in the shop's time zone
    return render_template(
        "console/staff.html",
        merchant=merchant,
        staff=services.shop_staff(merchant.id),
        invitations=invites.pending_invitations(merchant.id),
        form=form,
        roles=[(role.value, services.ROLE_LABELS[role]) for role in services.MERCHANT_ROLES],
        role_label=services.role_label,
        invite_hours=invites.INVITE_MAX_AGE_HOURS,
    ), status


def _back(anchor: str = ""):
    return redirect(url_for(".staff", **_shop_args()) + anchor)


def _actor():
    return services.actor_for(current_user, request.remote_addr)


def _current_shop() -> Merchant:
    merchant = _shop()
    if merchant is None:
        raise NotFound()
    return merchant


@bp.get("/staff", endpoint="staff")
@staff_required(Role.MERCHANT_ADMIN)
def staff_list():
    merchant = _shop()
    if merchant is None:
        return _choose_shop()
    return _page(merchant, InviteForm(formdata=None))


@bp.post("/staff/invitations", endpoint="staff_invite")
@staff_required(Role.MERCHANT_ADMIN)
def staff_invite():
    merchant = _current_shop()
    form = InviteForm()
    if not form.validate():
        return _page(merchant, form, 422)
    try:
        invitation = invites.invite(
            merchant, email=form.email.data, role=form.role.data, name=form.name.data or "", actor=_actor()
        )
    except ValidationFailed as exc:
        for name, problems in exc.fields.items():
            if name in form:
                form[name].errors = [str(m) for m in problems]
        return _page(merchant, form, 422)
    except Conflict as exc:
        form.email.errors = [str(exc.message)]
        return _page(merchant, form, 409)
    flash(
        _(
            "Invitation sent to %(email)s. The link in it works once, for %(hours)s hours.",
            email=invitation.email,
            hours=invites.INVITE_MAX_AGE_HOURS,
        ),
        "success",
    )
    return _back("#invitations")


@bp.post("/staff/invitations/<invitation_id>/withdraw", endpoint="staff_invite_withdraw")
@staff_required(Role.MERCHANT_ADMIN)
def staff_invite_withdraw(invitation_id: str):
    merchant = _current_shop()
    invitation = invites.withdraw(merchant.id, invitation_id, actor=_actor())
    flash(_("The invitation to %(email)s was withdrawn: its link no longer works.", email=invitation.email), "success")
    return _back("#invitations")


@bp.post("/staff/<user_id>/role", endpoint="staff_role")
@staff_required(Role.MERCHANT_ADMIN)
def staff_role(user_id: str):
    merchant = _current_shop()
    try:
        user = services.change_role(merchant.id, user_id, request.form.get("role", ""), actor=_actor())
    except NotFound:
        raise
    except DomainError as exc:
        flash(str(exc.message), "warning")
        return _back(f"#user-{user_id}")
    flash(
        _("%(name)s is now: %(role)s.", name=user.name or user.email, role=services.role_label(user.role)),
        "success",
    )
    if user.id == current_user.id and user.role != Role.MERCHANT_ADMIN:
        return redirect(url_for(".home"))  # this page is for admins
    return _back(f"#user-{user.id}")


@bp.post("/staff/<user_id>/active", endpoint="staff_active")
@staff_required(Role.MERCHANT_ADMIN)
def staff_active(user_id: str):
    merchant = _current_shop()
    active = request.form.get("active") == "1"
    try:
        user = services.set_active(merchant.id, user_id, active, actor=_actor())
    except NotFound:
        raise
    except DomainError as exc:
        flash(str(exc.message), "warning")
        return _back(f"#user-{user_id}")
    if user.id == current_user.id and not active:
        logout_user()
        session.clear()
        flash(_("You deactivated your own account and have been signed out."), "success")
        return redirect(url_for("accounts.login"))
    if active:
        flash(_("%(name)s can sign in again.", name=user.name or user.email), "success")
    else:
        flash(_("%(name)s is deactivated and signed out everywhere.", name=user.name or user.email), "success")
    return _back(f"#user-{user.id}")


@bp.post("/staff/two-factor-rule", endpoint="staff_two_factor_rule")
@staff_required(Role.MERCHANT_ADMIN)
def staff_two_factor_rule():
    merchant = _current_shop()
    required = request.form.get("required") == "1"
    try:
        services.set_admin_two_factor_rule(merchant.id, required, by=current_user._get_current_object(), actor=_actor())
    except DomainError as exc:
        flash(str(exc.message), "warning")
        return _back("#two-factor-rule")
    if required:
        flash(_("The shop's admins now need two-step sign-in to open the console."), "success")
    else:
        flash(_("Two-step sign-in is now up to each admin."), "success")
    return _back("#two-factor-rule")
