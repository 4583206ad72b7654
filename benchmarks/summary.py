"""The summary at 100,000 seizures (about 130,000 items) in one operation, against hand-written SQL that computes the
same figures, measured in the same run; the dashboard page's server time and size; and, with --total, the same
operation's summary once the database holds 1,000,000 seizures in 20 operations.

Run: .venv/bin/python -m benchmarks.summary [--seizures 100000] [--total 1000000 --operations 20]
Aim: summary median <= 100 ms and within 1.5x of the hand-written query on PostgreSQL; dashboard page <= 300 ms and
<= 1 MB of HTML including the map; at 1,000,000 seizures in 20 operations a per-operation summary within 1.5x of its
time at 100,000.

Two floors: the figures hand-written over the window and daily figures (the same pre-aggregated rows the summary
reads: the cost of our query building and shaping), and hand-written over the raw records (what it would cost
without them).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import time
from contextlib import ExitStack
from datetime import date, timedelta

from litestar.testing import AsyncTestClient
from sqlalchemy import text

from benchmarks.common import databases, median, sign_in, timed, write_results
from opsplatform.app import create_app
from opsplatform.auth.services import create_user
from opsplatform.database import make_engine, make_sessionmaker
from opsplatform.demo.generator import DemoOperation, _commodities, create_operation
from opsplatform.models.operations import Operation
from opsplatform.policy import command_line, member_of
from opsplatform.reporting.summary import summary
from opsplatform.settings import Settings

COUNTRIES = """
  UNION ALL SELECT 'participating', NULL, NULL, COUNT(*), NULL FROM participants WHERE operation_id = :op
  UNION ALL SELECT 'with_seizures', NULL, NULL, COUNT(DISTINCT {country}), NULL FROM {counted}
  UNION ALL SELECT 'reporting', NULL, NULL, COUNT(*), NULL FROM (
    SELECT {country} AS c FROM {counted} UNION SELECT country_code FROM nil_returns WHERE operation_id = :op) r
    WHERE r.c IN (SELECT country_code FROM participants WHERE operation_id = :op)"""
OVER_RECORDS = """
WITH counted AS (
  SELECT id, reporting_country, suspects_arrested, transport_mode, detection_method, seizure_date FROM seizures
  WHERE operation_id = :op AND status IN ('submitted', 'validated', 'queried'))
SELECT 'total', NULL, NULL, COUNT(*), SUM(suspects_arrested) FROM counted
UNION ALL SELECT 'country', reporting_country, NULL, COUNT(*), SUM(suspects_arrested) FROM counted
  GROUP BY reporting_country
UNION ALL SELECT 'mode', transport_mode, NULL, COUNT(*), NULL FROM counted GROUP BY transport_mode
UNION ALL SELECT 'method', detection_method, NULL, COUNT(*), NULL FROM counted GROUP BY detection_method
UNION ALL SELECT 'day', CAST(seizure_date AS TEXT), NULL, COUNT(*), NULL FROM counted GROUP BY seizure_date
UNION ALL SELECT 'group', t.taxon_group, NULL, COUNT(DISTINCT i.seizure_id), NULL
  FROM seizure_items i JOIN counted c ON c.id = i.seizure_id JOIN taxa t ON t.id = i.taxon_id GROUP BY t.taxon_group
UNION ALL SELECT 'term', i.term_code, i.normalised_unit, COUNT(DISTINCT i.seizure_id), SUM(i.normalised_quantity)
  FROM seizure_items i JOIN counted c ON c.id = i.seizure_id GROUP BY i.term_code, i.normalised_unit
""" + COUNTRIES.format(country="reporting_country", counted="counted")
OVER_FIGURES = """
WITH f AS (SELECT * FROM window_figures WHERE operation_id = :op), t AS (SELECT * FROM f WHERE dimension = 'total')
SELECT 'total', NULL, NULL, SUM(seizures), SUM(arrested) FROM t
UNION ALL SELECT 'country', country, NULL, SUM(seizures), SUM(arrested) FROM t GROUP BY country
UNION ALL SELECT 'day', CAST(day AS TEXT), NULL, SUM(seizures), NULL FROM daily_figures
  WHERE operation_id = :op AND dimension = 'total' GROUP BY day
UNION ALL SELECT dimension, key, unit, SUM(seizures), SUM(quantity) FROM f
  WHERE dimension IN ('mode', 'method', 'group', 'term') GROUP BY dimension, key, unit
