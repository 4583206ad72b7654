"""Scale-out: the submission load of benchmarks/load.py on one app instance, then on three behind nginx.

Run: .venv/bin/python -m benchmarks.scale_out [--seconds 30] [--rate 300]
One throw-away PostgreSQL; `opsplatform serve` instances (one process each, as in the Docker image) on 127.0.0.1,
127.0.0.2 and 127.0.0.3, one port; Debian's nginx in front with deploy/nginx.conf, its resolver answered by a
stand-in for Docker's DNS (benchmarks/proxy.py). Four steps, each a paced run (`--rate` submissions/s offered by 200
focal points, every tenth round a dashboard read, as `make load`) and an all-out run (no dashboards): one instance
direct; one through nginx; three through nginx (two started while nginx runs, then added to the DNS answer, as
`--scale app=3` does); one again (two stopped during the paced run and dropped from the DNS at once, as
`--scale app=1` does). Reported: submissions/s, p50 and p99, errors; the CPU each process used; three instances
against one through nginx (the floor: the mean of the runs before and after).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
from collections.abc import Coroutine
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from benchmarks.common import write_results
from benchmarks.load import ROOT, SUBMIT, FocalPoint, drive, loaded_database, report, wait_healthy
from benchmarks.proxy import Resolver, nginx, render
from tests.pgcluster import free_port

HOSTS = ("127.0.0.1", "127.0.0.2", "127.0.0.3")
VALID = 10  # the resolver's `valid=` in deploy/nginx.conf: how long nginx keeps an answer
TICK = os.sysconf("SC_CLK_TCK")
FAILURES = ("Connection refused", "reset by peer")  # nginx's error log: a closed port; a request dropped unread
CHECKED = ["/static/css/app.css", "/static/vendor/htmx-2.0.11.min.js", "/login", "/no-such-page",
           "/static/vendor/leaflet-1.9.4/images/layers.png"]


def cpu(pid: int) -> float:
    """CPU seconds of a process, of the children it has reaped, and of its live descendants."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = [int(c) for task in Path(f"/proc/{pid}/task").iterdir()
                    for c in (task / "children").read_text().split()]
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return sum(map(int, stat[11:15])) / TICK + sum(cpu(c) for c in children)  # utime, stime, cutime, cstime


