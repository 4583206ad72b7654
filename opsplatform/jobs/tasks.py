"""Work that leaves the request: checking and importing a sheet (and any other long work) runs as a task, a JobRun row
that one worker process claims and runs while the page polls its progress. The request only queues it.

A worker is a child process (`opsplatform tasks run ID`) that the app's dispatcher starts, so a heavy sheet costs its
own memory and CPU, never the server's: the server keeps answering. A worker beats (progress and a heartbeat) as it
goes; a run whose worker is gone (its process ended on this machine, or its beats stopped: killed, its server gone)
is marked failed by `reap`, with what its kind records then (a sheet import: failed, with what was committed), and
can be run again. The command line works on its runs in its own process, recorded the same way.
"""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import socket
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import policy
from opsplatform.database import Sessionmaker, session_scope, utcnow
from opsplatform.i18n import _
from opsplatform.models.auth import User
from opsplatform.models.jobs import JobRun
from opsplatform.models.operations import Operation
from opsplatform.policy import Member
from opsplatform.settings import Settings

log = logging.getLogger(__name__)
QUEUED, RUNNING, OK, ERROR = "queued", "running", "ok", "error"
STALE = timedelta(minutes=5)  # no beat for this long: the worker is gone (a beat comes at least every batch)
IDLE = 1.0  # seconds the dispatcher waits when nothing is queued
A = TypeVar("A")


class Refused(Exception):
    """The work cannot be done as asked (the asker lost the right to it, say): the run fails with this message, meant
    for the asker, in place of the exception's name."""


class Beat(Protocol):
    """Progress (done of total; total 0 while unknown) and proof of life: in the caller's transaction if given a
    session (committed with the work it reports), else at once in its own."""

    async def __call__(self, done: int, total: int, within: AsyncSession | None = None) -> None: ...


@dataclass(frozen=True)
class TaskKind:
    """A kind of task: its work on what the slot names, and what to record when a run of it dies."""

    name: str
    work: Callable[[AsyncSession, Settings, str, Beat], Awaitable[int]]
    failed: Callable[[AsyncSession, str, str], Awaitable[None]]


@dataclass(frozen=True)
class Followed(Generic[A]):
    """What a page shows of someone's task on its way, or failed lately: what was asked and its run."""

    asked: A
    run: JobRun

    @property
    def active(self) -> bool:
        return self.run.outcome in (QUEUED, RUNNING)

    @property
    def reason(self) -> str:
        """Why it failed, for who asked: a refusal says it in a sentence; otherwise the run holds the name of the
        error (its message may quote the data) or the reaper's "stopped"."""
        error = self.run.error or ""
        if error == "stopped":
            return _("its worker stopped before the end")
        if error.isidentifier():
            return _("an error (%(error)s); ask for it again, and tell an administrator if it happens again",
                     error=error)
        return error


async def queue(session: AsyncSession, kind: str, slot: str, *, here: bool = False,
                asked: dict[str, Any] | None = None) -> JobRun:
    """Queue `kind` for `slot` (in the caller's transaction), with what it was `asked` beyond the slot if anything,
    or with `here` claim it for this process (the command line works in its own); a run already queued or running is
    kept, a finished one is queued again."""
    run = await session.scalar(select(JobRun).where(JobRun.job == kind, JobRun.slot == slot))
    if run is None:
        run = JobRun(job=kind, slot=slot, started_at=utcnow())
        session.add(run)
    elif run.outcome not in (OK, ERROR):
        return run
    now = utcnow()
    run.outcome, run.done, run.total, run.error, run.finished_at, run.memory_mb = QUEUED, 0, 0, None, None, None
    run.asked = asked
    if here:
        run.outcome, run.started_at, run.heartbeat_at, run.worker = RUNNING, now, now, this_worker()
    await session.flush()
    return run


async def asked_of(session: AsyncSession, kind: str, slot: str) -> dict[str, Any]:
    """What the run of `kind` for `slot` was asked beyond its slot (empty if nothing)."""
    return await session.scalar(select(JobRun.asked).where(JobRun.job == kind, JobRun.slot == slot)) or {}


async def recent_runs(session: AsyncSession, kind: str, slot_prefix: str, now: datetime,
                      shown: timedelta) -> Sequence[JobRun]:
    """The runs of `kind` whose slots start with `slot_prefix` (whose they are) that are on their way or failed within
    `shown`, oldest first: what a page shows of someone's tasks."""
    return (await session.scalars(select(JobRun).where(
        JobRun.job == kind, JobRun.slot.startswith(slot_prefix),
        or_(JobRun.outcome.in_((QUEUED, RUNNING)), and_(JobRun.outcome == ERROR, JobRun.finished_at > now - shown)))
        .order_by(JobRun.id))).all()


async def acting_member(session: AsyncSession, user_id: int, operation_id: int, allowed: str) -> Member | None:
    """Who asked for a task, as a member of the operation now, if still an active account allowed `allowed` (a role,
    a team or an account may have changed since it asked); its changes are then its own in the audit log."""
    user = await session.get(User, user_id)
    operation = await session.get(Operation, operation_id)
    member = await policy.member_of(session, user, operation) \
        if user is not None and user.is_active and operation is not None else None
    if member is None or not policy.may(member, allowed):
        return None
    session.sync_session.info["actor"] = (member.user.id, member.user.email)
    return member


