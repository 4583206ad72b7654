"""Every page and export at Thunder scale, as each role sees it: the demo with its running Thunder at 140 countries
and 5,000 seizures (beside last year's and a regional operation), each page asked in-process by each demo account
that may see it. Reported: the median server time of five requests (of two for a page over 3 s) and the size,
against the floor of the same run (the health check: what any request costs the stack), and the heavy documents'
generation time, and the time a task takes to write the workbook of every record (above 1,000 rows the XLSX export
is offered as such a task, so its page is the offer). On PostgreSQL the loaded database is vacuumed first, as
autovacuum leaves it within minutes of a bulk load: else its vacuum of the new rows shares the two cores with the
pages measured.

Run: .venv/bin/python -m benchmarks.pages [--seizures 5000] [--countries 140] [--engines both|sqlite|postgresql]
Aim: every page and export <= 100 ms (<= 300 ms at 100,000 seizures); the post-operation briefing and the release PDF
<= 2 s at Thunder scale, as every PDF document (a record's Ecomessage too: WeasyPrint lays out its five pages).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from benchmarks.common import databases, kept_subsection, median, sign_in, write_results
from opsplatform.app import create_app
from opsplatform.auth.services import create_api_token
from opsplatform.briefings.services import generate
from opsplatform.database import make_engine, make_sessionmaker, utcnow
from opsplatform.demo.generator import DEMO_ACCOUNTS, load_demo
from opsplatform.models.auth import User
from opsplatform.models.documents import Artifact
from opsplatform.models.operations import Operation
from opsplatform.models.seizures import Seizure
from opsplatform.policy import member_of
from opsplatform.reporting import exports, workbooks
from opsplatform.reporting.filters import ResultFilter
from opsplatform.settings import Settings

RUNS = 5
SLOW_S = 3.0
AIM_MS, DOCUMENT_AIM_S = 100, 2.0
THUNDER, LARGE_AIM_MS = 5000, 300  # beyond Thunder's size (100,000 seizures), pages aim at 300 ms


def aim_ms(page: str, seizures: int) -> float:
    """The aim for a page: a PDF document's, else a page's at this size."""
    if page.endswith(".pdf"):
        return DOCUMENT_AIM_S * 1000
    return AIM_MS if seizures <= THUNDER else LARGE_AIM_MS
ROLES = {"lead": "coordinator@demo.opsplatform.org", "network": "asean.coordinator@demo.opsplatform.org",
         "analyst": "analyst@demo.opsplatform.org", "press": "press@demo.opsplatform.org",
         "focal point": "fp.kenya@demo.opsplatform.org"}
PASSWORDS = {a.email: a.password for a in DEMO_ACCOUNTS}
# What people open in a working day; {op} is the running Thunder, {seizure} one of Kenya's records, {document} a
# briefing kept in its documents.
PAGES = (
    "/", "/operations/{op}", "/operations/{op}/dashboard", "/operations/{op}/completeness",
    "/operations/{op}/seizures", "/operations/{op}/seizures?page=20", "/operations/{op}/seizures/new",
    "/operations/{op}/seizures/{seizure}", "/operations/{op}/seizures/{seizure}/edit",
    "/operations/{op}/seizures/{seizure}/ecomessage", "/operations/{op}/seizures/{seizure}/ecomessage.pdf",
    "/operations/{op}/map/points", "/operations/{op}/map/countries", "/operations/{op}/map/flows",
    "/operations/{op}/routes-map", "/operations/{op}/export.csv", "/operations/{op}/export.xlsx",
    "/operations/{op}/export.geojson", "/operations/{op}/documents", "/documents/{document}",
    "/operations/{op}/follow-up", "/operations/{op}/links", "/operations/{op}/links/network",
    "/operations/{op}/messages", "/operations/{op}/imports", "/operations/{op}/team",
    "/operations/{op}/release", "/operations/{op}/release/preview", "/operations/{op}/release/export.csv",
    "/operations/{op}/release/export.json", "/operations/{op}/release/export.pdf", "/releases", "/matches",
    "/notifications", "/records", "/records?q=KEN-", "/compare?operations={op}&operations={last}",
    "/reports/annual-illegal-trade", "/api/v1/operations/{op}/summary", "/api/v1/operations/{op}/seizures",
)


async def settled(url: str) -> None:
    """PostgreSQL's tables vacuumed and analysed after the load (VACUUM cannot run in a transaction)."""
    if url.startswith("postgresql"):
        connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
        await connection.execute("VACUUM ANALYZE")
        await connection.close()


