"""Staff sign-in (with its second step when two-step sign-in is on), sign-out, setting up
two-step sign-in, and accepting an invitation to a shop's staff."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from portal.accounts import invites, services, totp
from portal.accounts.forms import LoginForm
from portal.accounts.models import User
from portal.db import utcnow
from portal.errors import DomainError, RateLimited, ValidationFailed
from portal.throttle import throttle

bp = Blueprint("accounts", __name__, url_prefix="/staff")

# Kept across sign-in: the language the person chose is not part of who they are.
_KEPT_ON_LOGIN = ("lang",)
# The session key of a sign-in waiting for its code.
_PENDING = "sign_in_pending"


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app"),
        filters=[lambda text: totp.normalise(text) if isinstance(text, str) else text],
        validators=[
            DataRequired(message=_l("Enter the 6-digit code your app shows.")),
            Length(min=totp.DIGITS, max=totp.DIGITS, message=_l("The code has 6 digits.")),
        ],
        description=_l("A new code appears in the app every 30 seconds."),
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 12},
    )


class InvitationForm(FlaskForm):
    name = StringField(
        _l("Your name"),
        filters=[lambda text: text.strip() if isinstance(text, str) else text],
        validators=[DataRequired(message=_l("Enter your name.")), Length(max=200)],
        description=_l("Shown to your colleagues and in the audit log."),
    )
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(message=_l("Choose a password.")),
            Length(
                min=services.MIN_PASSWORD,
                max=1024,
                message=_l("Use at least %(n)s characters.", n=services.MIN_PASSWORD),
            ),
        ],
        description=_l("At least %(n)s characters. A few unrelated words make a good one.", n=services.MIN_PASSWORD),
    )
    password_again = PasswordField(
        _l("The password again"),
        validators=[
            DataRequired(message=_l("Type the password again.")),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
    )


def _client() -> str:
    return request.remote_addr or "unknown"


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None (no open redirects)."""
    if not target or "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _console_home() -> str:
    return url_for("console.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    g.private_page = True
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or _console_home())
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
        return render_template("accounts/login.html", form=form)
    try:
        throttle(current_app.config["LOGIN_LIMIT_PER_CLIENT"], "staff-login-client", _client())
    except RateLimited as exc:
        return _too_many_attempts(exc, "accounts/login.html", form=form)
    if not form.validate_on_submit():
        return render_template("accounts/login.html", form=form), 422
    try:
        user = services.check_password(form.email.data, form.password.data)
    except services.InvalidCredentials as exc:
        flash(str(exc.message), "warning")
        form.password.data = ""
        return render_template("accounts/login.html", form=form), 401
    next_url = safe_next(form.next.data)
    _new_session()
    if services.needs_code(user):
        # Half signed in: the password was right, the code is still to come. Kept in the signed
        # session cookie with the user's session nonce (ending their sessions ends this too).
        session[_PENDING] = {
            "user": user.id,
            "nonce": user.session_nonce,
            "at": int(utcnow().timestamp()),
            "next": next_url,
        }
        return redirect(url_for(".login_code"))
    services.record_sign_in(user, ip=_client())
    return _signed_in(user, next_url)


def _new_session() -> None:
    """A new session: nothing from before sign-in is carried over, so a session planted on this
    browser cannot be taken over once it is signed in."""
    kept = {key: session[key] for key in _KEPT_ON_LOGIN if key in session}
    session.clear()
    session.update(kept)


def _signed_in(user: User, next_url: str | None, greeting: str | None = None):
    """Sign ``user`` in on this (new) session and send them on: to the two-step set-up first when
    their shop requires it of admins and they have not set it up."""
    login_user(user)
    flash(greeting or _("Signed in as %(email)s.", email=user.email), "success")
    if services.must_set_up_two_factor(user):
        flash(_("Your shop requires two-step sign-in of its admins. Set it up now to open the console."), "warning")
        return redirect(url_for(".two_factor"))
    return redirect(next_url or _console_home())


