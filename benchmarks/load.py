"""Load test: 200 focal points of 100 countries submit seizures through the API and read their dashboard.

Run: `make load` (or .venv/bin/python -m benchmarks.load [--seconds 120] [--rate 300] [--workers 2]).
Everything stays on this machine: a throw-away PostgreSQL cluster (tests/pgcluster.py), the app served by uvicorn
on 127.0.0.1, and the simulated focal points in this process.

Each focal point submits a seizure (two items) at a steady pace, so that together they offer `--rate` submissions
per second, and every tenth round reads its dashboard (the HTML page with figures, charts and completeness).
Reported: submissions/s, p50 and p99 of the submissions' response times, errors; then the same load against a bare
endpoint (a minimal Litestar app with an asyncpg pool that inserts one row per request) served the same way, and a
short all-out run of both to compare their capacity; then the app paced at four fifths of its capacity for the same
mix of submissions and dashboards (measured all-out too), which shows the response times at a rate the machine
carries. Aim: >= 300 submissions/s, p99 <= 150 ms, no errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx  # only to wait for the servers to come up
from sqlalchemy import select

from benchmarks.common import write_results
from opsplatform.auth.services import create_api_token, create_user, start_session
from opsplatform.database import make_engine, make_sessionmaker, upgrade, utcnow
from opsplatform.models.reference import Country
from opsplatform.operations.services import create_operation
from opsplatform.operations.spec import parse_spec
from opsplatform.reference.loader import load_all
from opsplatform.settings import Settings
from tests import pgcluster

ROOT = Path(__file__).resolve().parent.parent
USERS, COUNTRIES = 200, 100
OPERATION = "LOAD-2026"
SUBMIT = f"/api/v1/operations/{OPERATION}/seizures"


@dataclass
class FocalPoint:
    country: str
    token: str
    session: str


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    reads: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def seizure(focal_point: FocalPoint, n: str, rng: random.Random) -> dict[str, Any]:
    return {"seizure_ref": f"{focal_point.country}-{focal_point.token[-6:]}-{n}",
            "seizure_date": f"2026-10-{rng.randint(1, 28):02d}", "location": "Main airport cargo terminal",
            "latitude": round(rng.uniform(-30, 30), 4), "longitude": round(rng.uniform(-20, 120), 4),
            "location_type": "airport", "detection_method": "xray", "transport_mode": "air_cargo",
            "agency": "customs", "origin_country": focal_point.country, "destination_country": "VNM",
            "transit_countries": ["ARE"], "suspects_arrested": rng.randint(0, 2), "case_status": "investigation",
            "items": [{"taxon": "Loxodonta africana", "term": "TUS", "quantity": rng.randint(1, 500), "unit": "kg"},
                      {"taxon": "Manis", "term": "SCA", "quantity": rng.randint(1, 90), "unit": "kg",
                       "estimated_value": 1000, "currency": "USD"}]}


async def prepare(url: str) -> list[FocalPoint]:
    """The operation (100 participating countries, active) and 200 focal points, each with a token and a session."""
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    settings = Settings(database_url=url)
    async with make_sessionmaker(engine)() as session:
        await load_all(session)
        countries = list((await session.scalars(select(Country.alpha3).where(Country.region_code.is_not(None))
                                                 .order_by(Country.alpha3))).all())[:COUNTRIES]
        await create_operation(session, await parse_spec(session, {
            "code": OPERATION, "name": "Load test", "phase": "active", "start": "2026-10-01", "end": "2026-10-31",
            "countries": [{"country": c, "publicity": "named"} for c in countries]}), None)
        people = []
        for n in range(USERS):
            country = countries[n % len(countries)]
            user = await create_user(session, email=f"fp{n}@load.test", name=f"Focal point {n}", role="focal_point",
                                     country=country)
            _token, raw = await create_api_token(session, user, "load test")
            people.append(FocalPoint(country, raw, await start_session(session, settings, user, ip=None,
                                                                       now=utcnow())))
        await session.commit()
    await engine.dispose()
    return people


@contextmanager
def served(target: str, env: dict[str, str], workers: int) -> Any:
    port = pgcluster.free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", target, "--factory", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers), "--no-access-log", "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, **env})
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, process, target)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_healthy(base: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.2)


class Connection:
    """One keep-alive HTTP/1.1 connection per simulated person: a lean client, so that the load generator, which
    shares the two cores with the server, spends as little of them as it can."""

    def __init__(self, base: str) -> None:
        host_port = base.removeprefix("http://")
        self.host, self.port = host_port.split(":")[0], int(host_port.split(":")[1])
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(self, method: str, path: str, *, body: bytes = b"", headers: dict[str, str]) -> int:
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}",
                 *(f"{k}: {v}" for k, v in headers.items()), "", ""]
        writer.write("\r\n".join(lines).encode() + body)
        status = int((await reader.readline()).split()[1])
        length, chunked, close = 0, False, False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _sep, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding":
                chunked = "chunked" in value
            elif name == "connection":
                close = value == "close"
        if chunked:
            while (size := int((await reader.readline()).strip() or b"0", 16)) > 0:
                await reader.readexactly(size + 2)
            await reader.readline()
        else:
            await reader.readexactly(length)
        if close:
            writer.close()
            self.streams = None
        return status

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()


async def drive(base: str, people: list[FocalPoint], seconds: float, rate: float | None, *,
                dashboards: bool, path: str, label: str) -> tuple[Tally, float]:
    """Each focal point submits at `rate / len(people)` per second (or as fast as it can when rate is None)."""
    tally = Tally()
    stop = time.monotonic() + seconds
    interval = len(people) / rate if rate else 0.0

    async def focal_point(index: int, person: FocalPoint) -> None:
        rng = random.Random(index)
        connection = Connection(base)
        submit = {"Authorization": f"Bearer {person.token}", "Content-Type": "application/json"}
        read = {"Cookie": f"opsp_session={person.session}"}
        next_at = time.monotonic() + rng.uniform(0, interval)  # spread the first submissions out
        n = 0
        try:
            while True:
                if interval:
                    await asyncio.sleep(max(0.0, next_at - time.monotonic()))
                    next_at += interval
                if time.monotonic() >= stop:
                    return
                n += 1
                body = json.dumps(seizure(person, f"{label}-{n}", rng)).encode()
                started = time.perf_counter()
                try:
                    status = await connection.request("POST", path, body=body, headers=submit)
                except OSError as exc:
                    tally.error(type(exc).__name__)
                    connection = Connection(base)
                    continue
                if status == 201:
                    tally.latencies.append(time.perf_counter() - started)
                else:
                    tally.error(f"submission {status}")
                if dashboards and n % 10 == 0:
                    started = time.perf_counter()
                    status = await connection.request("GET", f"/operations/{OPERATION}/dashboard", headers=read)
                    if status == 200:
                        tally.reads.append(time.perf_counter() - started)
                    else:
                        tally.error(f"dashboard {status}")
        finally:
            connection.close()

    began = time.monotonic()
    await asyncio.gather(*(focal_point(i, p) for i, p in enumerate(people)))
    return tally, time.monotonic() - began


def report(label: str, tally: Tally, elapsed: float) -> dict[str, Any]:
    line = {"run": label, "submissions_per_s": round(len(tally.latencies) / elapsed, 1),
            "p50_ms": round(percentile(tally.latencies, 0.50) * 1000, 1),
            "p99_ms": round(percentile(tally.latencies, 0.99) * 1000, 1),
            "submissions": len(tally.latencies), "errors": tally.errors}
    if tally.reads:
        line.update(dashboards=len(tally.reads), dashboard_p50_ms=round(percentile(tally.reads, 0.5) * 1000, 1),
                    dashboard_p99_ms=round(percentile(tally.reads, 0.99) * 1000, 1))
    print(json.dumps(line))
    return line


async def loaded_database(stack: ExitStack) -> tuple[str, list[FocalPoint]]:
    """A throw-away PostgreSQL cluster (closed with `stack`) with the load database ready: its URL and focal points."""
    server = stack.enter_context(pgcluster.cluster())
    admin = await asyncpg.connect(server.replace("postgresql+asyncpg", "postgresql") + "/postgres")
    await admin.execute("CREATE DATABASE load")
    await admin.close()
    url = f"{server}/load"
    print(f"preparing {USERS} focal points of {COUNTRIES} countries…", file=sys.stderr)
    return url, await prepare(url)


async def main(seconds: float, rate: float, workers: int, capacity_seconds: float) -> None:
    with ExitStack() as stack:
        url, people = await loaded_database(stack)
        env = {"OPSPLATFORM_DATABASE_URL": url, "OPSPLATFORM_SCHEDULER": "0"}
        results = []
        with served("opsplatform.app:create_app", env, workers) as base:
            print(f"app: {workers} uvicorn workers; {seconds:.0f} s at {rate:.0f} submissions/s offered…",
                  file=sys.stderr)
            results.append(report("app", *await drive(base, people, seconds, rate, dashboards=True,
                                                      path=SUBMIT, label="paced")))
            results.append(report("app, all-out (no dashboards)", *await drive(
                base, people, capacity_seconds, None, dashboards=False, path=SUBMIT, label="all-out")))
            results.append(report("app, all-out with the dashboards of the paced run", *await drive(
                base, people, capacity_seconds, None, dashboards=True, path=SUBMIT, label="all-out-read")))
            # What a focal point meets at a rate this machine carries: four fifths of the capacity of the same mix of
            # submissions and dashboards (a dashboard costs several submissions).
            carried = round(0.8 * results[-1]["submissions_per_s"])
            results.append(report(f"app at {carried}/s offered (4/5 of its capacity with dashboards)", *await drive(
                base, people, min(seconds, 60), carried, dashboards=True, path=SUBMIT, label="carried")))
        with served("benchmarks.bare_insert:create_app", {"BARE_DATABASE_URL": url}, workers) as base:
            results.append(report("bare insert", *await drive(base, people, min(seconds, 30), rate,
                                                              dashboards=False, path="/insert", label="paced")))
            results.append(report("bare insert, all-out", *await drive(base, people, capacity_seconds, None,
                                                                       dashboards=False, path="/insert",
                                                                       label="all-out")))
        app, bare = results[1]["submissions_per_s"], results[-1]["submissions_per_s"]
        ratio = round(app / bare, 3) if bare else None
        print(json.dumps({"capacity_ratio_app_to_bare": ratio}))
        write_results("Submission load", __doc__, [
            f"{workers} uvicorn workers; paced runs {seconds:.0f} s at {rate:.0f} submissions/s offered (the bare "
            f"endpoint's {min(seconds, 30):.0f} s, the app's at four fifths of its capacity "
            f"{min(seconds, 60):.0f} s), all-out runs {capacity_seconds:.0f} s.", "",
            *(f"- {r['run']}: {r['submissions_per_s']:,} submissions/s, p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, "
              f"{r['submissions']:,} submissions, errors {r['errors'] or 'none'}"
              + (f"; dashboard p50 {r['dashboard_p50_ms']} ms, p99 {r['dashboard_p99_ms']} ms" if "dashboards" in r
                 else "") for r in results),
            f"- capacity, app to bare endpoint (the floor): {ratio}"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120, help="length of the paced run (default 120)")
    parser.add_argument("--rate", type=float, default=300, help="submissions per second offered (default 300)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (default 2)")
    parser.add_argument("--capacity-seconds", type=float, default=20, help="length of each all-out run")
    options = parser.parse_args()
    asyncio.run(main(options.seconds, options.rate, options.workers, options.capacity_seconds))
