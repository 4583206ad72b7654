"""Shared benchmark set-up: fresh migrated databases with reference data, on SQLite and (when possible) PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import platform
import re
import tempfile
import time
import timeit
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import ExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg

from opsplatform import wiring
from opsplatform.database import make_engine, make_sessionmaker, upgrade
from opsplatform.reference.loader import load_all
from tests import pgcluster


@asynccontextmanager
async def databases(stack: ExitStack, name: str) -> AsyncIterator[list[tuple[str, str]]]:
    """(label, URL) of a fresh database per engine, migrated and loaded with reference data. The parts are wired as
    every entry point wires them (the audit log and the daily figures kept on each commit), so what is measured is
    what the app does."""
    wiring.install()
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


async def sign_in(client: Any, email: str, password: str) -> None:
    """Sign in through the login form as a browser does, with the CSRF token the page carries."""
    page = await client.get("/login")
    token = re.search(r'<meta name="csrf-token" content="([^"]*)"', page.text)
    answer = await client.post("/login", data={"email": email, "password": password,
                                               "_csrf_token": token.group(1) if token else ""}, follow_redirects=False)
    if answer.status_code not in (302, 303):  # the login page again, saying why
        said = re.search(r'role="alert"[^>]*>([^<]*)<', answer.text)
        raise RuntimeError(f"{email} could not sign in: {said.group(1) if said else answer.status_code}")


RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def kept_subsection(title: str, heading: str) -> list[str]:
    """The lines of subsection `heading` (e.g. "### postgresql") of section `title` as RESULTS.md holds it, for a run
    of one engine that keeps the other's last figures; none when there are none."""
    text = RESULTS.read_text() if RESULTS.exists() else ""
    begin, end = f"<!-- {title} -->", f"<!-- /{title} -->"
    if begin not in text or end not in text:
        return []
    lines = text[text.index(begin):text.index(end)].splitlines()
    if heading not in lines:
        return []
    start = lines.index(heading)
    stop = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("### ")), len(lines))
    return lines[start:stop]


def pace_ms() -> float:
    """How fast this machine runs Python, to compare runs made on different machines (machines of one kind here have
    differed by half): the best of five sums of a million integers."""
    return min(timeit.repeat("sum(range(10**6))", number=1, repeat=5)) * 1000


def write_results(title: str, doc: str | None, lines: list[str]) -> None:
    """Put this benchmark's section into benchmarks/RESULTS.md, replacing the one from its last run."""
    intro = "# Benchmark results\n\nWritten by `make benchmarks`; each section by its own module, on this machine.\n"
    text = RESULTS.read_text() if RESULTS.exists() else intro
    begin, end = f"<!-- {title} -->", f"<!-- /{title} -->"
    machine = (f"{os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}; this "
               f"machine's pace, a sum of a million integers in Python: {pace_ms():.0f} ms")
    summary = (doc or "").strip().split("\n\n")
    section = "\n".join([begin, f"## {title}", "", *summary[1:2], "",
                         f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {machine}.", "", *lines, end])
    if begin in text:
        text = text[:text.index(begin)] + section + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text)
