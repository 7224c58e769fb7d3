"""The platform admin's Jobs page: background jobs that failed, being retried or parked for a
person (``portal.jobs.parking``). Run one again now, or discard it with a reason (audited).

The routes join the console blueprint (``views.py`` imports this module).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.models import Role
from portal.accounts.permissions import staff_required
from portal.accounts.services import actor_for
from portal.console.views import bp
from portal.errors import Conflict, ValidationFailed
from portal.jobs import parking
from portal.jobs.models import JobStatus


def _page(errors: dict[str, list] | None = None, status: int = 200):
    return render_template(
        "console/jobs.html",
        counts=parking.counts(),
        jobs=parking.waiting(),
        resolved=parking.recently_resolved(),
        label=parking.label,
        max_attempts=parking.MAX_ATTEMPTS,
        errors=errors or {},
    ), status


@bp.get("/jobs", endpoint="jobs")
@staff_required(Role.PLATFORM_ADMIN)
def job_list():
    return _page()


@bp.post("/jobs/<job_id>/run", endpoint="job_run")
@staff_required(Role.PLATFORM_ADMIN)
def job_run(job_id: str):
    try:
        job = parking.run_now(job_id, actor=actor_for(current_user, request.remote_addr))
    except Conflict as exc:
        flash(str(exc.message), "error")
        return redirect(url_for(".jobs"), 303)
    if job.status == JobStatus.DONE.value:
        flash(_("The job ran and succeeded: %(job)s.", job=parking.label(job.func)), "success")
    else:
        flash(_("The job failed again and stays parked: %(error)s", error=job.last_error), "error")
    return redirect(url_for(".jobs") + f"#job-{job.id}", 303)


@bp.post("/jobs/<job_id>/discard", endpoint="job_discard")
@staff_required(Role.PLATFORM_ADMIN)
def job_discard(job_id: str):
    try:
        job = parking.discard(
            job_id, request.form.get("reason", ""), actor=actor_for(current_user, request.remote_addr)
        )
    except ValidationFailed as exc:
        return _page(errors={job_id: exc.fields["reason"]}, status=422)
    except Conflict as exc:
        flash(str(exc.message), "error")
        return redirect(url_for(".jobs"), 303)
    flash(_("The job was discarded and will not run: %(job)s.", job=parking.label(job.func)), "success")
    return redirect(url_for(".jobs"), 303)
