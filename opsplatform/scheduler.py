"""Scheduled jobs inside the app process (APScheduler 3.x). Each job is a `run_once(session, …, now)` of its domain."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from litestar.datastructures import State

from opsplatform.auth.services import purge_expired
from opsplatform.database import session_scope, utcnow
from opsplatform.mail.outbox import deliver_due

log = logging.getLogger(__name__)


def _job(state: State, name: str, run: Callable[..., Awaitable[int]]) -> Callable[[], Awaitable[None]]:
    async def job() -> None:
        try:
            async with session_scope(state.sessionmaker, actor=(None, f"job:{name}")) as session:
                done = await run(session, state.settings, utcnow())
            if done:
                log.info("job %s: %s done", name, done)
        except Exception:  # a failing run must not stop the scheduler; the next run tries again
            log.exception("job %s failed", name)

    return job


def start_scheduler(state: State) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(_job(state, "deliver_mail", deliver_due), "interval", seconds=30, id="deliver_mail",
                      coalesce=True, max_instances=1)
    scheduler.add_job(_job(state, "purge_expired", purge_expired), "interval", hours=1, id="purge_expired",
                      coalesce=True, max_instances=1)
    scheduler.start()
    return scheduler
