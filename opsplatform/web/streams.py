"""Responses whose body is written while it is sent (large exports).

The request's database session closes when the handler returns, before the response is sent: a streamed body reads
through a session of its own (on the read replica when one is set), opened when the first chunk is asked for and
closed after the last one, or when the client goes away."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from litestar import Request
from litestar.response import Stream
from sqlalchemy.ext.asyncio import AsyncSession


def streamed(request: Request, chunks: Callable[[AsyncSession], AsyncIterator[bytes]], *, media_type: str,
             headers: dict[str, str]) -> Stream:
    """A response of the chunks that `chunks` writes from a session of the body's own."""
    async def body() -> AsyncIterator[bytes]:
        async with request.app.state.read_sessionmaker() as session:
            async for chunk in chunks(session):
                yield chunk

    return Stream(body(), media_type=media_type, headers=headers)