""" + COUNTRIES.format(country="country", counted="t")
RUNS = 15
EMAIL, PASSWORD = "bench@ops.test", "benchmark password"


async def load(session, settings: Settings, code: str, seizures: int, seed: int, start: date,  # type: ignore[no-untyped-def]
               team: tuple[dict, ...] = ()) -> None:
    commodities = await _commodities(session, lambda _line: None)
    plan = DemoOperation(code, code, "BENCH", (start, start + timedelta(days=30)), "closed", seizures, ("WCO",), team)
    await create_operation(session, settings, random.Random(seed), plan, today=date(2026, 11, 30),
                           commodities=commodities, echo=lambda _line: None)
    await session.execute(text("ANALYZE"))  # fresh statistics, as autovacuum would give
    await session.commit()


async def measure(session, operation_id: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Median seconds of the summary and of each hand-written floor, interleaved so they share the machine's state."""
    member = await member_of(session, command_line(), await session.get(Operation, operation_id))
    times: dict[str, list[float]] = {"summary": [], "figures": [], "records": []}
    for _ in range(RUNS):
        times["summary"].append((await timed(lambda: summary(session, member)))[0])
        times["figures"].append((await timed(lambda: session.execute(text(OVER_FIGURES), {"op": operation_id})))[0])
        times["records"].append((await timed(lambda: session.execute(text(OVER_RECORDS), {"op": operation_id})))[0])
    return {k: median(v) for k, v in times.items()}


async def run(seizures: int, total: int, operations: int) -> None:
    lines: list[str] = []

    def report(text: str) -> None:
        print(text, flush=True)
        lines.append(f"- {' '.join(text.split())}")

    with ExitStack() as stack:
        async with databases(stack, "summary") as urls:
            for label, url in urls:
                settings = Settings(database_url=url, scheduler_enabled=False)
                engine = make_engine(url)
                async with make_sessionmaker(engine)() as session:
                    user = await create_user(session, email=EMAIL, name="Bench", role="coordinator", password=PASSWORD)
                    await session.commit()
                    start = time.perf_counter()
                    await load(session, settings, "BENCH-2026", seizures, 1, date(2026, 10, 1),
                               ({"email": user.email, "role": "coordinator", "lead": True},))
                    loaded = time.perf_counter() - start
                    items = (await session.execute(text("SELECT COUNT(*) FROM seizure_items"))).scalar()
                    operation_id = (await session.execute(
                        text("SELECT id FROM operations WHERE code = 'BENCH-2026'"))).scalar()
                    alone = await measure(session, operation_id)
                    page_times, size = await dashboard(settings)
                    report(f"{label:>10}: {seizures:,} seizures, {items:,} items (loaded in {loaded:.0f} s)\n"
                          f"{'':>12}summary median {alone['summary'] * 1000:.1f} ms; hand-written over the "
                          f"figures {alone['figures'] * 1000:.1f} ms "
                          f"(ratio {alone['summary'] / alone['figures']:.2f}x); "
                          f"hand-written over the records {alone['records'] * 1000:.0f} ms "
                          f"(ratio {alone['summary'] / alone['records']:.3f}x)\n"
                          f"{'':>12}dashboard page median {median(page_times) * 1000:.0f} ms, "
                          f"{size / 1024:.0f} KiB with the map")
                    if total > seizures:
                        start = time.perf_counter()
                        others = operations - 1
                        for n in range(others):
                            await load(session, settings, f"BENCH-{2000 + n}", (total - seizures) // others, 100 + n,
                                       date(2000 + n, 10, 1))
                        loaded = time.perf_counter() - start
                        counted = (await session.execute(text("SELECT COUNT(*) FROM seizures"))).scalar()
                        crowded = await measure(session, operation_id)
                        report(f"{label:>10}: with {counted:,} seizures in {operations} operations "
                              f"(loaded in {loaded:.0f} s): summary median {crowded['summary'] * 1000:.1f} ms = "
                              f"{crowded['summary'] / alone['summary']:.2f}x its time alone; hand-written over the "
                              f"same figures {crowded['figures'] * 1000:.1f} ms, over the records "
                              f"{crowded['records'] * 1000:.0f} ms")
                await engine.dispose()
    write_results("Summary and dashboard at scale", __doc__, lines)


async def dashboard(settings: Settings) -> tuple[list[float], int]:
    """Server time of the dashboard page and the size of its HTML plus the map it shows."""
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, EMAIL, PASSWORD)
        times = []
        for _ in range(7):
            start = time.perf_counter()
            page = await client.get("/operations/BENCH-2026/dashboard")
            times.append(time.perf_counter() - start)
        shown_map = await client.get("/operations/BENCH-2026/map/countries")
        return times, len(page.content) + len(shown_map.content)


if __name__ == "__main__":
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser()
    parser.add_argument("--seizures", type=int, default=100_000, help="seizures in the measured operation")
    parser.add_argument("--total", type=int, default=0, help="seizures in the database for the scaling run (1000000)")
    parser.add_argument("--operations", type=int, default=20, help="operations they are spread over")
    arguments = parser.parse_args()
    asyncio.run(run(arguments.seizures, arguments.total, arguments.operations))
