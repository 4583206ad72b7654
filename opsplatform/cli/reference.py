"""`opsplatform reference …`: the bundled reference data and CITES checklist imports."""

from __future__ import annotations

import sys
from typing import Any

import click

from opsplatform.cli.tools import database_option, run_async, settings_for, with_session


@click.group()
def reference() -> None:
    """Reference data (countries, networks, taxa, CITES terms and units, currencies, airports)."""


@reference.command("load")
@database_option
@run_async
async def reference_load(database_url: str) -> None:
    """Load or refresh reference data from seed/ (idempotent)."""
    from opsplatform.figures.rollup import following_taxa
    from opsplatform.reference.loader import load_all

    async def work(session: Any) -> dict[str, int]:
        async with following_taxa(session):
            counts = await load_all(session)
        await session.commit()
        return counts

    counts = await with_session(settings_for(database_url), work)
    for name, count in counts.items():
        click.echo(f"{name:>16}: {count}")


@reference.command("import-checklist")
@database_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@run_async
async def reference_import_checklist(database_url: str, file: str) -> None:
    """Load taxa from a Species+ or CITES Checklist CSV export, each under its genus and family."""
    from opsplatform.figures.rollup import following_taxa
    from opsplatform.reference.checklist import ChecklistReport, import_checklist

    with open(file, "rb") as f:
        content = f.read()

    async def work(session: Any) -> ChecklistReport:
        async with following_taxa(session):
            report = await import_checklist(session, content)
        await session.commit()
        return report

    report = await with_session(settings_for(database_url), work)
    click.echo(f"{report.imported} taxa loaded, {report.added} new taxa (genera, families and orders included)")
    for problem in report.problems:
        click.echo(problem, err=True)
    if report.problems:
        sys.exit(1)
