"""Refuse at the door what a database cannot store or look up, so both databases answer alike.

- The NUL character: PostgreSQL text cannot hold it (asyncpg raises "invalid byte sequence"), SQLite can. Uploaded
  files are left to the sheet reader; everything typed (path, query, form fields, JSON) is checked here.
- A record id in the path beyond PostgreSQL's integer range: no such record can exist, so it is not found, rather
  than a server error from the driver.
"""

from __future__ import annotations

from litestar import Request
from litestar.exceptions import NotFoundException

from opsplatform.errors import InvalidInput
from opsplatform.i18n import _

_MARKERS = {"application/json": b"\\u0000", "application/x-www-form-urlencoded": b"%00"}
LARGEST_ID = 2**31 - 1  # ids are INTEGER columns on both databases


async def refuse_unstorable(request: Request) -> None:
    """A before-request hook: 404 for an impossible record id, 400 naming where the NUL character was sent."""
    if any(isinstance(value, int) and not -LARGEST_ID <= value <= LARGEST_ID for value in request.path_params.values()):
        raise NotFoundException()
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
