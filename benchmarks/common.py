"""Shared benchmark set-up: fresh migrated databases with reference data, on SQLite and (when possible) PostgreSQL."""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import ExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg

from opsplatform.database import make_engine, make_sessionmaker, upgrade
from opsplatform.reference.loader import load_all
from tests import pgcluster


@asynccontextmanager
async def databases(stack: ExitStack, name: str) -> AsyncIterator[list[tuple[str, str]]]:
    """(label, URL) of a fresh database per engine, migrated and loaded with reference data."""
    folder = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    urls = [("sqlite", f"sqlite+aiosqlite:///{folder}/bench.db")]
    if pgcluster.available():
        server = stack.enter_context(pgcluster.cluster())
        conn = await asyncpg.connect(server.replace("postgresql+asyncpg", "postgresql") + "/postgres")
        await conn.execute(f"CREATE DATABASE bench_{name}")
        await conn.close()
        urls.append(("postgresql", f"{server}/bench_{name}"))
    for _label, url in urls:
        await asyncio.to_thread(upgrade, url)
        engine = make_engine(url)
        async with make_sessionmaker(engine)() as session:
            await load_all(session)
        await engine.dispose()
    yield urls


async def timed(work: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = await work()
    return time.perf_counter() - start, result


def median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]
