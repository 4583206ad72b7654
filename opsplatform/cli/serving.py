"""`opsplatform serve` and `opsplatform demo`."""

from __future__ import annotations

import asyncio

import click

from opsplatform.cli.database import is_current
from opsplatform.cli.tools import database_option, settings_for, with_session
from opsplatform.database import upgrade
from opsplatform.settings import Settings


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


@click.command()
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


@click.command()
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