def _too_many_attempts(exc: RateLimited, template: str, **context):
    flash(
        _(
            "Too many sign-in attempts from your connection. Wait %(minutes)s min and try again.",
            minutes=max(1, -(-exc.retry_after // 60)),
        ),
        "warning",
    )
    response = current_app.make_response((render_template(template, **context), 429))
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _pending_user() -> User | None:
    """The user whose password was right a moment ago and whose code is asked now, if any."""
    pending = session.get(_PENDING)
    if not isinstance(pending, dict):
        return None
    return services.awaiting_code(pending.get("user"), pending.get("nonce"), pending.get("at"))


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    """The second step of signing in: the code from the authenticator app."""
    g.private_page = True
    if current_user.is_authenticated:
        return redirect(_console_home())
    user = _pending_user()
    if user is None:
        session.pop(_PENDING, None)
        flash(_("Signing in took too long, or it was not started. Enter your e-mail address and password."), "info")
        return redirect(url_for(".login"))
    form = CodeForm()
    if request.method == "GET":
        return render_template("accounts/login_code.html", form=form)
    try:
        # Per connection like the password, and per user: a code cannot be guessed from many places.
        throttle(current_app.config["LOGIN_LIMIT_PER_CLIENT"], "staff-login-code-client", _client())
        throttle(current_app.config["LOGIN_LIMIT_PER_CLIENT"], "staff-login-code-user", user.id)
    except RateLimited as exc:
        return _too_many_attempts(exc, "accounts/login_code.html", form=form)
    if not form.validate_on_submit():
        return render_template("accounts/login_code.html", form=form), 422
    try:
        services.sign_in_with_code(user, form.code.data, ip=_client())
    except services.InvalidCode as exc:
        form.code.errors = [str(exc.message)]
        form.code.data = ""
        return render_template("accounts/login_code.html", form=form), 401
    next_url = session[_PENDING].get("next")
    _new_session()
    return _signed_in(user, safe_next(next_url))


@bp.post("/logout")
@login_required
def logout():
    # CSRFProtect has checked the token already: no other site can sign you out.
    g.private_page = True
    services.end_sessions(current_user._get_current_object(), actor=services.actor_for(current_user, _client()))
    logout_user()
    session.clear()
    flash(_("You have signed out. Every session of yours has ended."), "success")
    return redirect(url_for(".login"))


# -- two-step sign-in: set up, switch off ------------------------------------------------------


@bp.route("/two-factor", methods=["GET", "POST"])
@login_required
def two_factor():
    """The signed-in user's two-step sign-in: set it up (confirmed with a code), or switch it off."""
    g.private_page = True
    user = current_user._get_current_object()
    form = CodeForm()
    status = 200
    if request.method == "POST":
        action = request.form.get("action")
        if action == "start":
            try:
                services.start_two_factor(user)
            except DomainError as exc:
                flash(str(exc.message), "warning")
            return redirect(url_for(".two_factor"))
        if action not in ("enable", "disable"):
            abort(400)
        forced = services.must_set_up_two_factor(user)
        try:
            throttle(current_app.config["LOGIN_LIMIT_PER_CLIENT"], "staff-two-factor-user", user.id)
            if form.validate_on_submit():
                actor = services.actor_for(user, _client())
                if action == "enable":
                    services.enable_two_factor(user, form.code.data, actor=actor)
                    flash(
                        _("Two-step sign-in is on. From now on, signing in asks for a code from your app."), "success"
                    )
                    return redirect(_console_home() if forced else url_for(".two_factor"))
                services.disable_two_factor(user, form.code.data, actor=actor)
                flash(_("Two-step sign-in is off. Signing in asks for your password only."), "success")
                return redirect(url_for(".two_factor"))
            status = 422
        except RateLimited as exc:
            flash(str(exc.message), "warning")
            status = 429
        except services.InvalidCode as exc:
            form.code.errors = [str(exc.message)]
            status = 401
        except DomainError as exc:
            flash(str(exc.message), "warning")
            status = exc.status
        form.code.data = ""
    return render_template(
        "accounts/two_factor.html",
        form=form,
        user=user,
        secret=totp.grouped(user.totp_secret) if user.totp_secret and not user.two_factor_on else None,
        uri=_provisioning_uri(user),
        required=services.two_factor_required(user),
        forced=services.must_set_up_two_factor(user),
    ), status


def _provisioning_uri(user: User) -> str | None:
    if not user.totp_secret or user.two_factor_on:
        return None
    return totp.provisioning_uri(user.totp_secret, user.email)


@bp.get("/two-factor/qr.png")
@login_required
def two_factor_qr():
    """The set-up's QR code for the authenticator app (only while a set-up is not confirmed)."""
    g.private_page = True
    uri = _provisioning_uri(current_user)
    if uri is None:
        abort(404)
    from qrcode.image.pil import PilImage

    from portal.documents import qr_code

    buffer = io.BytesIO()
    qr_code(uri).make_image(image_factory=PilImage).save(buffer, format="PNG")
    response = make_response(buffer.getvalue())
    response.mimetype = "image/png"
    return response


# -- accepting an invitation to a shop's staff ------------------------------------------------


@bp.route("/invite/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """The link from the invitation e-mail: name and password, and the new staff member is in."""
    g.private_page = True
    try:
        invite = invites.invitation_from_token(token)
    except DomainError as exc:
        return _invitation_refused(exc)
    form = InvitationForm()
    if request.method == "GET":
        form.name.data = invite.name
        return _invitation_page(form, invite)
    if not form.validate_on_submit():
        return _invitation_page(form, invite, 422)
    try:
        user = invites.accept(token, name=form.name.data, password=form.password.data, ip=_client())
    except ValidationFailed as exc:
        for name, problems in exc.fields.items():
            if name in form:
                form[name].errors = [str(m) for m in problems]
        return _invitation_page(form, invite, 422)
    except DomainError as exc:
        return _invitation_refused(exc)
    if current_user.is_authenticated:
        logout_user()
    _new_session()
    services.record_sign_in(user, ip=_client())
    return _signed_in(user, None, _("Welcome to %(shop)s. Your account is ready.", shop=invite.merchant.name))


def _invitation_page(form: InvitationForm, invite, status: int = 200):
    return render_template(
        "accounts/invite.html", form=form, invitation=invite, role=services.role_label(invite.role)
    ), status


def _invitation_refused(exc: DomainError):
    titles = {
        "invitation_expired": _("This invitation has expired"),
        "invitation_used": _("This invitation has been used"),
        "invitation_withdrawn": _("This invitation was withdrawn"),
        "email_taken": _("You have an account already"),
    }
    return render_template(
        "error.html",
        status=exc.status,
        title=titles.get(exc.code, _("This link does not work")),
        message=str(exc.message),
        action_url=url_for(".login"),
        action_label=_("Go to staff sign-in"),
    ), exc.status
