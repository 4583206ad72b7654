"""What every command shares: the database option, settings, running async bodies, the acting user."""

from __future__ import annotations

import asyncio
import functools
import json
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import click

from opsplatform import settings as settings_module
from opsplatform.checks import document_problems, too_deep
from opsplatform.database import make_engine, make_sessionmaker, session_scope
from opsplatform.errors import FieldError, InvalidInput
from opsplatform.settings import Settings, SettingsError
from opsplatform.uploads import UTF16_BOMS

CLI_ACTOR = (None, "cli")


def database_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--database-url` on every command (default: $OPSPLATFORM_DATABASE_URL, else the local SQLite file)."""
    return click.option("--database-url", envvar="OPSPLATFORM_DATABASE_URL",
                        default=settings_module.DEFAULT_DATABASE_URL, show_default=True,
                        help="SQLAlchemy database URL (sqlite+aiosqlite:///… or postgresql+asyncpg://…).")(command)


def settings_for(database_url: str) -> Settings:
    try:
        return settings_module.load(database_url=database_url)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


def run_async(body: Callable[..., Coroutine[Any, Any, Any]]) -> Callable[..., Any]:
    """Run an async command body; a refused input becomes exit code 1 with the field-by-field message."""
    @functools.wraps(body)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return asyncio.run(body(*args, **kwargs))
        except InvalidInput as exc:
            refused(exc)
    return wrapper


def refused(error: InvalidInput) -> None:
    """Exit code 1 with one line per problem, naming the field."""
    for problem in error.errors:
        click.echo(f"{problem.field}: {problem.message}", err=True)
    sys.exit(1)


def read_json(path: str) -> Any:
    """A JSON file given on the command line: UTF-8 (a BOM allowed) or UTF-16 with its BOM, as editors save text, and
    holding only what the API would take (`checks.document_problems`). What is wrong with it is refused in one line
    naming the file, or one per value naming it, never as a traceback."""
    content = Path(path).read_bytes()
    encoding = "utf-16" if content.startswith(UTF16_BOMS) else "utf-8-sig"
    try:
        data = json.loads(content.decode(encoding))
    except UnicodeDecodeError as exc:
        name = "UTF-16" if encoding == "utf-16" else "UTF-8"
        raise InvalidInput.one("file", f"{path} is not {name} text (byte 0x{exc.object[exc.start]:02x} at position "
                                       f"{exc.start}); save it as UTF-8") from exc
    except RecursionError as exc:  # the parser's own limit, about a thousand levels: past ours too
        raise InvalidInput.one("file", f"{path} {too_deep()}") from exc
    except json.JSONDecodeError as exc:
        raise InvalidInput.one("file", f"{path} is not valid JSON: {exc}") from exc
    if problems := list(document_problems(data, "")):
        # A problem of the file as a whole (its nesting) names it, as the problems above do.
        raise InvalidInput([FieldError(where or "file", problem if where else f"{path} {problem}")
                            for where, problem in problems[:20]])
    return data


async def with_session(settings: Settings, work: Callable[..., Coroutine[Any, Any, Any]]) -> Any:
    engine = make_engine(settings.database_url)
    try:
        async with session_scope(make_sessionmaker(engine), actor=CLI_ACTOR) as session:
            return await work(session)
    finally:
        await engine.dispose()


async def operation_by_code(session: Any, code: str) -> Any:
    from sqlalchemy import select

    from opsplatform.models.operations import Operation

    operation = await session.scalar(select(Operation).where(Operation.code == code.upper()))
    if operation is None:
        raise InvalidInput.one("operation", f"no operation with the code {code}")
    return operation


async def command_line_member(session: Any, code: str) -> Any:
    """The operation with that code, as the command line acts in it: a lead coordinator of every country."""
    from opsplatform import policy

    return await policy.member_of(session, policy.command_line(), await operation_by_code(session, code))
