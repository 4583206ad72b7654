"""The operation page's small map of its routes."""

from __future__ import annotations

from typing import Any

import folium

from opsplatform.rendering.maps import base_map, map_text
from opsplatform.settings import Settings

ROLE_COLOURS = {"origin": "#e08a2e", "transit": "#e9c84a", "destination": "#c0392b"}
LINE_COLOURS = ["#1f6f8b", "#7b4fa0", "#2e8b57", "#b5485d", "#4a6fa5", "#8c6d1f"]


def routes_map(settings: Settings, data: dict[str, Any]) -> folium.Map:
    routes, points = data["routes"], data["points"]
    fills: dict[str, str] = {}
    for route in routes:
        for role in ("transit", "origin", "destination"):  # a destination outranks a transit country
            fills.update(dict.fromkeys(getattr(route, role), ROLE_COLOURS[role]))
    m = base_map(settings, fills=fills)
    for n, route in enumerate(routes):
        colour = LINE_COLOURS[n % len(LINE_COLOURS)]
        stops = [[points[c] for c in getattr(route, role) if points.get(c) and points[c][0] is not None]
                 for role in ("origin", "transit", "destination")]
        # Hubs are listed in travel order, so they trace the route; without hubs, join the countries in turn.
        paths = [[(h["latitude"], h["longitude"]) for h in route.hubs]] if len(route.hubs) > 1 else [
            [p for p in (origin, *stops[1], destination) if p is not None]
            for origin in stops[0] or [None] for destination in stops[2] or [None]]
        for path in paths:
            if len(path) > 1:
                folium.PolyLine(path, color=colour, weight=3, opacity=0.8, tooltip=map_text(route.name)).add_to(m)
        for hub in route.hubs:
            folium.CircleMarker((hub["latitude"], hub["longitude"]), radius=5, color=colour, fill=True, fill_opacity=1,
                                tooltip=map_text(f"{hub.get('iata') or ''} {hub['name']}".strip())).add_to(m)
    return m
