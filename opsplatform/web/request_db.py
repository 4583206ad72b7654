"""One database session per request: who asks is read in it, then the route works in it, so a request checks out
one connection (one transaction) however many layers ask the database. The route's `db` dependency
closes it when its dependencies are cleaned up, before the answer is sent; a request whose route never took it has it
closed by the authentication middleware at the end. The heaviest reads may take theirs from a read replica
instead (`reads`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from sqlalchemy.ext.asyncio import AsyncSession

KEY = "db_session"


def request_session(connection: ASGIConnection) -> AsyncSession:
    """The request's session, opened on first use (opening one connects nothing yet)."""
    state = connection.scope["state"]
    session = state.get(KEY)
    if session is None:
        session = state[KEY] = connection.app.state.sessionmaker()
    return session


async def provide_db(request: Request) -> AsyncIterator[AsyncSession]:
    """The route's session; changes are attributed to the requesting user in the audit log."""
    async with _own(request) as session:
        yield session


async def provide_reads(request: Request) -> AsyncIterator[AsyncSession]:
    """The session of the heaviest reads (dashboard, maps, exports, summary): on the read replica when one is set,
    whose connections refuse writes; else the request's own."""
    if not request.app.state.settings.read_database_url:
        async with _own(request) as session:
            yield session
        return
    async with request.app.state.read_sessionmaker() as session:
        yield session


@asynccontextmanager
async def _own(request: Request) -> AsyncIterator[AsyncSession]:
    session = request_session(request)
    user = request.user
    session.sync_session.info["actor"] = (user.id, user.email) if user else (None, "anonymous")
    try:
        yield session
    finally:
        request.scope["state"].pop(KEY, None)
        await session.close()


async def close_left(scope: Any) -> None:
    """Close the session of a request whose route did not take it (nothing to do when it did)."""
    session = scope.get("state", {}).pop(KEY, None)
    if session is not None:
        await session.close()
