"""The platform admin's page: which shops each support agent serves (``portal.accounts.services``).

One form per agent with a checkbox per shop; saving makes the ticked shops the agent's, audited.
The routes join the console blueprint (``views.py`` imports this module).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.models import Role, User
from portal.accounts.permissions import staff_required
from portal.accounts.services import actor_for, served_shops, set_served_shops, support_agents
from portal.console import services
from portal.console.views import bp
from portal.errors import NotFound, ValidationFailed
from portal.extensions import db


def _page(errors: dict[str, list[str]] | None = None, status: int = 200):
    agents = support_agents()
    return render_template(
        "console/agents.html",
        agents=agents,
        serving={agent.id: {shop.id for shop in served_shops(agent)} for agent in agents},
        shops=services.shops(current_user),
        errors=errors or {},
    ), status


@bp.get("/support-agents", endpoint="support_agents")
@staff_required(Role.PLATFORM_ADMIN)
def agent_list():
    return _page()


@bp.post("/support-agents/<user_id>", endpoint="support_agent_shops")
@staff_required(Role.PLATFORM_ADMIN)
def save_agent_shops(user_id: str):
    agent = db.session.get(User, user_id)
    if agent is None or agent.role != Role.SUPPORT_AGENT:
        raise NotFound()
    chosen = set(request.form.getlist("shops"))
    try:
        shops = set_served_shops(agent, chosen, actor_for(current_user, request.remote_addr))
    except ValidationFailed as exc:
        return _page({agent.id: [str(m) for field in exc.fields.values() for m in field]}, 422)
    names = ", ".join(shop.name for shop in shops)
    if names:
        flash(_("%(agent)s serves now: %(shops)s.", agent=agent.name or agent.email, shops=names), "success")
    else:
        flash(_("%(agent)s serves no shop now.", agent=agent.name or agent.email), "success")
    return redirect(url_for(".support_agents") + f"#agent-{agent.id}")
