"""Who is asking: a session cookie for pages, a bearer token for the API. Also picks the request's language."""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import Receive, Scope, Send

from opsplatform import i18n
from opsplatform.auth.services import user_for_api_token, user_for_session
from opsplatform.database import utcnow
from opsplatform.notifications.services import unread_count
from opsplatform.operations.spec import CODE_RE
from opsplatform.web.request_db import close_left, request_session

if TYPE_CHECKING:
    from litestar import Response

    from opsplatform.settings import Settings

SESSION_COOKIE = "opsp_session"
LANGUAGE_COOKIE = "opsp_lang"
API_PREFIX = "/api/"
# The user's place in the operation the path names, read with who asks (web/access.py checks it for the route).
PATH_MEMBER = "path_member"


def remember_language(response: Response, lang: str, settings: Settings) -> None:
    """Keep the chosen language in this browser for a year (pages before login, and after logout, speak it)."""
    response.set_cookie(LANGUAGE_COOKIE, lang, samesite="lax", httponly=True, secure=settings.production,
                        max_age=365 * 24 * 3600)


def bearer_token(connection: ASGIConnection) -> str | None:
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _operation_code(connection: ASGIConnection) -> str | None:
    """The code of the operation the path names (every route under one calls it `code`), as operations keep it."""
    code = connection.scope["path_params"].get("code")
    return code.strip().upper() if isinstance(code, str) else None


def _full_page_request(connection: ASGIConnection) -> bool:
    """Not an htmx swap: its answer may be a whole page with the header (a form re-shown after an error too);
    the fragments htmx polls for every few seconds skip the unread count."""
    return "hx-request" not in connection.headers


class AuthenticationMiddleware(AbstractAuthenticationMiddleware):
    """Sets `request.user` to the User or None; guards decide what None may reach. The user is read in the request's
    own database session (web/request_db.py), which the route then works in."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await close_left(scope)

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        state = connection.app.state
        user = None
        now = utcnow()
        is_api = connection.url.path.startswith(API_PREFIX)
        # The API takes tokens only, so a browser's cookie can never be used for a cross-site API write.
        raw = bearer_token(connection) if is_api else connection.cookies.get(SESSION_COOKIE)
        if raw:
            session = request_session(connection)
            code = _operation_code(connection)
            operation = code if code is not None and CODE_RE.match(code) else None  # else no operation has it
            if is_api:
                caller = await user_for_api_token(session, raw, now, operation)
            else:
                caller = await user_for_session(session, state.settings, raw, now, operation)
            if caller is not None:
                user = caller.user
                if code is not None:
                    connection.state[PATH_MEMBER] = caller.member
                if not is_api and _full_page_request(connection):  # base.html's header shows it
                    connection.state.unread_notifications = await unread_count(session, user.id)
                # Detached, as read: a rollback in the route must not expire who asks (error pages still name it).
                session.expunge(user)
        i18n.set_language(
            (user.language if user else None) or connection.cookies.get(LANGUAGE_COOKIE)
            or i18n.negotiate(connection.headers.get("accept-language")) or state.settings.default_language)
        return AuthenticationResult(user=user, auth=raw if user else None)
