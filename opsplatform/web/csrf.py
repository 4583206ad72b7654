"""Cross-site request forgery: every form and htmx request of the pages carries a token bound to the browser's
session, so a token taken from one session (or from before a login) is refused in another.

The token is an HMAC of the session cookie (before login, of a random pre-session cookie) under the secret key: the
server keeps nothing, any instance checks it, and logging in or out gives the page a new one. The JSON API is left
out: it takes bearer tokens only, never cookies.
"""

from __future__ import annotations

import hmac
import secrets
from typing import TYPE_CHECKING, Any

from itsdangerous import Signer
from litestar.datastructures import MutableScopeHeaders
from litestar.datastructures.cookie import Cookie
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.middleware import ASGIMiddleware
from litestar.utils.scope.state import ScopeState

from opsplatform.i18n import _
from opsplatform.web.authentication import SESSION_COOKIE

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

PRE_SESSION_COOKIE = "opsp_csrf"  # binds the token of a visitor not logged in (the login form)
FIELD, HEADER = "_csrf_token", "x-csrftoken"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def token_for(secret: str, binding: str) -> str:
    """The token of forms served to the browser whose session (or pre-session) cookie is `binding`."""
    return Signer(secret, salt="csrf").get_signature(binding).decode()


class CsrfMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)
    # The API takes bearer tokens, never cookies; static files and the schema change nothing.
    should_bypass_for_scope = staticmethod(lambda scope: scope["path"].startswith(("/api/", "/schema", "/static/")))

    def __init__(self, secret: str, secure: bool) -> None:
        self.secret, self.secure = secret, secure

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        request = scope["litestar_app"].request_class(scope=scope, receive=receive)
        binding = request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRE_SESSION_COOKIE)
        if request.method in SAFE_METHODS:
            fresh = None if binding else secrets.token_urlsafe(32)
            ScopeState.from_scope(scope).csrf_token = token_for(self.secret, binding or fresh)
            await next_app(scope, receive, self._setting_cookie(send, fresh) if fresh else send)
            return
        sent = request.headers.get(HEADER)
        if not sent and request.content_type[0] in (RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART):
            sent = (await request.form()).get(FIELD)
        if not binding or not isinstance(sent, str) or not hmac.compare_digest(sent, token_for(self.secret, binding)):
            raise PermissionDeniedException(_("This form has expired, for example after a login or logout in another "
                                              "tab. Go back, reload the page and send it again: what you typed is "
                                              "kept in the browser's form."))
        ScopeState.from_scope(scope).csrf_token = sent
        await next_app(scope, receive, send)

    def _setting_cookie(self, send: Send, value: str) -> Any:
        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookie = Cookie(key=PRE_SESSION_COOKIE, value=value, path="/", httponly=True, samesite="lax",
                                secure=self.secure)
                MutableScopeHeaders.from_message(message).add("set-cookie", cookie.to_header(header=""))
            await send(message)
        return send_with_cookie
