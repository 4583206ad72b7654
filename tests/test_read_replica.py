"""A read replica (OPSPLATFORM_READ_DATABASE_URL): the dashboard, its maps, the filtered exports and the summary API
read from a real hot standby of the database, replaying it by streaming replication; every write, and every other
page, goes to the primary. PostgreSQL only: a replica is a PostgreSQL standby."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace

import asyncpg
import pytest
import pytest_asyncio
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from opsplatform.app import create_app
from opsplatform.database import make_engine, make_sessionmaker
from opsplatform.settings import Settings, SettingsError
from tests import pgcluster
from tests.conftest import fresh_database, login
from tests.results_support import IVORY, active_operation, bearer

OPERATION = "/operations/THUNDER-2026"
API = "/api/v1/operations/THUNDER-2026"


@pytest.fixture(scope="module")
def standby(postgres_server: str | None) -> Iterator[str]:
    """A hot standby of this test process's PostgreSQL cluster."""
    if postgres_server is None:
        pytest.skip("PostgreSQL server binaries missing (see the warning above)")
    with pgcluster.standby(postgres_server) as url:
        yield url


@pytest_asyncio.fixture
async def database_url(templates: dict[str, str | None], tmp_path) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    async with fresh_database("postgresql", templates, tmp_path) as url:
        yield url


@pytest.fixture
def settings(database_url: str, standby: str) -> Settings:
    return Settings(database_url=database_url, read_database_url=f"{standby}/{database_url.rsplit('/', 1)[1]}",
                    scheduler_enabled=False, task_workers=0, smtp_port=pgcluster.free_port())


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg", "postgresql")


async def replayed(settings: Settings) -> None:
    """Wait until the replica has replayed everything the primary has written so far."""
    primary, replica = await asyncpg.connect(_plain(settings.database_url)), \
        await asyncpg.connect(_plain(settings.read_database_url))
    try:
        written = await primary.fetchval("SELECT pg_current_wal_lsn()")
        for _ in range(500):
            if await replica.fetchval("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", written):
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the replica did not catch up within 5 s")
    finally:
        await primary.close()
        await replica.close()


async def replay(settings: Settings, action: str) -> None:
    """Pause or resume the replica's replay, as a replica falling behind, then catching up."""
    replica = await asyncpg.connect(_plain(settings.read_database_url))
    try:
        await replica.execute(f"SELECT pg_wal_replay_{action}()")
        while action == "pause" and await replica.fetchval("SELECT pg_get_wal_replay_pause_state()") != "paused":
            await asyncio.sleep(0.01)
    finally:
        await replica.close()


async def refs_in_export(client: AsyncTestClient, fmt: str) -> set[str]:
    answer = await client.get(f"{OPERATION}/export.{fmt}?fields=seizure_ref")
    assert answer.status_code == 200, answer.text
    return {ref for ref in ("KE-JKIA-001", "KE-JKIA-002") if ref in answer.text}


async def test_the_heavy_reads_come_from_the_replica_and_the_writes_go_to_the_primary(client, db, cast, settings):
    await active_operation(db)
    kenya, coordinator = await bearer(db, cast.kenya), await bearer(db, cast.coordinator)
    await login(client, cast.coordinator)
    first = await client.post(f"{API}/seizures", json=IVORY, headers=kenya)
    assert first.status_code == 201, first.text
    await replayed(settings)
    assert (await client.get(f"{API}/summary", headers=coordinator)).json()["seizures"] == 1

    await replay(settings, "pause")  # the replica falls behind
    try:
        second = await client.post(f"{API}/seizures", json={**copy.deepcopy(IVORY), "seizure_ref": "KE-JKIA-002"},
                                   headers=kenya)
        assert second.status_code == 201, second.text  # written to the primary, which does not wait for the replica
        # The record's own pages read the primary: the new record is there at once.
        assert (await client.get(f"{API}/seizures/{second.json()['id']}", headers=kenya)).status_code == 200
        assert len((await client.get(f"{API}/seizures", headers=coordinator)).json()) == 2
        # The summary, the exports, the dashboard and its maps read the replica: not yet.
        assert (await client.get(f"{API}/summary", headers=coordinator)).json()["seizures"] == 1
        assert await refs_in_export(client, "csv") == await refs_in_export(client, "geojson") == {"KE-JKIA-001"}
        for page in ("/dashboard", "/map/points", "/map/countries", "/map/flows"):
            assert (await client.get(OPERATION + page)).status_code == 200, page
    finally:
        await replay(settings, "resume")
    await replayed(settings)
    assert (await client.get(f"{API}/summary", headers=coordinator)).json()["seizures"] == 2
    assert await refs_in_export(client, "csv") == {"KE-JKIA-001", "KE-JKIA-002"}


async def test_nothing_writes_through_the_reads(client, db, cast, settings):
    """The replica's connections refuse every write (a read-only transaction): pointed at the primary itself, the
    pages that read from the replica all still answer, so none of them writes through it."""
    await active_operation(db)
    await client.post(f"{API}/seizures", json=IVORY, headers=await bearer(db, cast.kenya))
    async with AsyncTestClient(app=create_app(replace(settings, read_database_url=settings.database_url))) as own:
        own.follow_redirects = False
        await login(own, cast.coordinator)
        for page in ("/dashboard", "/map/points", "/map/countries", "/map/flows", "/export.csv", "/export.xlsx",
                     "/export.geojson"):
            assert (await own.get(OPERATION + page)).status_code == 200, page
        answer = await own.get(f"{API}/summary", headers=await bearer(db, cast.coordinator))
        assert answer.json()["seizures"] == 1
    # A write through such an engine is refused by the database itself.
    readers = make_engine(settings.database_url, read_only=True)
    try:
        async with make_sessionmaker(readers)() as session:
            with pytest.raises(DBAPIError, match="read-only transaction"):
                await session.execute(text("CREATE TABLE written_through_reads (id integer)"))
    finally:
        await readers.dispose()


def test_a_replica_is_refused_beside_sqlite() -> None:
    with pytest.raises(SettingsError, match="OPSPLATFORM_READ_DATABASE_URL"):
        Settings(database_url="sqlite+aiosqlite:///ops.db", read_database_url="postgresql+asyncpg://h/db").check()
    with pytest.raises(SettingsError, match="OPSPLATFORM_READ_DATABASE_URL"):
        Settings(database_url="postgresql+asyncpg://h/db", read_database_url="sqlite+aiosqlite:///ops.db").check()