async def timed_get(client: AsyncTestClient, path: str, token: str = "") -> tuple[float, int, int]:
    headers = {"Authorization": f"Bearer {token}"} if path.startswith("/api/") else {}
    start = time.perf_counter()
    answer = await client.get(path, headers=headers)
    return time.perf_counter() - start, answer.status_code, len(answer.content)


STREAMED = tuple(f"/operations/{{op}}/export.{fmt}" for fmt in exports.STREAMED)


async def first_rows(app: Any, path: str, cookies: str) -> float:
    """Seconds until the app sends the second chunk of a streamed response's body: the first batch of rows (the
    first chunk is the file's head, sent before any row is read). Asked of the app itself, as a server would: the
    test client hands over a body only once whole."""
    sent: list[float] = []
    done, asked = asyncio.Event(), False

    async def receive() -> dict[str, Any]:
        nonlocal asked
        if asked:  # as a server: the client is gone once the whole body is sent
            await done.wait()
            return {"type": "http.disconnect"}
        asked = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            if message.get("body"):
                sent.append(time.perf_counter())
            if not message.get("more_body"):
                done.set()

    path, _, query = path.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
             "headers": [(b"host", b"testserver"), (b"cookie", cookies.encode())], "client": ("127.0.0.1", 50000),
             "server": ("testserver", 80), "state": {}, "extensions": {}}
    start = time.perf_counter()
    await app(scope, receive, send)
    return sent[1] - start


async def pages(settings: Settings, names: dict[str, str],
                tokens: dict[str, str]) -> tuple[float, dict[str, dict[str, tuple]], dict[str, float]]:
    """The floor (median seconds of /health); per page and role, (median seconds, bytes) or the refusal code, the
    API's paths with the role's token; and for each streamed export, the lead's median time to its first rows."""
    found: dict[str, dict[str, tuple]] = {}
    firsts: dict[str, float] = {}
    app = create_app(settings)
    async with AsyncTestClient(app=app) as client:
        floor = median([(await timed_get(client, "/health"))[0] for _ in range(50)])
        for role, email in ROLES.items():
            client.cookies.clear()
            await sign_in(client, email, PASSWORDS[email])
            for page in PAGES:
                path = page.format(**names)
                first = await timed_get(client, path, tokens[role])  # warm, as a working server is
                if first[1] != 200:
                    found.setdefault(page, {})[role] = (None, first[1])
                    continue
                # A page over SLOW is far past any aim: one more run tells its time (five took most of a run).
                more = 1 if first[0] > SLOW_S else RUNS - 1
                runs = [first, *[await timed_get(client, path, tokens[role]) for _ in range(more)]]
                found.setdefault(page, {})[role] = (median([r[0] for r in runs]), runs[-1][2])
                if role == "lead" and page in STREAMED:
                    cookies = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
                    # In the loop the test client runs the app in (its portal's), where its connections live.
                    firsts[page] = median([client.blocking_portal.call(first_rows, app, path, cookies)
                                           for _ in range(RUNS)])
    return floor, found, firsts


