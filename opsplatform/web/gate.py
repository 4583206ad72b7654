"""The one gate every request passes before its handler: what no database can store, no handler should parse and no
person could have meant is refused here, whatever the route, with a 400 naming where.

- A JSON body that is not UTF-8, not JSON, nested deeper than MAX_DEPTH, or holds a number that is not finite or
  larger than any field takes (LARGEST_NUMBER; each field's own bound is the validator's).
- A C0 control character (but tab, newline and carriage return), or the noncharacter U+FFFE or U+FFFF, anywhere
  typed: path, query, form fields, JSON strings and keys. PostgreSQL text cannot hold NUL; none of them can be
  written in XML, so they would break spreadsheets and Word files (openpyxl and lxml refuse them), and they are
  never meant.
- An API request's body is read as JSON whatever its Content-Type says (the API's handlers read it so), so a body
  labelled otherwise passes the same checks.
- A record id in the path beyond the INTEGER columns' range: no such record can exist, so it is not found.

Before all of these, `UploadLimit` refuses an upload larger than its route takes (413), before a byte of it is read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
from litestar import Request
from litestar.datastructures import Headers, UploadFile
from litestar.enums import ScopeType
from litestar.exceptions import NotFoundException, SerializationException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.middleware import ASGIMiddleware

from opsplatform.checks import character_problem, document_problems, too_deep
from opsplatform.database import LARGEST_ID
from opsplatform.errors import FieldError, InvalidInput
from opsplatform.i18n import _

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

JSON_TYPES = ("application/json",)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def gate(request: Request) -> None:
    """A before-request hook: 404 for an impossible record id, 400 for what no field takes."""
    if any(isinstance(value, int) and not -LARGEST_ID <= value <= LARGEST_ID for value in request.path_params.values()):
        raise NotFoundException()
    errors: list[FieldError] = []
    raw_path = request.scope.get("raw_path", b"").split(b"?")[0]  # some servers keep the query in raw_path
    problem = character_problem(request.url.path) or (character_problem("\x00") if b"%00" in raw_path else None)
    if problem:
        errors.append(FieldError("path", problem))
    for key, value in request.query_params.multi_items():
        if problem := character_problem(key) or character_problem(value):
            errors.append(FieldError(key if not character_problem(key) else "query", problem))
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media in FORM_TYPES:
        errors += await _form_problems(request)
    elif (media in JSON_TYPES or request.url.path.startswith("/api/")) and await request.body():
        errors += await _json_problems(request)
    if errors:
        raise InvalidInput(errors[:20])


async def _json_problems(request: Request) -> list[FieldError]:
    try:
        data = await request.json()  # decoded once: the handler's body parameter reads the same
    except RecursionError:
        return [FieldError("body", too_deep())]
    except UnicodeDecodeError:
        return [FieldError("body", _("is not text in UTF-8"))]
    except (SerializationException, msgspec.DecodeError, ValueError):
        return [FieldError("body", _("is not valid JSON"))]
    return [FieldError(path, problem) for path, problem in document_problems(data, "body")]


async def _form_problems(request: Request) -> list[FieldError]:
    try:
        form = await request.form()
    except (UnicodeDecodeError, ValueError):
        return [FieldError("body", _("is not a form in UTF-8"))]
    errors = []
    for key, value in form.multi_items():
        text = value.filename or "" if isinstance(value, UploadFile) else str(value)
        if problem := character_problem(key) or character_problem(text):
            errors.append(FieldError(key, problem))
    return errors


class UploadLimit(ASGIMiddleware):
    """An upload larger than its route takes is refused before it is read: by the length it announces, or as soon as
    more arrives. A route names its limit in its `opt` (`{"upload_limit": settings -> bytes}`); every other route
    keeps the app's limit on a request's body. Listed before the CSRF check, so that not even it reads such a body."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        limit_of = scope["route_handler"].opt.get("upload_limit")
        if limit_of is None:
            await next_app(scope, receive, send)
            return
        limit = limit_of(scope["litestar_app"].state.settings)
        announced = Headers.from_scope(scope).get("content-length", "")
        if announced.isdigit() and int(announced) > limit:
            raise _too_large(limit)
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _too_large(limit)
            return message

        await next_app(scope, counted, send)


def _too_large(limit: int) -> RequestEntityTooLarge:
    return RequestEntityTooLarge(detail=_("This upload is larger than %(mb)s MB, the most this form takes: nothing "
                                          "was stored. Send fewer or smaller files.", mb=limit // (1024 * 1024)))
