"""The scheduled jobs: what each does, how often, and the slot that makes a run happen once per period.

A job's work is a plain `run_once(session, settings, now) -> int` in the domain that owns it; `run_job` claims the
slot first, so two instances (or a catch-up after downtime) never do the same period's work twice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform.auth.services import purge_expired
from opsplatform.background.task_kinds import TASKS
from opsplatform.briefings.sitreps import send_sitreps
from opsplatform.cases.digest import send_digests
from opsplatform.database import Sessionmaker, refresh_statistics, session_scope, utcnow
from opsplatform.i18n import N_
from opsplatform.jobs import tasks
from opsplatform.mail.outbox import deliver_due
from opsplatform.models.jobs import JobRun
from opsplatform.operations.phases import move_phases
from opsplatform.releases.workflow import publish_due
from opsplatform.reporting import workbooks
from opsplatform.seizures.reminders import send_reminders
from opsplatform.settings import Settings

log = logging.getLogger(__name__)
Work = Callable[[AsyncSession, Settings, datetime], Awaitable[int]]


@dataclass(frozen=True)
class Job:
    name: str
    schedule: str  # for people: shown on the jobs page
    trigger: dict[str, Any]  # for APScheduler
    slot: Callable[[datetime, Settings], str | None]  # the period a run covers, one run each; None: not due yet
    work: Work


def per_minute(now: datetime, _settings: Settings) -> str:
    return now.strftime("%Y-%m-%dT%H:%M")


def per_hour(now: datetime, _settings: Settings) -> str:
    return now.strftime("%Y-%m-%dT%H")


def per_day(now: datetime, _settings: Settings) -> str:
    return now.strftime("%Y-%m-%d")


async def reap_tasks(session: AsyncSession, _settings: Settings, now: datetime) -> int:
    return await tasks.reap(session, now, TASKS)


def daily_from_sitrep_hour(now: datetime, settings: Settings) -> str | None:
    """Today's slot once the sitrep hour has come (a later start the same day still catches up, once)."""
    return now.date().isoformat() if now.hour >= settings.sitrep_hour else None


JOBS = (
    Job("move_phases", N_("every 10 minutes: opens and closes operations at their window's edges"),
        {"trigger": "interval", "minutes": 10}, lambda now, _s: f"{now:%Y-%m-%dT%H}:{now.minute // 10}", move_phases),
    Job("deliver_mail", N_("every 30 seconds: sends the mail outbox, retrying with back-off"),
        {"trigger": "interval", "seconds": 30}, lambda now, _s: f"{now:%Y-%m-%dT%H:%M}:{now.second // 30}",
        deliver_due),
    Job("publish_releases", N_("every minute: publishes scheduled releases whose embargo has come"),
        {"trigger": "interval", "minutes": 1}, per_minute, publish_due),
    Job("send_sitreps", N_("daily at the sitrep hour (UTC): compiles each active operation's sitrep and e-mails it to "
        "its coordinators"), {"trigger": "interval", "minutes": 15}, daily_from_sitrep_hour, send_sitreps),
    Job("remind_focal_points", N_("hourly: reminds focal points of countries that reported nothing for their previous "
        "day, at the reminder hour of each country's time zone"), {"trigger": "interval", "minutes": 15}, per_hour,
        send_reminders),
    Job("refresh_statistics", N_("hourly: refreshes the SQLite query planner's statistics (PostgreSQL does it itself)"),
        {"trigger": "interval", "hours": 1}, per_hour, refresh_statistics),
    Job("reap_tasks", N_("every minute: marks failed the sheet checks and imports whose worker stopped (killed, or "
        "its server gone), keeping what they saved, so they can be run again"),
        {"trigger": "interval", "minutes": 1}, per_minute, reap_tasks),
    Job("purge_expired", N_("hourly: removes expired sessions, links and failed-login records, and the "
        "answers kept for repeated API creates after a week"),
        {"trigger": "interval", "hours": 1}, per_hour, purge_expired),
    Job("purge_workbooks", N_("hourly: removes the workbooks of filtered records written in the background after a "
        "week"), {"trigger": "interval", "hours": 1}, per_hour, workbooks.purge_workbooks),
    Job("message_digest", N_("daily at 06:00 UTC: e-mails each member the operation messages posted since the last "
        "digest that they may read"), {"trigger": "cron", "hour": 6}, per_day, send_digests),
)
BY_NAME = {job.name: job for job in JOBS}


def markdown_reference() -> str:
    """The jobs as a Markdown table, as docs/admin-guide.md carries it."""
    return "\n".join(["| job | when and what |", "|---|---|",
                      *(f"| `{job.name}` | {job.schedule} |" for job in JOBS)]) + "\n"


async def run_job(sessionmaker: Sessionmaker, settings: Settings, job: Job, now: datetime | None = None,
                  *, slot: str | None = None) -> JobRun | None:
    """Claim the job's slot and do its work; None when another run already has this slot or none is due."""
    now = now or utcnow()
    slot = slot or job.slot(now, settings)
    if slot is None:
        return None
    async with session_scope(sessionmaker, actor=(None, f"job:{job.name}")) as session:
        run = JobRun(job=job.name, slot=slot, started_at=now)
        session.add(run)
        try:
            await session.commit()
        except IntegrityError:
            return None
        try:
            done = await job.work(session, settings, now)
        except Exception as exc:  # the run is recorded as failed; the next slot tries again
            await session.rollback()
            log.exception("job %s failed", job.name)
            outcome, done, error = "error", 0, type(exc).__name__  # its message may quote data: the log has where
        else:
            outcome, error = "ok", None
        await session.execute(update(JobRun).where(JobRun.id == run.id).values(
            outcome=outcome, done=done, error=error, finished_at=utcnow()))
        await session.commit()
        run.outcome, run.done, run.error = outcome, done, error
        return run
