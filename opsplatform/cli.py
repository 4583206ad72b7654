"""The `opsplatform` command line (docs/reference.md). Exit codes: 0 success, 1 rejected input, 2 usage error."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import click

from opsplatform.clitools import database_option, operation_by_code, refused, run_async, settings_for, with_session
from opsplatform.database import make_engine, upgrade
from opsplatform.errors import InvalidInput
from opsplatform.jobs.commands import tasks
from opsplatform.operations.commands import team
from opsplatform.reporting.commands import report
from opsplatform.seizures.commands import import_
from opsplatform.settings import Settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="opsplatform")
def main() -> None:
    """opsplatform: coordination of international wildlife-enforcement operations."""


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


# --- serving ------------------------------------------------------------------------------------------------------

def _serve(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    import os

    import uvicorn

    from opsplatform.app import create_app, server_options

    proxies = server_options(settings)
    if workers > 1:
        # Each worker process builds its own app from the environment: hand the URL over that way.
        os.environ["OPSPLATFORM_DATABASE_URL"] = settings.database_url
        uvicorn.run("opsplatform.app:create_app", factory=True, host=host, port=port, workers=workers,
                    **proxies, log_level="info")
        return
    uvicorn.run(create_app(settings), host=host, port=port, **proxies, log_level="info")


@main.command()
@database_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes (one per CPU core is a good start); all share the database.")
def serve(database_url: str, host: str, port: int, workers: int) -> None:
    """Run the web app (the database must be migrated: `opsplatform db upgrade`)."""
    settings = settings_for(database_url)

    if not is_current(settings):
        raise click.ClickException("the database is not migrated to the current version: run `opsplatform db upgrade`")
    _serve(settings, host, port, workers)


@main.command()
@database_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--seizures", default=2000, show_default=True, type=click.IntRange(0, 2_000_000),
              help="Seizures in the demo operation.")
def demo(database_url: str, host: str, port: int, seizures: int) -> None:
    """Migrate, load reference data and a demo operation, print the demo accounts, serve."""
    from opsplatform.demo.generator import DEMO_ACCOUNTS, load_demo

    settings = settings_for(database_url)
    upgrade(settings.database_url)
    click.echo("Loading reference data and the demo operations…")
    asyncio.run(with_session(settings, lambda s: load_demo(s, settings, seizures=seizures, echo=click.echo)))
    click.echo("\nDemo accounts (e-mail / password):")
    for account in DEMO_ACCOUNTS:
        click.echo(f"  {account.role:<14} {account.email:<34} {account.password}   {account.note}")
    click.echo(f"\nServing on http://{host}:{port}  (Ctrl+C to stop)")
    _serve(settings, host, port)


# --- database -------------------------------------------------------------------------------------------------------

@main.group()
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


# --- reference data -------------------------------------------------------------------------------------------------

@main.group()
def reference() -> None:
    """Reference data (countries, networks, taxa, CITES terms and units, currencies, airports)."""


@reference.command("load")
@database_option
@run_async
async def reference_load(database_url: str) -> None:
    """Load or refresh reference data from seed/ (idempotent)."""
    from opsplatform.reference.loader import load_all

    counts = await with_session(settings_for(database_url), load_all)
    for name, count in counts.items():
        click.echo(f"{name:>16}: {count}")


@reference.command("import-checklist")
@database_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@run_async
async def reference_import_checklist(database_url: str, file: str) -> None:
    """Load taxa from a CITES Checklist / Species+ CSV export."""
    from opsplatform.reference.loader import load_taxa, parse_checklist

    with open(file, "rb") as f:
        taxa, problems = parse_checklist(f.read())

    async def work(session: Any) -> int:
        count = await load_taxa(session, taxa, source="checklist")
        await session.commit()
        return count

    click.echo(f"{await with_session(settings_for(database_url), work)} taxa loaded")
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        sys.exit(1)


# --- accounts and tokens ----------------------------------------------------------------------------------------------

@main.group()
def users() -> None:
    """Accounts."""


@users.command("create")
@database_option
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "coordinator", "focal_point", "analyst",
                                                          "press_officer"]))
@click.option("--country", help="ISO 3166-1 alpha-3; required for focal_point.")
@click.option("--network", help="Limit a coordinator to one enforcement network's member countries.")
@click.option("--cleared-for-nominal", is_flag=True, help="May see suspects' names and documents.")
@click.option("--language", default="en", type=click.Choice(["en", "fr", "es"]), show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@run_async
async def users_create(database_url: str, email: str, name: str, role: str, country: str | None,
                       network: str | None, cleared_for_nominal: bool, language: str, password_stdin: bool) -> None:
    """Create an account. Without --password-stdin a random password is generated and printed once."""
    import secrets

    from opsplatform.auth.services import create_user

    password = sys.stdin.readline().rstrip("\n") if password_stdin else secrets.token_urlsafe(12)

    async def work(session: Any) -> Any:
        user = await create_user(session, email=email, name=name, role=role, country=country, network=network,
                                 cleared_for_nominal=cleared_for_nominal, password=password, language=language)
        await session.commit()
        return user

    user = await with_session(settings_for(database_url), work)
    click.echo(f"created {user.role} {user.email} (id {user.id})")
    if not password_stdin:
        click.echo(f"password: {password}")


@main.group()
def tokens() -> None:
    """API tokens."""


@tokens.command("create")
@database_option
@click.option("--email", required=True)
@click.option("--name", "label", default="command line", show_default=True, help="What the token is for.")
@run_async
async def tokens_create(database_url: str, email: str, label: str) -> None:
    """Print a new API token for a user, alone on the last line (shown once)."""
    from sqlalchemy import select

    from opsplatform.auth.services import create_api_token, normalise_email
    from opsplatform.models.auth import User

    async def work(session: Any) -> str:
        user = await session.scalar(select(User).where(User.email == normalise_email(email)))
        if user is None:
            raise InvalidInput.one("email", f"no account with the address {email}")
        _token, raw = await create_api_token(session, user, label)
        await session.commit()
        return raw

    raw = await with_session(settings_for(database_url), work)
    click.echo(f"token for {email} (store it now; it is not shown again):")
    click.echo(raw)


# --- operations -------------------------------------------------------------------------------------------------------

@main.group()
def operations() -> None:
    """Operations."""


@operations.command("create")
@database_option
@click.option("--file", "path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="Operation file (JSON, see docs/reference.md).")
@run_async
async def operations_create(database_url: str, path: str) -> None:
    """Create an operation from a JSON file; prints its code."""
    import json

    from opsplatform.operations.services import create_operation
    from opsplatform.operations.spec import parse_spec

    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except json.JSONDecodeError as exc:
        raise InvalidInput.one("file", f"not valid JSON: {exc}") from exc

    async def work(session: Any) -> str:
        operation = await create_operation(session, await parse_spec(session, data), None)
        await session.commit()
        return operation.code

    click.echo(await with_session(settings_for(database_url), work))


@operations.command("set-phase")
@database_option
@click.option("--operation", "code", required=True, help="Operation code.")
@click.argument("phase", type=click.Choice(["draft", "planning", "active", "reporting", "closed"]))
@run_async
async def operations_set_phase(database_url: str, code: str, phase: str) -> None:
    """Move an operation to a phase by hand."""
    from opsplatform.operations.services import set_phase

    async def work(session: Any) -> str:
        operation = await operation_by_code(session, code)
        await set_phase(session, operation, phase)
        await session.commit()
        return f"{operation.code} is now in the {phase} phase"

    click.echo(await with_session(settings_for(database_url), work))


# --- results ---------------------------------------------------------------------------------------------------------

# --- keys -------------------------------------------------------------------------------------------------------------

@main.group()
def keys() -> None:
    """Keys that encrypt nominal data."""


@keys.command("generate")
@database_option
def keys_generate(database_url: str) -> None:
    """Print a new key for OPSPLATFORM_NOMINAL_KEYS (the database is not used; the option is taken like everywhere)."""
    from opsplatform.crypto import generate_key

    click.echo(generate_key())


@keys.command("rotate")
@database_option
@run_async
async def keys_rotate(database_url: str) -> None:
    """Re-encrypt every stored nominal value with the newest key (the first of OPSPLATFORM_NOMINAL_KEYS), and
    recompute the document-number hashes with OPSPLATFORM_MATCH_KEY (second-factor secrets and the kept answers of
    API creates are re-encrypted too)."""
    from sqlalchemy import select

    from opsplatform.crypto import decrypt, document_hash, rotate
    from opsplatform.models.auth import IdempotentRequest, User
    from opsplatform.models.seizures import Suspect

    settings = settings_for(database_url)

    async def work(session: Any) -> tuple[int, int]:
        suspects = (await session.scalars(select(Suspect))).all()
        for suspect in suspects:
            for column in ("name_encrypted", "date_of_birth_encrypted", "document_number_encrypted"):
                setattr(suspect, column, rotate(settings, getattr(suspect, column)))
            suspect.document_hash = document_hash(settings, decrypt(settings, suspect.document_number_encrypted))
        users = (await session.scalars(select(User).where(User.totp_secret_encrypted.is_not(None)))).all()
        for user in users:
            user.totp_secret_encrypted = rotate(settings, user.totp_secret_encrypted)
        for kept in (await session.scalars(select(IdempotentRequest))).all():
            kept.answer = rotate(settings, kept.answer)
        await session.commit()
        return len(suspects), len(users)

    suspects, secrets = await with_session(settings, work)
    click.echo(f"{suspects} suspect records (their document hashes recomputed) and {secrets} second-factor secrets "
               "re-encrypted with the newest key")


main.add_command(report)
main.add_command(import_)
main.add_command(tasks)
operations.add_command(team)
