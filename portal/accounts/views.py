"""Staff sign-in and sign-out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal.accounts import services
from portal.accounts.forms import LoginForm
from portal.errors import RateLimited
from portal.throttle import throttle

bp = Blueprint("accounts", __name__, url_prefix="/staff")

# Kept across sign-in: the language the person chose is not part of who they are.
_KEPT_ON_LOGIN = ("lang",)


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
        flash(
            _(
                "Too many sign-in attempts from your connection. Wait %(minutes)s min and try again.",
                minutes=max(1, -(-exc.retry_after // 60)),
            ),
            "warning",
        )
        response = current_app.make_response((render_template("accounts/login.html", form=form), 429))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if not form.validate_on_submit():
        return render_template("accounts/login.html", form=form), 422
    try:
        user = services.authenticate(form.email.data, form.password.data, ip=_client())
    except services.InvalidCredentials as exc:
        flash(str(exc.message), "warning")
        form.password.data = ""
        return render_template("accounts/login.html", form=form), 401
    # A new session for the signed-in user: nothing from before sign-in is carried over,
    # so a session planted on this browser cannot be taken over once it is signed in.
    kept = {key: session[key] for key in _KEPT_ON_LOGIN if key in session}
    session.clear()
    session.update(kept)
    login_user(user)
    flash(_("Signed in as %(email)s.", email=user.email), "success")
    return redirect(safe_next(form.next.data) or _console_home())


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
