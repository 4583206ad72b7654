"""`opsplatform operations …`: operations from their files, their phases and national registers (its `team` subgroup:
team.py)."""

from __future__ import annotations

from typing import Any

import click

from opsplatform import dates
from opsplatform.cli.tools import database_option, operation_by_code, read_json, run_async, settings_for, with_session


@click.group()
def operations() -> None:
    """Operations."""


@operations.command("create")
@database_option
@click.option("--file", "path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="Operation file (JSON, see docs/reference.md).")
@run_async
async def operations_create(database_url: str, path: str) -> None:
    """Create an operation from a JSON file; prints its code."""
    from opsplatform.operations.services import create_operation
    from opsplatform.operations.spec import parse_spec

    data = read_json(path)

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


@operations.command("register")
@database_option
@click.option("--country", required=True, help="The country (ISO 3166-1 alpha-3).")
@click.option("--year", type=click.IntRange(dates.YEARS.start, dates.YEARS.stop - 1), default=None,
              help="The calendar year (default: this year).")
@run_async
async def operations_register(database_url: str, country: str, year: int | None) -> None:
    """Open a country's national register of a year (its seizures outside any operation); prints its code."""
    from opsplatform.database import utcnow
    from opsplatform.operations.registers import national_register

    today = utcnow().date()

    async def work(session: Any) -> str:
        register = await national_register(session, country.strip().upper(), today.year if year is None else year,
                                           today, None)
        await session.commit()
        return register.code

    click.echo(await with_session(settings_for(database_url), work))
