"""`opsplatform operations team …`: an operation's team (its closed group besides the focal points) on the command
line."""

from __future__ import annotations

from typing import Any

import click

from opsplatform import policy
from opsplatform.cli.tools import database_option, operation_by_code, run_async, settings_for, with_session


@click.group()
def team() -> None:
    """An operation's team: coordinators, analysts and press officers (focal points belong through their country)."""


@team.command("add")
@database_option
@click.option("--operation", "code", required=True, help="Operation code.")
@click.option("--email", required=True, help="The member's account.")
@click.option("--role", type=click.Choice(["coordinator", "analyst", "press_officer"]),
              help="Role in this operation; defaults to the account's own.")
@click.option("--lead", is_flag=True, help="A coordinator who edits the operation and its team.")
@run_async
async def team_add(database_url: str, code: str, email: str, role: str | None, lead: bool) -> None:
    """Add a member to the operation's team (or change its role or lead)."""
    from opsplatform.operations import team as members

    async def work(session: Any) -> str:
        operation = await operation_by_code(session, code)
        entry = await members.entry_for(session, email, role, lead)
        await members.add(session, operation, entry, policy.command_line())
        await session.commit()
        return f"{entry.user.email} is on the team of {operation.code} as {entry.role}{' (lead)' if entry.lead else ''}"

    click.echo(await with_session(settings_for(database_url), work))


@team.command("remove")
@database_option
@click.option("--operation", "code", required=True, help="Operation code.")
@click.option("--email", required=True, help="The member's account.")
@run_async
async def team_remove(database_url: str, code: str, email: str) -> None:
    """Remove a member from the operation's team."""
    from opsplatform.operations import team as members

    async def work(session: Any) -> str:
        operation = await operation_by_code(session, code)
        user = await members.account(session, email)
        await members.remove(session, operation, user)
        await session.commit()
        return f"{user.email} is no longer on the team of {operation.code}"

    click.echo(await with_session(settings_for(database_url), work))


@team.command("list")
@database_option
@click.option("--operation", "code", required=True, help="Operation code.")
@run_async
async def team_list(database_url: str, code: str) -> None:
    """One member a line: e-mail, role in the operation, and `lead` for its leads."""
    from opsplatform.operations import team as members

    async def work(session: Any) -> list[str]:
        operation = await operation_by_code(session, code)
        return [f"{user.email}\t{entry.role}" + ("\tlead" if entry.lead else "")
                for entry, user in await members.members(session, operation)]

    for line in await with_session(settings_for(database_url), work):
        click.echo(line)
