"""A throw-away PostgreSQL cluster on loopback, for the test suite and the benchmarks (RECIPES.md)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PGBIN = Path(os.environ.get("OPSPLATFORM_PGBIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def available() -> bool:
    return (PGBIN / "initdb").exists()


@contextmanager
def cluster() -> Iterator[str]:
    """Start a cluster (as the postgres user when run as root, since PostgreSQL refuses root); yield its URL."""
    with _folders() as (root, data, as_pg):
        subprocess.run([PGBIN / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "--no-locale", "-E", "UTF8",
                        "--no-sync"], check=True, capture_output=True, cwd=root, **as_pg)
        with _running(root, data, as_pg) as url:
            yield url


@contextmanager
def standby(primary: str) -> Iterator[str]:
    """A hot standby of the cluster at `primary` (its URL as `cluster` yields it), replaying it by streaming
    replication as a read replica does; yield its URL. Its databases are the primary's, a moment behind."""
    host, port = primary.rsplit("@", 1)[1].split(":")
    with _folders() as (root, data, as_pg):
        subprocess.run([PGBIN / "pg_basebackup", "-h", host, "-p", port, "-U", "postgres", "-D", data, "-R",
                        "-X", "stream", "--no-sync"], check=True, capture_output=True, cwd=root, **as_pg)
        with _running(root, data, as_pg) as url:
            yield url


@contextmanager
def _folders() -> Iterator[tuple[str, str, dict[str, str]]]:
    """A folder for a cluster, its data folder, and how to run its programs (as postgres when run as root)."""
    root = tempfile.mkdtemp(prefix="pgtest-", dir="/tmp")
    data = f"{root}/data"
    os.mkdir(data, 0o700)
    os.mkdir(f"{root}/sock")
    as_pg: dict[str, str] = {}
    if os.geteuid() == 0:
        for d in (root, data, f"{root}/sock"):
            shutil.chown(d, "postgres", "postgres")
        as_pg = {"user": "postgres", "group": "postgres"}
    try:
        yield root, data, as_pg
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def _running(root: str, data: str, as_pg: dict[str, str]) -> Iterator[str]:
    port = free_port()
    subprocess.run([PGBIN / "pg_ctl", "-D", data, "-l", f"{root}/log", "-w", "-o",
                    f"-k {root}/sock -c listen_addresses=127.0.0.1 -p {port} -F -c max_connections=300", "start"],
                   check=True, capture_output=True, cwd=root, **as_pg)
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([PGBIN / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"], capture_output=True,
                       cwd=root, **as_pg)