def this_worker() -> str:
    """This process, as a run records who works on it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _gone(worker: str | None) -> bool:
    """Whether the process that took a run has ended, when it ran on this machine (else only its beats tell)."""
    host, _, pid = (worker or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


async def claim(session: AsyncSession, run_id: int | None = None) -> JobRun | None:
    """Take a queued run (the oldest, or `run_id`) for this process: a conditional UPDATE, so of several dispatchers
    on one database exactly one gets it."""
    candidates = select(JobRun.id).where(JobRun.outcome == QUEUED)
    candidates = candidates.where(JobRun.id == run_id) if run_id is not None else candidates.order_by(JobRun.id)
    for candidate in (await session.scalars(candidates.limit(5))).all():
        now = utcnow()
        taken = await session.execute(update(JobRun).where(JobRun.id == candidate, JobRun.outcome == QUEUED)
                                      .values(outcome=RUNNING, started_at=now, heartbeat_at=now,
                                              worker=this_worker()))
        await session.commit()
        if taken.rowcount == 1:
            return await session.get(JobRun, candidate, populate_existing=True)
    return None


async def run(sessionmaker: Sessionmaker, settings: Settings, run_id: int, kinds: Mapping[str, TaskKind], *,
              watch: Callable[[int, int], Awaitable[None]] | None = None) -> JobRun:
    """Do a claimed run's work, beating as it goes (and telling `watch`, a command line's progress bar), and record
    how it ended and the memory it took."""
    async with session_scope(sessionmaker) as session:
        task = await session.get(JobRun, run_id)
        assert task is not None and task.outcome == RUNNING, f"run {run_id} is not claimed"
        kind, slot = kinds[task.job], task.slot  # kept: a rollback after a failure expires the row
        await session.execute(update(JobRun).where(JobRun.id == run_id).values(worker=this_worker()))
        await session.commit()

        async def beat(done: int, total: int, within: AsyncSession | None = None) -> None:
            told = update(JobRun).where(JobRun.id == run_id).values(done=done, total=total, heartbeat_at=utcnow())
            if within is not None:
                await within.execute(told)
            else:
                async with sessionmaker() as other:
                    await other.execute(told)
                    await other.commit()
            if watch is not None:
                await watch(done, total)

        try:
            done = await kind.work(session, settings, slot, beat)
        except Exception as exc:  # the run is recorded as failed, its kind says what that means
            await session.rollback()
            if isinstance(exc, Refused):
                log.info("task %s %s refused: %s", kind.name, slot, exc)
                error = str(exc)
            else:
                log.exception("task %s %s failed", kind.name, slot)
                error = type(exc).__name__  # a message may quote the data: the log has where
            outcome, done = ERROR, 0
            await kind.failed(session, slot, error)
        else:
            outcome, error = OK, None
        await session.execute(update(JobRun).where(JobRun.id == run_id).values(
            outcome=outcome, done=done, error=error, finished_at=utcnow(), memory_mb=peak_memory_mb()))
        await session.commit()
        return await session.get(JobRun, run_id, populate_existing=True)


def peak_memory_mb() -> int:
    """This process's peak resident memory, in MiB. Linux's VmHWM is this program's own; getrusage's would include
    the parent's at the fork (exec keeps it), so it is only the fallback elsewhere."""
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) // 1024
    except (OSError, StopIteration, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


async def reap(session: AsyncSession, now: datetime, kinds: Mapping[str, TaskKind]) -> int:
    """Mark failed every running run whose worker is gone: it stopped beating, or its process on this machine has
    ended; returns how many."""
    running = (await session.scalars(select(JobRun).where(JobRun.outcome == RUNNING,
                                                          JobRun.job.in_(list(kinds))))).all()
    gone = [(task.id, task.job, task.slot, task.worker) for task in running
            if task.heartbeat_at is None or task.heartbeat_at < now - STALE or _gone(task.worker)]
    ended = [await _fail(session, task, "stopped", kinds, worker=worker) for *task, worker in gone]
    await session.commit()
    return sum(ended)


async def _fail(session: AsyncSession, task: tuple[int, str, str], why: str, kinds: Mapping[str, TaskKind], *,
                worker: str | None = None) -> bool:
    """End a running run (id, kind, slot) as failed, only if it still runs (and still by `worker` if given), and let
    its kind record what that means."""
    run_id, kind, slot = task
    query = update(JobRun).where(JobRun.id == run_id, JobRun.outcome == RUNNING)
    if worker is not None:
        query = query.where(JobRun.worker == worker)
    ended = (await session.execute(query.values(outcome=ERROR, error=why, finished_at=utcnow()))).rowcount == 1
    if ended:
        await kinds[kind].failed(session, slot, why)
    return ended


async def dispatch(sessionmaker: Sessionmaker, settings: Settings, workers: int, kinds: Mapping[str, TaskKind]) -> None:
    """Start a worker process for each queued run, at most `workers` at once; runs until cancelled."""
    running: set[asyncio.Task[None]] = set()
    while True:
        if len(running) < workers:
            try:
                async with sessionmaker() as session:
                    task = await claim(session)
            except Exception:  # the database is away for a moment: try again, the queue keeps the work
                log.exception("could not claim a task")
                task = None
            if task is not None:
                worker = asyncio.create_task(_work_apart(sessionmaker, settings, task, kinds))
                running.add(worker)
                worker.add_done_callback(running.discard)
                continue
        await asyncio.sleep(IDLE)


async def _work_apart(sessionmaker: Sessionmaker, settings: Settings, task: JobRun,
                      kinds: Mapping[str, TaskKind]) -> None:
    """One run in a child process; if it dies without saying how it ended, it has failed."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "opsplatform", "tasks", "run", "--database-url", settings.database_url, str(task.id),
        env={**os.environ, "OPSPLATFORM_DATABASE_URL": settings.database_url})
    if await process.wait() != 0:
        async with sessionmaker() as session:
            await _fail(session, (task.id, task.job, task.slot), "stopped", kinds)
            await session.commit()