async def documents(session, settings: Settings, operation: Operation) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Seconds to generate each briefing as a PDF, and to write the workbook of every record (a task's work), as the
    lead coordinator."""
    lead = await session.scalar(select(User).where(User.email == ROLES["lead"]))
    member = await member_of(session, lead, operation)
    times = {}
    for kind in ("pre", "sitrep", "post"):
        start = time.perf_counter()
        await generate(session, settings, member, kind=kind, fmt="pdf", lang="en", now=utcnow())
        times[f"{kind} briefing PDF"] = time.perf_counter() - start
        await session.commit()
    asked = await workbooks.ask(session, member, ResultFilter(), list(exports.FIELDS), "en")
    await session.commit()

    async def beat(_done: int, _total: int, within=None) -> None:  # type: ignore[no-untyped-def]
        """Progress goes nowhere here."""

    start = time.perf_counter()
    rows = await workbooks.write(session, settings, asked.slot, beat)
    times[f"workbook of every record, {rows:,} rows (written by a task)"] = time.perf_counter() - start
    return times


def table(floor: float, found: dict[str, dict[str, tuple]], seizures: int) -> list[str]:
    roles = list(ROLES)
    lines = ["| page | " + " | ".join(roles) + " | size |", "|---|" + "---:|" * (len(roles) + 1)]
    for page, by_role in found.items():
        cells, size = [], 0
        for role in roles:
            seconds, extra = by_role.get(role, (None, "–"))
            if seconds is None:
                cells.append(f"({extra})")
                continue
            size = max(size, extra)
            mark = " **over**" if seconds * 1000 > aim_ms(page, seizures) else ""
            cells.append(f"{seconds * 1000:.0f} ms{mark}")
        lines.append(f"| `{page}` | " + " | ".join(cells) + f" | {size / 1024:.0f} KB |")
    return lines


async def run(seizures: int, countries: int, engines: str) -> None:
    sections: list[str] = []
    with ExitStack() as stack:
        async with databases(stack, "pages") as urls:
            for label, url in urls:
                if engines not in ("both", label):
                    continue
                settings = Settings(database_url=url, scheduler_enabled=False)
                engine = make_engine(url)
                async with make_sessionmaker(engine)() as session:
                    started = time.perf_counter()
                    await load_demo(session, settings, seizures=seizures, countries=countries,
                                    echo=lambda _line: None, reload_reference=False)
                    loaded = time.perf_counter() - started
                    today = utcnow().date()
                    running = await session.scalar(select(Operation).where(Operation.code == f"THUNDER-{today.year}"))
                    names = {
                        "op": running.code, "last": f"THUNDER-{today.year - 1}",
                        "seizure": await session.scalar(select(Seizure.id).where(
                            Seizure.operation_id == running.id, Seizure.reporting_country == "KEN").limit(1)),
                        "document": await session.scalar(select(Artifact.id).where(
                            Artifact.operation_id == running.id).order_by(Artifact.id).limit(1))}
                    code = running.code
                    tokens = {}
                    for role, email in ROLES.items():
                        user = await session.scalar(select(User).where(User.email == email))
                        tokens[role] = (await create_api_token(session, user, "benchmark"))[1]
                    await session.commit()
                    await settled(url)
                    heavy = await documents(session, settings, running)
                floor, found, firsts = await pages(settings, names, tokens)
                await engine.dispose()
                over = sorted({p for p, by_role in found.items() for s, _x in by_role.values()
                               if s is not None and s * 1000 > aim_ms(p, seizures)})
                worst = max(s for by_role in found.values() for s, _x in by_role.values() if s is not None)
                at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
                begun = len(sections)
                sections += [f"### {label}", "",
                             f"Run {at}: the demo loaded in {loaded:.0f} s; {code} has {countries} countries "
                             f"and {seizures:,} seizures. Floor (/health): {floor * 1000:.1f} ms. Slowest page "
                             f"{worst * 1000:.0f} ms = {worst / floor:.0f}x the floor; "
                             f"{len(over)} of {len(found)} pages over their aim for some role"
                             + (f" ({', '.join(f'`{p}`' for p in over)})." if over else "."), "",
                             *(f"- {name}: {seconds:.2f} s" + (" **over**" if "PDF" in name and seconds > DOCUMENT_AIM_S
                                                                else "")
                               for name, seconds in heavy.items()),
                             "- streamed exports, as the lead coordinator, the first "
                             f"{exports.BATCH:,} rows sent after: " + "; ".join(
                                 f"`{page}` {seconds * 1000:.0f} ms" for page, seconds in firsts.items())
                             + " (the table gives the whole file's time)", "",
                             *table(floor, found, seizures), ""]
                print("\n".join(sections[begun:]), flush=True)  # kept in the log should a later engine fail
    title = "Pages at Thunder scale" if seizures == THUNDER else f"Pages at {seizures:,} seizures"
    if engines != "both":  # the other engine's last run stays, marked as such
        other = "sqlite" if engines == "postgresql" else "postgresql"
        kept = kept_subsection(title, f"### {other}")
        if kept:
            kept[1:1] = ["", f"(Kept from an earlier run: this one measured {engines} only.)"]
            sections = [*kept, *sections] if other == "sqlite" else [*sections, *kept]
    write_results(title, __doc__, sections)


if __name__ == "__main__":
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser()
    parser.add_argument("--seizures", type=int, default=5000, help="seizures in the running operation")
    parser.add_argument("--countries", type=int, default=140, help="its participating countries")
    parser.add_argument("--engines", choices=("both", "sqlite", "postgresql"), default="both")
    arguments = parser.parse_args()
    asyncio.run(run(arguments.seizures, arguments.countries, arguments.engines))
