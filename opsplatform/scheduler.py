"""Scheduled jobs inside the app process (APScheduler 3.x); what they do and their slots are in jobs/registry.py."""

from __future__ import annotations

from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from litestar.datastructures import State

from opsplatform.jobs.registry import JOBS, run_job


def start_scheduler(state: State) -> AsyncIOScheduler:
    """Every job runs once at start-up too, so runs missed while the app was down catch up once, not per slot."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    for job in JOBS:
        scheduler.add_job(run_job, args=(state.sessionmaker, state.settings, job), id=job.name, coalesce=True,
                          max_instances=1, next_run_time=datetime.now(UTC), **job.trigger)
    scheduler.start()
    state.scheduler = scheduler
    return scheduler
