"""Test fixtures: every test runs on SQLite and on a real PostgreSQL cluster that this session starts itself.

Each database is migrated and loaded with reference data once, as a template; every test gets a fresh copy
(a file copy on SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL), so tests never see each other's rows.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import itertools
import os
import pkgutil
import re
import shutil
import warnings
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller
from litestar.testing import AsyncTestClient

from opsplatform import wiring
from opsplatform.app import create_app
from opsplatform.auth.secrets import hash_password
from opsplatform.auth.services import create_user
from opsplatform.database import make_engine, make_sessionmaker, session_scope, upgrade
from opsplatform.demo.generator import load_demo
from opsplatform.models.auth import User
from opsplatform.reference.loader import load_all
from opsplatform.settings import Settings
from tests import pgcluster
from tests.pgcluster import free_port

PGBIN = pgcluster.PGBIN
wiring.install()  # as every entry point does: audit log, daily figures, case exchange on seizure events
PASSWORD = "correct horse battery"


def pytest_report_header() -> str:
    found = (PGBIN / "initdb").exists() or bool(os.environ.get("OPSPLATFORM_TEST_PG_URL"))
    return ("databases: SQLite and "
            f"{'PostgreSQL (' + str(PGBIN) + ')' if found else 'NOT PostgreSQL: server binaries missing'}")


# --- Hypothesis -------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def every_module_loaded() -> None:
    """Every module of the app imported. Hypothesis draws some values from the constants of the project's modules
    loaded in the process: which of them a test finds loaded depends on the files run before it in the same process,
    so a derandomized test would explore one way alone and another in a CI worker. With all of them loaded, it
    explores the same way everywhere."""
    import opsplatform

    for module in pkgutil.walk_packages(opsplatform.__path__, "opsplatform."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)


# --- PostgreSQL cluster ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str | None]:
    """A throw-away PostgreSQL cluster on loopback, or None (loudly) when the server binaries are missing."""
    if os.environ.get("OPSPLATFORM_TEST_PG_URL"):
        yield os.environ["OPSPLATFORM_TEST_PG_URL"]
        return
    if not pgcluster.available():
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL half: no initdb in {PGBIN} (.ci/run installs postgresql)")
        warnings.warn(f"PostgreSQL server binaries not found in {PGBIN}: the PostgreSQL half of the suite is SKIPPED "
                      "(apt-get install postgresql, or set OPSPLATFORM_PGBIN)", stacklevel=1)
        yield None
        return
    with pgcluster.cluster() as url:
        yield url


async def _prepare(url: str) -> None:
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    async with session_scope(make_sessionmaker(engine)) as session:
        await load_all(session)
    await engine.dispose()


@pytest_asyncio.fixture(scope="session")
async def templates(postgres_server: str | None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str | None]:
    """Migrated databases with reference data, ready to copy."""
    sqlite_file = tmp_path_factory.mktemp("template") / "template.db"
    await _prepare(f"sqlite+aiosqlite:///{sqlite_file}")
    pg = None
    if postgres_server:
        conn = await asyncpg.connect(postgres_server.replace("postgresql+asyncpg", "postgresql") + "/postgres")
        await conn.execute("DROP DATABASE IF EXISTS ops_template")
        await conn.execute("CREATE DATABASE ops_template")
        await conn.close()
        await _prepare(f"{postgres_server}/ops_template")
        pg = postgres_server
    return {"sqlite": str(sqlite_file), "postgresql": pg}


_counter = itertools.count()


@asynccontextmanager
async def fresh_database(kind: str, templates: dict[str, str | None], folder: Path) -> AsyncIterator[str]:
    """A fresh, migrated database with reference data: a file copy on SQLite, CREATE DATABASE … TEMPLATE on
    PostgreSQL (dropped afterwards)."""
    if kind == "sqlite":
        target = folder / "test.db"
        shutil.copyfile(templates["sqlite"], target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    server = templates["postgresql"]
    if server is None:
        pytest.skip("PostgreSQL server binaries missing (see the warning above)")
    name = f"ops_test_{os.getpid()}_{next(_counter)}"
    admin = server.replace("postgresql+asyncpg", "postgresql") + "/postgres"
    conn = await asyncpg.connect(admin)
    await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE ops_template')
    await conn.close()
    yield f"{server}/{name}"
    conn = await asyncpg.connect(admin)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


@pytest_asyncio.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, templates: dict[str, str | None],
                       tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, migrated database with reference data, on each of the two engines."""
    async with fresh_database(request.param, templates, tmp_path) as url:
        yield url


# --- mail -------------------------------------------------------------------------------------------------------------

