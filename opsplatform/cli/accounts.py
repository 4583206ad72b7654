"""`opsplatform users …` and `opsplatform tokens …`: accounts and API tokens."""

from __future__ import annotations

import sys
from typing import Any

import click

from opsplatform.cli.tools import database_option, run_async, settings_for, with_session
from opsplatform.errors import InvalidInput


@click.group()
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

    password = _password_from_stdin() if password_stdin else secrets.token_urlsafe(12)

    async def work(session: Any) -> Any:
        user = await create_user(session, email=email, name=name, role=role, country=country, network=network,
                                 cleared_for_nominal=cleared_for_nominal, password=password, language=language)
        await session.commit()
        return user

    user = await with_session(settings_for(database_url), work)
    click.echo(f"created {user.role} {user.email} (id {user.id})")
    if not password_stdin:
        click.echo(f"password: {password}")


def _password_from_stdin() -> str:
    """The first line of standard input, read as UTF-8 whatever the terminal's locale says."""
    try:
        return sys.stdin.buffer.readline().decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise InvalidInput.one("password", "standard input is not UTF-8 text; type the password again in "
                                           "UTF-8") from exc


@click.group()
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
