"""Security and caching headers on every response."""

from __future__ import annotations

import re

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

# Pages load scripts and styles only from the app itself; map pages (folium) need inline scripts and get their own.
CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'")
# A page the app shows inside one of its own pages (the release preview): the same policy, framed by the app only.
FRAMED = {"content-security-policy": CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'"),
          "x-frame-options": "SAMEORIGIN"}


# Static files named by their fingerprint (?v=…, see web/redirects.url_for) or by their version (vendor/x-1.2.3) never
# change under their address: browsers keep them a year without asking. Anything else is checked on each use.
SERVICE_WORKER = "/static/js/sw.js"
STATIC_FOREVER = "public, max-age=31536000, immutable"
VERSIONED = re.compile(r"^/static/vendor/[^/]+-\d+(\.\d+)+")


def _static_cache(scope: Scope) -> str:
    versioned = b"v=" in scope.get("query_string", b"") or VERSIONED.match(scope["path"])
    return STATIC_FOREVER if versioned else "no-cache"


async def before_send(message: Message, scope: Scope) -> None:
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    headers.setdefault("x-content-type-options", "nosniff")
    headers.setdefault("referrer-policy", "same-origin")
    headers.setdefault("x-frame-options", "DENY")
    if not scope["path"].startswith("/schema"):
        headers.setdefault("content-security-policy", CSP)
    if scope["path"].startswith("/static/") and message["status"] == 200:
        headers["cache-control"] = _static_cache(scope)
        if scope["path"] == SERVICE_WORKER:
            headers["service-worker-allowed"] = "/"  # it keeps pages of the whole site
    if scope["app"].state.settings.production:
        headers.setdefault("strict-transport-security", "max-age=31536000; includeSubDomains")
