"""`opsplatform db …`: migrations, backup and restore."""

from __future__ import annotations

import asyncio

import click

from opsplatform.cli.tools import database_option, refused, settings_for, with_session
from opsplatform.database import make_engine, upgrade
from opsplatform.errors import InvalidInput
from opsplatform.settings import Settings


def is_current(settings: Settings) -> bool:
    """Whether the database is migrated to this version's newest revision."""
    from opsplatform.database import current_revision, head_revision

    async def revision() -> str | None:
        engine = make_engine(settings.database_url)
        try:
            return await current_revision(engine)
        finally:
            await engine.dispose()

    return asyncio.run(revision()) == head_revision()


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@database_option
def db_upgrade(database_url: str) -> None:
    """Apply migrations up to the current version; a new database gets the bundled reference data too."""
    from opsplatform.reference.loader import ensure_loaded

    settings = settings_for(database_url)
    upgrade(settings.database_url)
    loaded = asyncio.run(with_session(settings, ensure_loaded))
    if loaded:
        click.echo("reference data loaded: " + ", ".join(f"{n} {name}" for name, n in loaded.items()))
    click.echo("database is up to date")


@db.command("backup")
@database_option
@click.option("--output", required=True, type=click.Path(dir_okay=False, writable=True),
              help="File to write (SQLite: a database file; PostgreSQL: pg_dump's custom format).")
def db_backup(database_url: str, output: str) -> None:
    """Write a consistent copy of the whole database to a file; safe while the app runs."""
    from pathlib import Path

    from opsplatform.backup import backup

    try:
        backup(settings_for(database_url).database_url, Path(output))
    except InvalidInput as exc:
        refused(exc)
    click.echo(f"backup written to {output}")


@db.command("restore")
@database_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def db_restore(database_url: str, file: str) -> None:
    """Replace the database's contents with a backup made by `db backup` (stop the app first)."""
    from pathlib import Path

    from opsplatform.backup import restore

    settings = settings_for(database_url)
    try:
        restore(settings.database_url, Path(file))
    except InvalidInput as exc:
        refused(exc)

    click.echo(f"restored from {file}")
    if not is_current(settings):
        click.echo("the backup is from an older version: run `opsplatform db upgrade` before serving")
