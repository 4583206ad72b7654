"""The jobs page: what runs when, the last runs with outcome, duration and errors; run a job now."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy import select

from opsplatform.background.schedule import BY_NAME, JOBS, run_job
from opsplatform.background.task_kinds import TASKS
from opsplatform.database import utcnow
from opsplatform.i18n import _
from opsplatform.labels import outcome_label
from opsplatform.models.jobs import JobRun
from opsplatform.web.deps import Db
from opsplatform.web.flash import flash
from opsplatform.web.guards import requires
from opsplatform.web.redirects import redirect_to


class JobsController(Controller):
    include_in_schema = False
    path = "/jobs"
    guards = [requires("run_jobs")]

    @get("/", name="jobs")
    async def index(self, request: Request, db: Db) -> Template:
        scheduler = getattr(request.app.state, "scheduler", None)
        rows = []
        for job in JOBS:
            runs = (await db.scalars(select(JobRun).where(JobRun.job == job.name).order_by(JobRun.id.desc())
                                     .limit(10))).all()
            scheduled = scheduler.get_job(job.name) if scheduler else None
            rows.append({"job": job, "runs": runs, "next": scheduled.next_run_time if scheduled else None})
        tasks = (await db.scalars(select(JobRun).where(JobRun.job.in_(list(TASKS))).order_by(JobRun.id.desc())
                                  .limit(20))).all()
        return Template("jobs/index.html", context={"jobs": rows, "tasks": tasks})

    @post("/{job_name:str}/run", name="jobs:run")
    async def run_now(self, request: Request, job_name: FromPath[str]) -> Redirect:
        job = BY_NAME.get(job_name)
        if job is None:
            raise NotFoundException()
        now = utcnow()
        run = await run_job(request.app.state.sessionmaker, request.app.state.settings, job, now,
                            slot=f"manual {now:%Y-%m-%dT%H:%M:%S.%f}")
        flash(request, _("%(job)s ran: %(outcome)s, %(done)s done.", job=job_name,
                         outcome=outcome_label(run.outcome) if run else "-", done=run.done if run else 0),
              "success" if run and run.outcome == "ok" else "error")
        return redirect_to(request, "jobs")
