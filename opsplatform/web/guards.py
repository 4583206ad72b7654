"""Route guards: logged in, and holding a capability from the policy module."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from opsplatform import policy
from opsplatform.i18n import _

# Guards are coroutines: Litestar runs a plain-function guard in a thread pool, a hop on every request.
Guard = Callable[[ASGIConnection, BaseRouteHandler], Awaitable[None]]


def _logged_in(connection: ASGIConnection) -> None:
    if connection.scope["method"] == "OPTIONS":  # answered by the framework (Allow), never about anyone's data
        return
    if connection.scope.get("user") is None:
        raise NotAuthorizedException(_("log in, or send a valid API token as 'Authorization: Bearer <token>'"))


async def login_required(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    _logged_in(connection)


def requires(capability: str) -> Guard:
    async def guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
        _logged_in(connection)
        if connection.scope["method"] != "OPTIONS" and not policy.can(connection.user, capability):
            raise PermissionDeniedException(_("your role does not allow this"))

    guard.__name__ = f"requires_{capability}"
    return guard
