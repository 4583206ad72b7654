"""One-shot messages shown on the next page, carried in a signed cookie (no server state, works before login)."""

from __future__ import annotations

from contextlib import suppress

from itsdangerous import BadData, URLSafeSerializer
from litestar import Request
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.types import Message, Scope

COOKIE = "opsp_flash"


def _signer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="flash")


def flash(request: Request, message: str, category: str = "info") -> None:
    request.state.setdefault("flash_out", []).append({"message": message, "category": category})


def read(request: Request) -> list[dict[str, str]]:
    """Messages set by the previous response (and by this request itself, for pages rendered directly)."""
    messages = list(request.state.get("flash_out", []))
    raw = request.cookies.get(COOKIE)
    if raw:
        with suppress(BadData):  # forged, or signed with a key since changed: nothing to show
            messages = list(_signer(request.app.state.settings.effective_secret_key).loads(raw)) + messages
        request.state["flash_read"] = True
    request.state["flash_out"] = []
    return messages


async def before_send(message: Message, scope: Scope) -> None:
    """Store pending messages for the next page, or clear the ones just shown."""
    if message["type"] != "http.response.start":
        return
    state = scope.get("state", {})
    settings = scope["app"].state.settings
    pending = state.get("flash_out", [])
    if pending:
        value = _signer(settings.effective_secret_key).dumps(pending)
        cookie = Cookie(key=COOKIE, value=value, httponly=True, samesite="lax", secure=settings.production, path="/")
    elif state.get("flash_read"):
        cookie = Cookie(key=COOKIE, value="", max_age=0, expires=0, path="/")
    else:
        return
    headers = MutableScopeHeaders.from_message(message)
    headers.add("set-cookie", cookie.to_header(header=""))
