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
    root = tempfile.mkdtemp(prefix="pgtest-", dir="/tmp")
    data, sock, port = f"{root}/data", f"{root}/sock", free_port()
    os.mkdir(data)
    os.mkdir(sock)
    as_pg: dict[str, str] = {}
    if os.geteuid() == 0:
        for d in (root, data, sock):
            shutil.chown(d, "postgres", "postgres")
        as_pg = {"user": "postgres", "group": "postgres"}
    subprocess.run([PGBIN / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "--no-locale", "-E", "UTF8",
                    "--no-sync"], check=True, capture_output=True, cwd=root, **as_pg)
    subprocess.run([PGBIN / "pg_ctl", "-D", data, "-l", f"{root}/log", "-w", "-o",
                    f"-k {sock} -c listen_addresses=127.0.0.1 -p {port} -F -c max_connections=300", "start"],
                   check=True, capture_output=True, cwd=root, **as_pg)
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([PGBIN / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"], capture_output=True,
                       cwd=root, **as_pg)
        shutil.rmtree(root, ignore_errors=True)
