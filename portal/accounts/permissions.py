"""Who may open a staff page: signed-in staff with one of the roles a view names.

Tenancy (which shop's rows a user sees) is decided apart, in each query: merchant staff
work only on their own shop (``user.merchant_id``); platform staff belong to no shop.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import g, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.models import Role
from portal.extensions import login_manager

# A role also holds the rights of the roles it implies: a shop's admin can do what its
# agents do; a platform admin can do everything.
IMPLIES: dict[Role, frozenset[Role]] = {
    Role.PLATFORM_ADMIN: frozenset(Role),
    Role.MERCHANT_ADMIN: frozenset({Role.MERCHANT_ADMIN, Role.MERCHANT_AGENT}),
    Role.MERCHANT_AGENT: frozenset({Role.MERCHANT_AGENT}),
    Role.SUPPORT_AGENT: frozenset({Role.SUPPORT_AGENT}),
}


def has_role(role: Role, *allowed: Role) -> bool:
    """True when ``role`` is (or implies) one of ``allowed``; no ``allowed`` means any staff role."""
    if not allowed:
        return True
    return bool(IMPLIES[role] & set(allowed))


def is_platform_staff(user) -> bool:
    return not user.role.is_merchant_role


def staff_required(*roles: Role) -> Callable:
    """Let signed-in staff with one of ``roles`` (any staff role when none is named) through.

    Anyone else goes to the sign-in page; staff without the role get 403. Staff pages are
    never cached.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            g.private_page = True
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not has_role(current_user.role, *roles):
                return render_template(
                    "error.html",
                    status=403,
                    title=_("No access"),
                    message=_("Your role does not allow this page. Ask your shop's admin if you need it."),
                    action_url=url_for("console.home"),
                    action_label=_("Back to the console"),
                ), 403
            return view(*args, **kwargs)

        return wrapped

    return decorator
