"""The summary at 100,000 seizures (about 150,000 items) in one operation, against one hand-written SQL query that
computes the same figures, measured in the same run; and the dashboard page's server time and size.

Run: .venv/bin/python -m benchmarks.summary [--seizures 100000]
Aim ([4/9]): summary median <= 100 ms and within 1.5x of the hand-written query on PostgreSQL; dashboard page
<= 300 ms and <= 1 MB of HTML including the map.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from contextlib import ExitStack
from datetime import date

from litestar.testing import AsyncTestClient
from sqlalchemy import text

from benchmarks.common import databases, median, timed
from opsplatform.app import create_app
from opsplatform.auth.models import User
from opsplatform.auth.services import create_user
from opsplatform.database import make_engine, make_sessionmaker
from opsplatform.demo.generator import _commodities, create_operation
from opsplatform.operations.models import Operation
from opsplatform.reporting.summary import summary
from opsplatform.settings import Settings

HAND_WRITTEN = """
WITH counted AS (
  SELECT id, reporting_country, suspects_arrested, transport_mode, detection_method, seizure_date FROM seizures
  WHERE operation_id = :op AND status IN ('submitted', 'validated', 'queried'))
SELECT 'total', NULL, NULL, COUNT(*), SUM(suspects_arrested) FROM counted
UNION ALL SELECT 'country', reporting_country, NULL, COUNT(*), SUM(suspects_arrested) FROM counted GROUP BY reporting_country
UNION ALL SELECT 'mode', transport_mode, NULL, COUNT(*), NULL FROM counted GROUP BY transport_mode
UNION ALL SELECT 'method', detection_method, NULL, COUNT(*), NULL FROM counted GROUP BY detection_method
UNION ALL SELECT 'day', CAST(seizure_date AS TEXT), NULL, COUNT(*), NULL FROM counted GROUP BY seizure_date
UNION ALL SELECT 'group', t.taxon_group, NULL, COUNT(DISTINCT i.seizure_id), NULL
  FROM seizure_items i JOIN counted c ON c.id = i.seizure_id JOIN taxa t ON t.id = i.taxon_id GROUP BY t.taxon_group
UNION ALL SELECT 'term', i.term_code, i.normalised_unit, COUNT(DISTINCT i.seizure_id), SUM(i.normalised_quantity)
  FROM seizure_items i JOIN counted c ON c.id = i.seizure_id GROUP BY i.term_code, i.normalised_unit
"""
RUNS = 15


async def run(seizures: int) -> None:
    with ExitStack() as stack:
        async with databases(stack, "summary") as urls:
            for label, url in urls:
                settings = Settings(database_url=url, scheduler_enabled=False)
                engine = make_engine(url)
                async with make_sessionmaker(engine)() as session:
                    commodities = await _commodities(session, print)
                    start = time.perf_counter()
                    await create_operation(session, settings, random.Random(1), code="BENCH-2026", name="Bench",
                                           start=date(2026, 10, 1), end=date(2026, 10, 31), phase="active",
                                           seizures=seizures, today=date(2026, 11, 30), commodities=commodities,
                                           echo=lambda _line: None)
                    await session.execute(text("ANALYZE"))  # fresh statistics, as autovacuum would give
                    await session.commit()
                    loaded = time.perf_counter() - start
                    items = (await session.execute(text("SELECT COUNT(*) FROM seizure_items"))).scalar()
                    operation_id = (await session.execute(text("SELECT id FROM operations WHERE code = 'BENCH-2026'"))).scalar()
                    operation = await session.get(Operation, operation_id)
                    coordinator = User(id=None, email="bench", name="bench", role="coordinator")
                    ours, floor = [], []
                    for _ in range(RUNS):
                        ours.append((await timed(lambda: summary(session, operation, coordinator)))[0])
                        floor.append((await timed(lambda: session.execute(text(HAND_WRITTEN), {"op": operation_id})))[0])
                    user = await create_user(session, email="bench@ops.test", name="Bench", role="coordinator",
                                             password="benchmark password")
                    await session.commit()
                await engine.dispose()
                page_times, size = await dashboard(settings, user.email)
                print(f"{label:>10}: {seizures:,} seizures, {items:,} items (loaded in {loaded:.0f} s); summary median "
                      f"{median(ours) * 1000:.0f} ms, hand-written SQL median {median(floor) * 1000:.0f} ms, ratio "
                      f"{median(ours) / median(floor):.2f}x; dashboard page median {median(page_times) * 1000:.0f} ms, "
                      f"{size / 1024:.0f} KiB with the map")


async def dashboard(settings: Settings, email: str) -> tuple[list[float], int]:
    """Server time of the dashboard page and the size of its HTML plus the map it shows."""
    async with AsyncTestClient(app=create_app(settings)) as client:
        await client.get("/login")
        await client.post("/login", data={"email": email, "password": "benchmark password",
                                          "_csrf_token": client.cookies["opsp_csrf"]})
        times = []
        for _ in range(5):
            start = time.perf_counter()
            page = await client.get("/operations/BENCH-2026/dashboard")
            times.append(time.perf_counter() - start)
        shown_map = await client.get("/operations/BENCH-2026/map/countries")
        return times, len(page.content) + len(shown_map.content)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seizures", type=int, default=100_000)
    asyncio.run(run(parser.parse_args().seizures))