@dataclass
class Mailbox:
    """Messages received by a real SMTP server on loopback."""

    port: int
    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802  (aiosmtpd)
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content, policy=default))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def smtp() -> Iterator[Mailbox]:
    box = Mailbox(free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def body_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


# --- app, database session and the cast -----------------------------------------------------------------------------

@pytest.fixture
def settings(database_url: str) -> Settings:
    # Mail goes to a port where nothing listens unless a test starts the `smtp` fixture and points there.
    # Queued tasks wait for `work_off`: a test sees each state of a sheet's check and import.
    return Settings(database_url=database_url, scheduler_enabled=False, task_workers=0, smtp_port=free_port())


async def work_off(settings: Settings) -> list:
    """What the app's task workers do, done now in this process: every queued task, oldest first; their runs."""
    from opsplatform.background.task_kinds import TASKS
    from opsplatform.jobs import tasks

    engine = make_engine(settings.database_url)
    sessionmaker, done = make_sessionmaker(engine), []
    try:
        while True:
            async with sessionmaker() as session:
                claimed = await tasks.claim(session)
            if claimed is None:
                return done
            done.append(await tasks.run(sessionmaker, settings, claimed.id, TASKS))
    finally:
        await engine.dispose()


@pytest_asyncio.fixture
async def db(settings: Settings) -> AsyncIterator:
    engine = make_engine(settings.database_url)
    async with session_scope(make_sessionmaker(engine), actor=(None, "test")) as session:
        yield session
    await engine.dispose()


@pytest_asyncio.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=create_app(settings)) as test_client:
        test_client.follow_redirects = False  # tests look at redirects themselves
        yield test_client


@pytest_asyncio.fixture
async def makers(settings: Settings) -> AsyncIterator[list]:
    """Two app instances' session makers on the same database, each with its own engine (as two schedulers)."""
    engines = [make_engine(settings.database_url) for _ in range(2)]
    yield [make_sessionmaker(e) for e in engines]
    for engine in engines:
        await engine.dispose()


@functools.cache
def password_hash() -> str:
    return hash_password(PASSWORD)


@dataclass
class Cast:
    admin: User
    coordinator: User
    kenya: User  # focal point of Kenya
    tanzania: User  # focal point of Tanzania, the outsider to Kenya's records
    analyst: User
    press: User


@pytest_asyncio.fixture
async def cast(db) -> Cast:  # type: ignore[no-untyped-def]
    """The fixed cast: coordinator, focal point of Kenya, focal point of Tanzania, press officer, admin, analyst."""
    people = {
        "admin": {"email": "ada@ops.test", "name": "Ada Admin", "role": "admin"},
        "coordinator": {"email": "corinne@ops.test", "name": "Corinne Coordinator", "role": "coordinator",
                        "cleared_for_nominal": True},
        "kenya": {"email": "wanjiru@kws.test", "name": "Wanjiru Kenya", "role": "focal_point", "country": "KEN",
                  "cleared_for_nominal": True},
        "tanzania": {"email": "baraka@tz.test", "name": "Baraka Tanzania", "role": "focal_point", "country": "TZA"},
        "analyst": {"email": "anders@ops.test", "name": "Anders Analyst", "role": "analyst"},
        "press": {"email": "priya@ops.test", "name": "Priya Press", "role": "press_officer"},
    }
    users = {key: await create_user(db, **fields) for key, fields in people.items()}
    for user in users.values():
        user.password_hash = password_hash()  # argon2 is slow on purpose: hash the shared password once
    await db.commit()
    return Cast(**users)


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]*)"')


async def csrf_of(client: AsyncTestClient) -> str:
    """The CSRF token a page served to this browser carries (bound to its session, or pre-session, cookie)."""
    page = await client.get("/login")
    found = CSRF_META.search(page.text)
    assert found, "no CSRF token on the login page"
    return found.group(1)


async def form_post(client: AsyncTestClient, url: str, data: dict[str, str] | None = None, **kwargs):  # type: ignore[no-untyped-def]
    """POST a form as a browser would: with the token of a page it was served."""
    return await client.post(url, data={**(data or {}), "_csrf_token": await csrf_of(client)}, **kwargs)


async def login(client: AsyncTestClient, user: User, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    response = await form_post(client, "/login", {"email": user.email, "password": password})
    assert response.status_code in (302, 303), response.text
    return response


# --- the demo, small -----------------------------------------------------------------------------------------------

DEMO_TODAY = date(2026, 10, 22)
DEMO_SEIZURES = 150


@pytest_asyncio.fixture(scope="module", params=["sqlite", "postgresql"])
async def demo_settings(request: pytest.FixtureRequest, templates, tmp_path_factory) -> AsyncIterator[Settings]:
    """The demo loaded once per test module that asks for it, on each database."""
    async with fresh_database(request.param, templates, tmp_path_factory.mktemp("demo")) as url:
        settings = Settings(database_url=url, scheduler_enabled=False, smtp_port=free_port())
        engine = make_engine(url)
        async with session_scope(make_sessionmaker(engine)) as session:
            await load_demo(session, settings, seizures=DEMO_SEIZURES, today=DEMO_TODAY, echo=lambda _: None,
                            reload_reference=False)
        await engine.dispose()
        yield settings


@pytest_asyncio.fixture
async def demo(demo_settings: Settings) -> AsyncIterator:
    engine = make_engine(demo_settings.database_url)
    async with session_scope(make_sessionmaker(engine)) as session:
        yield session
    await engine.dispose()
