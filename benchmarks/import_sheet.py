"""Import of a 50,000-row seizure sheet on SQLite and PostgreSQL, against a bare bulk insert of the same rows.

Run: .venv/bin/python -m benchmarks.import_sheet [--rows 50000]
Aim: at least 3,000 rows/s on SQLite and 5,000 rows/s on PostgreSQL on a 2-core machine, within 2x the floor: the
import's seizures and items written again with no checks, by one executemany INSERT per table and batch on SQLite
and COPY on PostgreSQL (database.bulk_insert).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import date, timedelta

from sqlalchemy import RowMapping, delete, select

from benchmarks.common import databases, timed, write_results
from opsplatform import policy
from opsplatform.database import bulk_insert, make_engine, make_sessionmaker
from opsplatform.models.seizures import Seizure, SeizureItem, StatusChange
from opsplatform.operations.services import create_operation
from opsplatform.operations.spec import parse_spec
from opsplatform.seizures.imports import import_sheet
from opsplatform.seizures.sheets import COLUMNS

TAXA = [("Loxodonta africana", "TUS", "KIL"), ("Loxodonta africana", "TUS", ""), ("Manis javanica", "SCA", "KIL"),
        ("Psittacus erithacus", "LIV", ""), ("Pterocarpus santalinus", "LOG", "TON"), ("Hippocampus", "BOD", "g")]


def sheet(rows: int) -> bytes:
    """A deterministic CSV: about 1.5 items per seizure, as real sheets have."""
    rng = random.Random(7)
    lines = [",".join(COLUMNS)]
    seizure, item = 0, 0
    for _ in range(rows):
        if item == 0 or rng.random() < 0.6:
            seizure, item = seizure + 1, 0
        item += 1
        taxon, term, unit = rng.choice(TAXA)
        values = {"seizure_ref": f"KE-{seizure:06d}", "item_no": str(item),
                  "seizure_date": (date(2026, 10, 1) + timedelta(days=seizure % 31)).isoformat(),
                  "location": "JKIA", "latitude": "-1.32", "longitude": "36.93", "location_type": "airport",
                  "detection_method": "xray", "transport_mode": "air_cargo", "agency": "customs",
                  "origin_country": "KEN", "destination_country": "VNM", "transit_countries": "ARE",
                  "taxon": taxon, "term": term, "quantity": str(rng.randint(1, 900)), "unit": unit,
                  "suspects_arrested": str(seizure % 3), "case_status": "investigation"}
        lines.append(",".join(values.get(c, "") for c in COLUMNS))
    return ("\n".join(lines) + "\n").encode()


async def run(rows: int) -> list[str]:
    content, lines = sheet(rows), []
    with ExitStack() as stack:
        async with databases(stack, "import") as urls:
            for label, url in urls:
                engine = make_engine(url)
                maker = make_sessionmaker(engine)
                async with maker() as session:
                    operation = await create_operation(session, await parse_spec(session, {
                        "code": "BENCH", "name": "Bench", "phase": "active", "start": "2026-10-01",
                        "end": "2026-10-31", "countries": ["KEN"]}), None)
                    await session.commit()
                    member = await policy.member_of(session, policy.command_line(), operation)
                    seconds, report = await timed(lambda member=member: import_sheet(session, member, "KEN", content,
                                                                                     "bench.csv"))
                    assert report.rejected == 0, report.problems[:3]
                    again, second = await timed(lambda member=member: import_sheet(session, member, "KEN", content,
                                                                                   "bench.csv"))
                    assert second.created == second.updated == 0
                    # The floor: the same seizures and items written by plain bulk inserts, no checks at all.
                    seizures = (await session.execute(select(Seizure.__table__))).mappings().all()
                    items = (await session.execute(select(SeizureItem.__table__))).mappings().all()
                    for table in (SeizureItem, StatusChange, Seizure):
                        await session.execute(delete(table.__table__))
                    await session.commit()

                    by_seizure: dict[int, list[dict]] = {}
                    for i in items:
                        by_seizure.setdefault(i["seizure_id"], []).append(dict(i))

                    async def bare(seizures: Sequence[RowMapping] = seizures,
                                   by_seizure: dict[int, list[dict]] = by_seizure) -> None:
                        for start in range(0, len(seizures), 500):
                            batch = [dict(s) for s in seizures[start:start + 500]]
                            await bulk_insert(session, Seizure.__table__, batch)
                            await bulk_insert(session, SeizureItem.__table__,
                                              [i for s in batch for i in by_seizure[s["id"]]])
                            await session.commit()
                    floor, _ = await timed(bare)
                await engine.dispose()
                lines.append(f"- {label}: {rows:,} rows ({report.created:,} seizures) in {seconds:.1f} s = "
                             f"{rows / seconds:,.0f} rows/s; re-import (no change) {again:.1f} s; bare bulk insert "
                             f"(floor) {floor:.1f} s; ratio {seconds / floor:.1f}x")
                print(lines[-1], flush=True)
    lines.append(f"- peak memory of the whole run (max RSS): "
                 f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return lines


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    write_results("Sheet import", __doc__, asyncio.run(run(parser.parse_args().rows)))
