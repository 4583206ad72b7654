"""A map as a page of its own, for the iframes of the dashboard and the operation page."""

from __future__ import annotations

from urllib.parse import urlparse

import folium
from litestar import Response

from opsplatform.settings import Settings


def map_response(settings: Settings, m: folium.Map) -> Response:
    """The map as its own page (shown in an iframe): folium's inline scripts get a CSP of their own."""
    tiles = urlparse(settings.map_tiles.replace("{s}", "a")).netloc if settings.map_tiles else ""
    img = "'self' data:" + (f" https://{tiles}" if tiles else "")
    csp = (f"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src {img}; "
           "frame-ancestors 'self'; base-uri 'none'; object-src 'none'")
    return Response(m.get_root().render(), media_type="text/html",
                    headers={"content-security-policy": csp, "x-frame-options": "SAMEORIGIN"})
