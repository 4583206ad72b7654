"""Automatic phase changes at an operation's window edges (the scheduler's job; coordinators may also move by hand)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform.models.operations import Operation, Phase
from opsplatform.settings import Settings


def edges(operation: Operation) -> list[tuple[datetime, str, str]]:
    """(instant, from phase, to phase): the window opens, closes, and the grace period ends (UTC midnights)."""
    def midnight(day):  # type: ignore[no-untyped-def]
        return datetime.combine(day, time.min, tzinfo=operation.created_at.tzinfo)
    return [(midnight(operation.start_date), Phase.planning, Phase.active),
            (midnight(operation.end_date + timedelta(days=1)), Phase.active, Phase.reporting),
            (midnight(operation.grace_end + timedelta(days=1)), Phase.reporting, Phase.closed)]


async def move_phases(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """Move operations whose window edge passed since they were created; returns how many moved."""
    moved = 0
    for operation in (await session.scalars(select(Operation).where(
            Operation.phase.in_((Phase.planning, Phase.active, Phase.reporting))))).all():
        for instant, before, after in edges(operation):
            # Only edges crossed after creation: an operation entered late keeps the phase it was given.
            if operation.phase == before and operation.created_at < instant <= now:
                operation.phase = after
                operation.version += 1
                moved += 1
    await session.commit()
    return moved
