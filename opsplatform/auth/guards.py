"""Route guards: logged in, and holding a capability from the policy module."""

from __future__ import annotations

from collections.abc import Callable

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from opsplatform import policy

Guard = Callable[[ASGIConnection, BaseRouteHandler], None]


def login_required(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if connection.user is None:
        raise NotAuthorizedException("log in, or send a valid API token as 'Authorization: Bearer <token>'")


def requires(capability: str) -> Guard:
    def guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
        login_required(connection, handler)
        if not policy.can(connection.user, capability):
            raise PermissionDeniedException("your role does not allow this")

    guard.__name__ = f"requires_{capability}"
    return guard
