"""`opsplatform tasks …`: the worker side of work that left a request (jobs/tasks.py)."""

from __future__ import annotations

import asyncio
import contextlib

import click

from opsplatform.cli.tools import database_option, settings_for
from opsplatform.database import make_engine, make_sessionmaker


@click.group()
def tasks() -> None:
    """Work that left a request: sheet checks and imports, documents generated from the documents page."""


@tasks.command("run")
@database_option
@click.argument("run_id", type=int)
def tasks_run(database_url: str, run_id: int) -> None:
    """Do one claimed run (the app's dispatcher starts this in a process of its own)."""
    from opsplatform.background.task_kinds import TASKS
    from opsplatform.jobs import tasks as task_runs

    async def work() -> str:
        engine = make_engine(database_url, pool_size=2)
        try:
            run = await task_runs.run(make_sessionmaker(engine), settings_for(database_url), run_id, TASKS)
        finally:
            await engine.dispose()
        return run.outcome

    if asyncio.run(work()) != task_runs.OK:
        raise SystemExit(1)


@tasks.command("work")
@database_option
@click.option("--workers", default=2, show_default=True, help="Runs at most at once, each in its own process.")
def tasks_work(database_url: str, workers: int) -> None:
    """Do queued runs until stopped (Ctrl-C), for apps started with OPSPLATFORM_TASK_WORKERS=0."""
    from opsplatform.background.task_kinds import TASKS
    from opsplatform.jobs import tasks as task_runs

    async def work() -> None:
        engine = make_engine(database_url, pool_size=2)
        try:
            await task_runs.dispatch(make_sessionmaker(engine), settings_for(database_url), workers, TASKS)
        finally:
            await engine.dispose()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(work())
