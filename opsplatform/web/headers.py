"""Security headers on every response."""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

# Pages load scripts and styles only from the app itself; map pages (folium) need inline scripts and get their own.
CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'")
# A page the app shows inside one of its own pages (the release preview): the same policy, framed by the app only.
FRAMED = {"content-security-policy": CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'"),
          "x-frame-options": "SAMEORIGIN"}


async def before_send(message: Message, scope: Scope) -> None:
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    headers.setdefault("x-content-type-options", "nosniff")
    headers.setdefault("referrer-policy", "same-origin")
    headers.setdefault("x-frame-options", "DENY")
    if not scope["path"].startswith("/schema"):
        headers.setdefault("content-security-policy", CSP)
    if scope["app"].state.settings.production:
        headers.setdefault("strict-transport-security", "max-age=31536000; includeSubDomains")
