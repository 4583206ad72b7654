"""Backup and restore of the whole database: SQLite's online backup API, PostgreSQL's pg_dump and pg_restore.

Both work while the app is running. A SQLite backup is itself a database file; a PostgreSQL backup is pg_dump's
custom format. Restoring replaces everything in the target database with the backup's contents.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from opsplatform.errors import InvalidInput

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
DEFAULT_PGBIN = "/usr/lib/postgresql/15/bin"


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise InvalidInput.one("database_url", "an in-memory SQLite database cannot be backed up or restored")
    return Path(url.database)


def pg_tool(name: str) -> str:
    """pg_dump or pg_restore: $OPSPLATFORM_PGBIN first, then PATH, then Debian's PostgreSQL 15 folder."""
    candidates = [Path(os.environ["OPSPLATFORM_PGBIN"]) / name] if os.environ.get("OPSPLATFORM_PGBIN") else []
    if found := shutil.which(name):
        candidates.append(Path(found))
    candidates.append(Path(DEFAULT_PGBIN) / name)
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise InvalidInput.one("database_url", f"{name} not found: install the PostgreSQL client programs "
                                           "or set OPSPLATFORM_PGBIN to their folder")


def _pg_connection(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection options for the PostgreSQL programs; the password travels in the environment, not argv."""
    args = ["--host", url.host or "127.0.0.1", "--port", str(url.port or 5432),
            "--username", url.username or "postgres", "--dbname", url.database or "postgres"]
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _copy_sqlite(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy page by page, even while the app writes (WAL included)."""
    # The source is opened read-only, so neither a backup nor a restore can alter the file it reads.
    with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise InvalidInput.one("database_url", f"{what} failed: {result.stderr.strip() or result.returncode}")


def backup(database_url: str, output: Path) -> None:
    """Write a consistent copy of the database to `output` (replacing that file)."""
    url = make_url(database_url)
    if not output.parent.is_dir():
        raise InvalidInput.one("output", f"the folder {output.parent} does not exist")
    if url.get_backend_name() == "sqlite":
        source_path = _sqlite_path(url)
        if not source_path.is_file():
            raise InvalidInput.one("database_url", f"no database file at {source_path}")
        output.unlink(missing_ok=True)
        _copy_sqlite(source_path, output)
        return
    args, env = _pg_connection(url)
    _run([pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(output), *args], env, "pg_dump")


def restore(database_url: str, backup_file: Path) -> None:
    """Replace the database's contents with a backup made by `backup` for the same kind of database."""
    url = make_url(database_url)
    with backup_file.open("rb") as f:
        magic = f.read(len(SQLITE_MAGIC))
    if url.get_backend_name() == "sqlite":
        if not magic.startswith(SQLITE_MAGIC):
            raise InvalidInput.one("file", f"{backup_file} is not a SQLite backup (made by `opsplatform db backup` "
                                           "from a SQLite database)")
        _copy_sqlite(backup_file, _sqlite_path(url))
        return
    if not magic.startswith(PG_MAGIC):
        raise InvalidInput.one("file", f"{backup_file} is not a PostgreSQL backup (made by `opsplatform db backup` "
                                       "from a PostgreSQL database)")
    args, env = _pg_connection(url)
    _run([pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction", *args,
          str(backup_file)], env, "pg_restore")
