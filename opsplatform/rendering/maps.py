"""Maps that work with no internet: folium with Leaflet served by the app and the bundled Natural Earth basemap."""

from __future__ import annotations

import html
import json
from functools import cache
from typing import Any

import folium

from opsplatform import paths
from opsplatform.i18n import _
from opsplatform.settings import Settings

LEAFLET_JS = [("leaflet", "/static/vendor/leaflet-1.9.4/leaflet.js"), ("jquery", "/static/vendor/jquery-3.7.1.min.js")]
LEAFLET_CSS = [("leaflet_css", "/static/vendor/leaflet-1.9.4/leaflet.css")]


@cache
def country_shapes() -> dict[str, Any]:
    return json.loads((paths.STATIC / "geo" / "countries-110m.geojson").read_text())


def base_map(settings: Settings, *, location: tuple[float, float] = (15, 20), zoom: int = 2,
             highlight: dict[str, str] | None = None) -> folium.Map:
    """A world map with every country drawn from the bundled shapes; `highlight` fills countries by ISO code."""
    m = folium.Map(location=location, zoom_start=zoom, tiles=None, max_zoom=18, min_zoom=1, world_copy_jump=True,
                   control_scale=True)
    m.default_js, m.default_css = LEAFLET_JS, LEAFLET_CSS  # per instance: never the CDN defaults
    # folium gives max_zoom to the tile layer only; without tiles the map needs it itself (markercluster asks for it).
    m.options["max_zoom"] = 18
    if settings.map_tiles:
        folium.TileLayer(settings.map_tiles, attr=_("© map tiles provider"), name="tiles").add_to(m)
    fills = highlight or {}
    folium.GeoJson(
        country_shapes(), name="countries",
        style_function=lambda f: {"fillColor": fills.get(f["id"], "#eef0ec"), "color": "#9aa39b", "weight": 0.5,
                                  "fillOpacity": 0.85 if f["id"] in fills else (0.2 if settings.map_tiles else 1)},
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
    ).add_to(m)
    return m


def map_text(value: str) -> str:
    """Text safe inside folium's tooltips and popups, which it writes into JavaScript template literals unescaped."""
    # html.escape covers the HTML; a backtick, `${` or a backslash would end or alter the literal itself.
    return html.escape(value).replace("`", "&#96;").replace("$", "&#36;").replace("\\", "&#92;")
