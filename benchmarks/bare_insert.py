"""The yardstick for the load test: a minimal Litestar app whose one route inserts one row with asyncpg.

It authenticates nothing and validates nothing; the distance between it and the real submission is what
authentication, validation, the audit log, the daily figures and the ORM cost.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from litestar import Litestar, Request, get, post


def create_app() -> Litestar:
    url = os.environ["BARE_DATABASE_URL"].replace("postgresql+asyncpg", "postgresql")
    pool: dict[str, asyncpg.Pool] = {}

    @asynccontextmanager
    async def lifespan(_app: Litestar) -> AsyncIterator[None]:
        pool["db"] = await asyncpg.create_pool(url, min_size=5, max_size=20)
        async with pool["db"].acquire() as conn, conn.transaction():
            # Each worker process starts here at once: one creates the table, the others wait and find it (two
            # CREATE … IF NOT EXISTS at the same moment can both try to create its sequence).
            await conn.execute("SELECT pg_advisory_xact_lock(4242)")
            await conn.execute("CREATE TABLE IF NOT EXISTS bare_seizures (id bigserial PRIMARY KEY, body jsonb)")
        yield
        await pool["db"].close()

    @post("/insert", status_code=201)
    async def insert(request: Request) -> dict[str, Any]:
        body = await request.body()
        async with pool["db"].acquire() as conn:
            new_id = await conn.fetchval("INSERT INTO bare_seizures (body) VALUES ($1) RETURNING id", body.decode())
        return {"id": new_id, "version": 1, "seizure_ref": json.loads(body).get("seizure_ref")}

    @get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return Litestar([insert, health], lifespan=[lifespan])
