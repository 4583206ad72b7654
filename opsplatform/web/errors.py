"""Errors answered as JSON for the API and as pages (or a redirect to login) for people; and logged: a client's error
in one line (what was asked, the answer, the fields refused), a server error with its traceback scrubbed of every
message (see `errors.ScrubbingFormatter`), never with what was sent."""

from __future__ import annotations

import logging
from http import HTTPStatus

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException, ValidationException
from litestar.response import Template
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_409_CONFLICT,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)
from sqlalchemy.exc import DBAPIError, IntegrityError, TimeoutError as PoolTimeout

from opsplatform.errors import InvalidInput, NotAllowed
from opsplatform.i18n import _
from opsplatform.labels import problems_in_words
from opsplatform.web.authentication import API_PREFIX
from opsplatform.web.redirects import redirect_to

log = logging.getLogger("opsplatform.requests")


def _client_error(request: Request, status: int, fields: list[str] | None = None) -> None:
    log.info("%s %s answered %s%s", request.method, request.url.path, status,
             f" (refused: {', '.join(fields[:20])})" if fields else "")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX) or request.url.path.startswith("/schema")


def _page(request: Request, status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> Response:
    return Template("error.html", context={"status": status, "title": title, "detail": detail}, status_code=status,
                    headers=headers)


def http_error(request: Request, exc: HTTPException) -> Response:
    _client_error(request, exc.status_code)
    if _is_api(request):
        body: dict[str, object] = {"status_code": exc.status_code, "detail": exc.detail}
        if isinstance(exc, ValidationException) and exc.extra:
            body["errors"] = [{"field": str(e.get("key") or e.get("source") or "body"), "message": e.get("message")}
                              for e in exc.extra if isinstance(e, dict)] or exc.extra
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return Response(body, status_code=exc.status_code, media_type=MediaType.JSON, headers=headers)
    if isinstance(exc, NotAuthorizedException):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return redirect_to(request, "login", query={"next": target})
    titles = {403: _("Not allowed"), 404: _("Not found"), 400: _("Bad request"), 405: _("Not allowed"),
              413: _("Too large")}
    return _page(request, exc.status_code, titles.get(exc.status_code, _("Error")), _detail(exc))


def _detail(exc: HTTPException) -> str:
    """Our own details are translated already; Litestar's default ones are the English status phrase."""
    if exc.detail != HTTPStatus(exc.status_code).phrase:
        return str(exc.detail)
    return {404: _("There is no such page, or it is not one you can see."),
            403: _("Your role does not allow this."),
            405: _("This address does not take that kind of request."),
            413: _("What was sent is larger than this address takes: nothing was stored.")}.get(exc.status_code, "")


def invalid_input(request: Request, exc: InvalidInput) -> Response:
    _client_error(request, 400, [e.field for e in exc.errors])
    if _is_api(request):
        return Response({"status_code": 400, "detail": _("invalid input"), "errors": exc.as_list()},
                        status_code=HTTP_400_BAD_REQUEST, media_type=MediaType.JSON)
    return _page(request, 400, _("Bad request"), problems_in_words(exc.errors))


def not_allowed(request: Request, exc: NotAllowed) -> Response:
    return http_error(request, PermissionDeniedException(str(exc) or _("your role does not allow this")))


def server_error(request: Request, exc: Exception) -> Response:
    log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    if _is_api(request):
        return Response({"status_code": 500, "detail": _("internal server error")},
                        status_code=HTTP_500_INTERNAL_SERVER_ERROR, media_type=MediaType.JSON)
    return _page(request, 500, _("Something went wrong"),
                 _("The error has been logged. Try again, and tell your administrator if it persists."))


def busy(request: Request, exc: PoolTimeout) -> Response:
    """Every database connection stayed busy for the pool timeout: overload, not a fault. Say when to come back."""
    log.warning("%s %s answered 503: every database connection was busy", request.method, request.url.path)
    return _come_back(request)


def database_error(request: Request, exc: DBAPIError) -> Response:
    """The database connection was lost during the request (a restart, a failover): the pool has dropped every
    connection as old, so the next try gets a new one; say when to come back. Any other database error is a fault."""
    if not exc.connection_invalidated:
        return server_error(request, exc)
    log.warning("%s %s answered 503: the database connection was lost", request.method, request.url.path)
    return _come_back(request)


def same_moment(request: Request, exc: IntegrityError) -> Response:
    """Two requests saved the same unique thing at once (one reference, one day's nil return) and this one came
    second: nothing of it was saved. Any other integrity error is a fault."""
    if "unique" not in str(exc.orig).lower() and "duplicate key" not in str(exc.orig).lower():
        return server_error(request, exc)
    log.warning("%s %s answered 409: saved at the same moment as another request", request.method, request.url.path)
    detail = _("the same was saved by another request at the same moment (the same reference, or the same day's nil "
               "return): nothing of this one was saved; reload to see what is stored")
    if _is_api(request):
        return Response({"status_code": 409, "detail": detail}, status_code=HTTP_409_CONFLICT,
                        media_type=MediaType.JSON)
    return _page(request, 409, _("Saved at the same moment"), detail)


def _come_back(request: Request) -> Response:
    headers = {"Retry-After": "5"}
    if _is_api(request):
        return Response({"status_code": 503, "detail": _("the service is busy; try again in a few seconds")},
                        status_code=HTTP_503_SERVICE_UNAVAILABLE, media_type=MediaType.JSON, headers=headers)
    return _page(request, 503, _("Busy"), _("Too many requests at once. Try again in a few seconds."), headers)


HANDLERS = {PoolTimeout: busy, IntegrityError: same_moment, DBAPIError: database_error, HTTPException: http_error,
            InvalidInput: invalid_input, NotAllowed: not_allowed, HTTP_500_INTERNAL_SERVER_ERROR: server_error}