def machine() -> float:
    """CPU seconds all cores have spent busy (neither idle nor waiting for the disk)."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / TICK


def snapshot(groups: dict[str, int]) -> dict[str, float]:
    shot = {name: cpu(pid) for name, pid in groups.items()}
    return {**shot, "load generator": sum(os.times()[:2]), "machine": machine()}


async def postmaster(url: str) -> int:
    """The PostgreSQL server's main process: the parent of a connection's backend."""
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    status = Path(f"/proc/{await conn.fetchval('SELECT pg_backend_pid()')}/status").read_text()
    await conn.close()  # the backend ends with it
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:")))


def start(host: str, port: int, url: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "OPSPLATFORM_DATABASE_URL": url, "OPSPLATFORM_SCHEDULER": "0",
           "OPSPLATFORM_TASK_WORKERS": "0"}
    process = subprocess.Popen([sys.executable, "-m", "opsplatform", "serve", "--host", host, "--port", str(port)],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_healthy(f"http://{host}:{port}", process, f"opsplatform serve on {host}")
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=30)


async def step(label: str, base: str, people: list[FocalPoint], seconds: float, rate: float,
               groups: dict[str, int], meanwhile: Coroutine[Any, Any, None] | None = None) -> list[dict[str, Any]]:
    """A paced and an all-out run, each with the CPU every process used (in % of one core); `meanwhile` runs
    alongside the paced one."""
    runs = []
    for run, offered, dashboards in (("paced", rate, True), ("all-out", None, False)):
        before = snapshot(groups)
        load = drive(base, people, seconds, offered, dashboards=dashboards, path=SUBMIT, label=f"{label}-{run}")
        if meanwhile is not None and run == "paced":
            (tally, elapsed), _ = await asyncio.gather(load, meanwhile)
        else:
            tally, elapsed = await load
        after = snapshot(groups)
        line = report(f"{label}, {run}", tally, elapsed)
        line["cpu"] = {name: 100 * (after[name] - before[name]) / elapsed for name in after}
        runs.append(line)
    return runs


async def compression(direct: str, proxied: str) -> str:
    """Content-Encoding of a few answers to a client that accepts gzip, straight from the app and through nginx."""
    seen = []
    async with httpx.AsyncClient(headers={"Accept-Encoding": "gzip"}) as client:
        for path in CHECKED:
            codings = [(await client.get(base + path)).headers.get("content-encoding", "none")
                       for base in (direct, proxied)]
            seen.append(f"`{path}` {codings[0]} → {codings[1]}")
    return "; ".join(seen)


def table(steps: list[tuple[str, list[dict[str, Any]]]]) -> list[str]:
    lines = ["| step | run | submissions/s | p50 ms | p99 ms | errors | dashboards p50 / p99 ms |",
             "|---|---|---:|---:|---:|---|---:|"]
    for label, runs in steps:
        for run, line in zip(("paced", "all-out"), runs, strict=True):
            reads = f"{line['dashboard_p50_ms']} / {line['dashboard_p99_ms']}" if "dashboard_p50_ms" in line else "–"
            errors = ", ".join(f"{k}: {v}" for k, v in line["errors"].items()) or "0"
            lines.append(f"| {label} | {run} | {line['submissions_per_s']} | {line['p50_ms']} | {line['p99_ms']} | "
                         f"{errors} | {reads} |")
    return lines


def served_ms(line: dict[str, Any]) -> tuple[float, float]:
    """CPU ms per submission of the app instances, and of the whole server side (instances, nginx, PostgreSQL)."""
    used, rate = line["cpu"], line["submissions_per_s"]
    apps = sum(v for k, v in used.items() if k.startswith("app "))
    return 10 * apps / rate, 10 * (apps + used.get("nginx", 0) + used["PostgreSQL"]) / rate


def cpu_table(steps: list[tuple[str, list[dict[str, Any]]]]) -> list[str]:
    lines = [f"| all-out step | {' | '.join(f'app {h}' for h in HOSTS)} | nginx | PostgreSQL | load generator | "
             f"other | machine (of {os.cpu_count() * 100} %) | CPU ms per submission: apps / server side |",
             "|---|" + "---:|" * 9]
    for label, runs in steps:
        used = runs[1]["cpu"]
        other = used["machine"] - sum(v for k, v in used.items() if k != "machine")
        cells = [f"{used[f'app {h}']:.0f} %" if f"app {h}" in used else "–" for h in HOSTS]
        cells += [f"{used['nginx']:.0f} %" if "nginx" in used else "–", f"{used['PostgreSQL']:.0f} %",
                  f"{used['load generator']:.0f} %", f"{max(other, 0):.0f} %", f"{used['machine']:.0f} %",
                  "{:.1f} / {:.1f}".format(*served_ms(runs[1]))]
        lines.append(f"| {label} | {' | '.join(cells)} |")
    return lines


async def run(seconds: float, rate: float) -> list[str]:
    with ExitStack() as stack:
        url, people = await loaded_database(stack)
        port, listen = free_port(), free_port()
        apps = {HOSTS[0]: start(HOSTS[0], port, url)}
        stack.callback(lambda: [stop(p) for p in apps.values() if p.poll() is None])
        resolver = Resolver()
        stack.callback(resolver.close)
        resolver.addresses = [HOSTS[0]]
        nginx_pid, errors = stack.enter_context(nginx(render(resolver.port, port, listen), listen))
        direct, proxied = f"http://{HOSTS[0]}:{port}", f"http://127.0.0.1:{listen}"
        groups = {"PostgreSQL": await postmaster(url), f"app {HOSTS[0]}": apps[HOSTS[0]].pid}

        steps = [("1 instance, direct", await step("1 direct", direct, people, seconds, rate, groups))]
        groups["nginx"] = nginx_pid
        steps.append(("1 instance through nginx", await step("1 via nginx", proxied, people, seconds, rate, groups)))

        for host in HOSTS[1:]:  # started while nginx runs; nginx hears of them from the DNS within `valid`
            apps[host] = start(host, port, url)
            groups[f"app {host}"] = apps[host].pid
        resolver.addresses = list(HOSTS)
        await asyncio.sleep(VALID + 1)
        steps.append(("3 instances through nginx", await step("3 via nginx", proxied, people, seconds, rate, groups)))

        async def scale_down() -> None:
            """Two instances stop under load and leave the DNS answer at once, as with `--scale app=1`; nginx keeps
            its last answer for up to `valid` and meets their closed ports meanwhile."""
            await asyncio.sleep(seconds / 4)
            for host in HOSTS[1:]:
                apps[host].terminate()  # uvicorn finishes the requests it has, and takes no new ones
            resolver.addresses = [HOSTS[0]]
            await asyncio.to_thread(lambda: [apps[h].wait(timeout=30) for h in HOSTS[1:]])

        for host in HOSTS[1:]:
            del groups[f"app {host}"]
        seen = [errors.read_text().count(what) for what in FAILURES]
        steps.append(("1 instance again (2 stopped in the paced run)",
                      await step("1 again", proxied, people, seconds, rate, groups, scale_down())))
        refused, reset = (errors.read_text().count(what) - n for what, n in zip(FAILURES, seen, strict=True))
        coded = await compression(direct, proxied)

    return summary(steps, (refused, reset), coded, seconds, rate)


def summary(steps: list[tuple[str, list[dict[str, Any]]]], failures: tuple[int, int], coded: str, seconds: float,
            rate: float) -> list[str]:
    one, three, again = steps[1][1], steps[2][1], steps[3][1]
    floor = (one[1]["submissions_per_s"] + again[1]["submissions_per_s"]) / 2  # before and after: drift evens out
    capacity = three[1]["submissions_per_s"] / floor
    cores = os.cpu_count() or 1
    used = three[1]["cpu"]
    apps = sum(v for k, v in used.items() if k.startswith("app "))
    alone = sum(v for k, v in one[1]["cpu"].items() if k.startswith("app "))
    other = max(0.0, used["machine"] - sum(v for k, v in used.items() if k != "machine"))
    lines = [f"{seconds:.0f} s per run; paced runs offered {rate:.0f} submissions/s.", "", *table(steps), "",
             f"- **Capacity** (all-out submissions/s): three instances {three[1]['submissions_per_s']} against one "
             f"through nginx (floor: {floor:.1f}, the mean of {one[1]['submissions_per_s']} before and "
             f"{again[1]['submissions_per_s']} after): **×{capacity:.2f}**; one direct "
             f"{steps[0][1][1]['submissions_per_s']}.",
             f"- **Paced p99**: three instances {three[0]['p99_ms']} ms against one through nginx (floor) "
             f"{one[0]['p99_ms']} ms: ×{three[0]['p99_ms'] / one[0]['p99_ms']:.2f}; p50 {three[0]['p50_ms']} against "
             f"{one[0]['p50_ms']} ms.",
             f"- **Scaling down** under load: after two instances stopped, nginx met a closed port {failures[0]} times "
             f"(until its DNS answer expired) and passed each of those requests on to the live instance. Errors in "
             f"that run: {sum(again[0]['errors'].values()) or 'none'}; nginx logged {failures[1]} requests reset "
             f"unread by a stopping instance (sent into its queue as it stopped), each passed on to another as well "
             f"(`proxy_next_upstream … non_idempotent`).",
             f"- **Compression** (client accepting gzip; straight from the app → through nginx): {coded}.",
             "", "CPU in each all-out run, in % of one core (process trees: PostgreSQL with its backends; other = "
             "the rest of the machine):", "", *cpu_table(steps), "",
             f"With three instances the machine was {used['machine']:.0f} % busy of {cores * 100} %; the instances "
             f"together used {apps:.0f} % (one alone {alone:.0f} %), PostgreSQL {used['PostgreSQL']:.0f} %, nginx "
             f"{used['nginx']:.0f} %, the load generator {used['load generator']:.0f} %, other processes "
             f"{other:.0f} %."]
    (app_one, all_one), (_, all_three) = served_ms(one[1]), served_ms(three[1])
    lines.append(f"Server-side CPU per submission: {all_one:.1f} ms with one instance, {all_three:.1f} ms with three. "
                 f"The ceilings these costs set on {cores} cores with nothing else running (load generated elsewhere): "
                 f"one instance, a single process, at most one core: {min(1000 / app_one, cores * 1000 / all_one):.0f} "
                 f"submissions/s; three instances, all cores: {cores * 1000 / all_three:.0f} submissions/s.")
    if used["machine"] > 90 * cores:
        lines.append("The cores were saturated: on this machine CPU, not the number of instances, sets the limit; "
                     "more instances add capacity only with more cores or hosts for them.")
    if other > 10 * cores:
        lines.append("Processes outside this benchmark shared the machine meanwhile: the rates understate it.")
    return lines


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30, help="length of each run (default 30)")
    parser.add_argument("--rate", type=float, default=300, help="submissions per second offered in the paced runs")
    options = parser.parse_args()
    write_results("Scale-out", __doc__, asyncio.run(run(options.seconds, options.rate)))
