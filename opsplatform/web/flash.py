"""One-shot messages shown on the next page, carried in a signed cookie (no server state, works before login)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from litestar import Request
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.types import Message, Scope

COOKIE = "opsp_flash"


def _sign(secret: str, payload: bytes) -> str:
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def flash(request: Request, message: str, category: str = "info") -> None:
    request.state.setdefault("flash_out", []).append({"message": message, "category": category})


def read(request: Request) -> list[dict[str, str]]:
    """Messages set by the previous response (and by this request itself, for pages rendered directly)."""
    messages = list(request.state.get("flash_out", []))
    raw = request.cookies.get(COOKIE)
    if raw and "." in raw:
        payload, signature = raw.rsplit(".", 1)
        data = base64.urlsafe_b64decode(payload.encode())
        if hmac.compare_digest(signature, _sign(request.app.state.settings.effective_secret_key, data)):
            messages = json.loads(data) + messages
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
        data = json.dumps(pending).encode()
        value = base64.urlsafe_b64encode(data).decode() + "." + _sign(settings.effective_secret_key, data)
        cookie = Cookie(key=COOKIE, value=value, httponly=True, samesite="lax", secure=settings.production, path="/")
    elif state.get("flash_read"):
        cookie = Cookie(key=COOKIE, value="", max_age=0, expires=0, path="/")
    else:
        return
    headers = MutableScopeHeaders.from_message(message)
    headers.add("set-cookie", cookie.to_header(header=""))
