"""Scheduled jobs: each run claims its slot so it happens once, even with two schedulers on one database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from opsplatform.background.schedule import BY_NAME, Job, run_job
from opsplatform.models.audit import AuditEvent
from opsplatform.models.jobs import JobRun
from opsplatform.models.operations import Operation
from tests.conftest import form_post, login
from tests.results_support import active_operation

MOVE = BY_NAME["move_phases"]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def planned(db, created: str, **changes) -> Operation:
    operation = await active_operation(db, phase="planning", **changes)
    operation.created_at = at(created)
    await db.commit()
    return operation


async def test_phases_move_at_the_window_edges_once(db, settings, makers):
    operation = await planned(db, "2026-09-01T10:00:00")
    assert (await run_job(makers[0], settings, MOVE, at("2026-09-30T23:55:00"))).done == 0
    assert (await run_job(makers[0], settings, MOVE, at("2026-10-01T00:05:00"))).done == 1
    assert await run_job(makers[0], settings, MOVE, at("2026-10-01T00:07:00")) is None  # same slot: not again
    await db.refresh(operation)
    assert operation.phase == "active"
    await run_job(makers[0], settings, MOVE, at("2026-11-01T00:01:00"))
    await db.refresh(operation)
    assert operation.phase == "reporting"
    await run_job(makers[0], settings, MOVE, at("2026-11-15T00:01:00"))
    await db.refresh(operation)
    assert operation.phase == "closed"
    moves = (await db.execute(select(AuditEvent.actor, AuditEvent.after).where(
        AuditEvent.entity == "operations", AuditEvent.action == "update", AuditEvent.actor.startswith("job:")))).all()
    assert [(a, after["phase"]) for a, after in moves] == [
        ("job:move_phases", "active"), ("job:move_phases", "reporting"), ("job:move_phases", "closed")]


async def test_an_operation_entered_after_its_start_keeps_its_phase(db, settings, makers):
    operation = await planned(db, "2026-10-05T08:00:00")
    await run_job(makers[0], settings, MOVE, at("2026-10-06T00:00:00"))
    await db.refresh(operation)
    assert operation.phase == "planning"


async def test_a_missed_run_catches_up_once(db, settings, makers):
    operation = await planned(db, "2026-09-01T10:00:00")
    # The app was down for two days across the window's opening; it comes back and runs once.
    first = await run_job(makers[0], settings, MOVE, at("2026-10-02T09:00:00"))
    again = await run_job(makers[1], settings, MOVE, at("2026-10-02T09:01:00"))
    assert (first.done, again) == (1, None)
    await db.refresh(operation)
    assert operation.phase == "active"


async def test_two_schedulers_on_one_database_run_a_slot_once(db, settings, makers):
    calls = []

    async def work(session, settings, now) -> int:
        calls.append(now)
        await asyncio.sleep(0.05)
        return 1

    job = Job("probe", "test", {}, lambda now, _settings: "slot-1", work)
    runs = await asyncio.gather(*(run_job(maker, settings, job, at("2026-10-02T06:00:00")) for maker in makers))
    assert sorted(r is None for r in runs) == [False, True] and len(calls) == 1
    assert len((await db.scalars(select(JobRun).where(JobRun.job == "probe"))).all()) == 1


async def test_a_failing_run_is_recorded_with_its_error_type_but_not_its_message(db, settings, makers):
    async def broken(session, settings, now) -> int:
        raise RuntimeError("no such record: KE-2026-0042 of Jane Doe")  # a message may quote data

    run = await run_job(makers[0], settings, Job("broken", "test", {}, lambda now, _settings: "s", broken))
    assert (run.outcome, run.error) == ("error", "RuntimeError")


@pytest.mark.parametrize("role,expected", [("admin", 200), ("coordinator", 200), ("kenya", 403), ("press", 403)])
async def test_the_jobs_page_by_role(client, cast, role, expected):
    await login(client, getattr(cast, role))
    assert (await client.get("/jobs")).status_code == expected


async def test_a_coordinator_runs_a_job_now(client, db, cast):
    await login(client, cast.coordinator)
    response = await form_post(client, "/jobs/deliver_mail/run")
    assert response.status_code in (302, 303)
    run = await db.scalar(select(JobRun).where(JobRun.job == "deliver_mail"))
    assert run.outcome == "ok" and run.slot.startswith("manual")
    assert "deliver_mail" in (await client.get("/jobs")).text


async def test_sqlite_statistics_are_refreshed_for_the_query_planner(db, settings, makers):
    run = await run_job(makers[0], settings, BY_NAME["refresh_statistics"], at("2026-10-02T06:00:00"))
    if settings.is_sqlite:
        assert run.done == 1
        tables = (await db.execute(text("SELECT DISTINCT tbl FROM sqlite_stat1"))).scalars().all()
        assert {"taxa", "airports", "countries"} <= set(tables)  # every table with rows and indexes
    else:
        assert run.done == 0  # autovacuum analyses PostgreSQL's tables
