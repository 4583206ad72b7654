"""Refuse the NUL character in request input at the door.

PostgreSQL text cannot hold it (asyncpg raises "invalid byte sequence"), SQLite can: without this check the same
input would be a clear answer on one database and a server error on the other. Uploaded files are left to the
sheet reader; everything typed (path, query, form fields, JSON) is checked here.
"""

from __future__ import annotations

from litestar import Request

from opsplatform.errors import InvalidInput
from opsplatform.i18n import _

_MARKERS = {"application/json": b"\\u0000", "application/x-www-form-urlencoded": b"%00"}


async def refuse_nul(request: Request) -> None:
    """A before-request hook: 400 naming where the NUL character was sent."""
    where = None
    raw_path = request.scope.get("raw_path", b"").split(b"?")[0]  # some servers keep the query in raw_path
    if b"%00" in raw_path or "\x00" in request.url.path:
        where = "path"
    elif b"%00" in request.scope.get("query_string", b""):
        where = "query"
    else:
        marker = _MARKERS.get(request.headers.get("content-type", "").split(";")[0].strip().lower())
        if marker is not None and marker in (await request.body()).lower():
            where = "body"
    if where is not None:
        raise InvalidInput.one(where, _("contains the NUL character (\\u0000), which is not accepted in any field"))
