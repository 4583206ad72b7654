"""Background work inside the app process: the scheduled jobs (APScheduler 3.x; what they do and their slots are in
background/schedule.py) and the dispatcher that starts worker processes for queued tasks (jobs/tasks.py)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from litestar.datastructures import State

from opsplatform.background.schedule import JOBS, run_job
from opsplatform.background.task_kinds import TASKS
from opsplatform.jobs import tasks


def start_scheduler(state: State) -> AsyncIOScheduler:
    """Every job runs once at start-up too, so runs missed while the app was down catch up once, not per slot."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    for job in JOBS:
        scheduler.add_job(run_job, args=(state.sessionmaker, state.settings, job), id=job.name, coalesce=True,
                          max_instances=1, next_run_time=datetime.now(UTC), **job.trigger)
    scheduler.start()
    state.scheduler = scheduler
    return scheduler


def start_workers(state: State) -> asyncio.Task[None] | None:
    """The task dispatcher, if the settings give it workers."""
    workers = state.settings.task_workers
    if workers <= 0:
        return None
    return asyncio.create_task(tasks.dispatch(state.sessionmaker, state.settings, workers, TASKS))
