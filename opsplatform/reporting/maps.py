"""Result maps: seizure locations, seizures by country and trafficking flows, all drawn with no internet."""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import folium
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template
from sqlalchemy import Integer, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from opsplatform import format, policy
from opsplatform.i18n import ngettext
from opsplatform.labels import country_name, value_label
from opsplatform.models.seizures import Seizure
from opsplatform.policy import Member
from opsplatform.rendering.maps import DataLayer, base_map, country_shapes, map_text
from opsplatform.reporting.filters import ResultFilter
from opsplatform.reporting.summary import Scope
from opsplatform.settings import Settings

SERVER_CLUSTER_THRESHOLD = 5000
FACTS = " · "  # between the facts of a popup
MAX_CELLS = 500  # circles above the threshold, whatever the number of points
# Degrees; the first that gives at most MAX_CELLS cells (40° always does). Each is a multiple of the first, so the
# database counts the finest grid once and larger cells are added up from it exactly.
CELL_SIZES = (2.5, 5, 10, 20, 40)
MAX_FLOWS = 200
PALETTE = ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15")  # ColorBrewer Reds, 5 classes
INK = "#8e2c1f"
MARKERCLUSTER = "/static/vendor/markercluster-1.5.3"
# A flow's line takes its weight from its count; an arrowhead (no weight) is filled. A cell's circle, its radius.
FLOW_STYLE = (f"function (feature) {{ var weight = feature.properties.weight; return weight === null ? "
              f"{{color: '{INK}', weight: 1, fillColor: '{INK}', fillOpacity: 0.9}} : "
              f"{{color: '{INK}', weight: weight, opacity: 0.7}}; }}")
CELL_STYLE = (f"function (feature) {{ return {{radius: feature.properties.radius, color: '{INK}', weight: 1, "
              f"fillColor: '{PALETTE[3]}', fillOpacity: 0.6}}; }}")


class SeizurePoint(NamedTuple):
    """Where a seizure was made, and its popup's facts in words (non-nominal only: day, country, reference, mode).
    A tuple: a map makes thousands, and a frozen dataclass takes twice as long to make."""

    latitude: float
    longitude: float
    facts: tuple[str, ...]


@dataclass(frozen=True)
class Cell:
    """Seizures counted together in a square of the grid, drawn at their mean position."""

    latitude: float
    longitude: float
    seizures: int


class _Floor(FunctionElement[int]):
    """floor() of a number never below zero: SQLite may be built without its math functions, and there CAST
    truncates, which for such numbers is the same."""

    type = Integer()
    inherit_cache = True


@compiles(_Floor)
def _floor_sql(element: _Floor, compiler: Any, **kw: Any) -> str:
    return f"floor({compiler.process(element.clauses, **kw)})"


@compiles(_Floor, "sqlite")
def _floor_sqlite(element: _Floor, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS INTEGER)"


async def seizure_points(session: AsyncSession, member: Member,
                         result_filter: ResultFilter) -> list[SeizurePoint] | list[Cell]:
    """The counted records in the filter that the member sees in full and that have a position: as points whose
    popups hold only non-nominal facts, or above the threshold as cells of the grid that show counts."""
    where = (*Scope(member, result_filter).where(), policy.records(member), Seizure.latitude.is_not(None))
    rows = (await session.execute(
        select(Seizure.latitude, Seizure.longitude, Seizure.seizure_date, Seizure.reporting_country,
               Seizure.seizure_ref, Seizure.transport_mode).where(*where).limit(SERVER_CLUSTER_THRESHOLD + 1))).all()
    if len(rows) > SERVER_CLUSTER_THRESHOLD:
        # Counted by the database on the finest grid (squares numbered from the south pole and the antimeridian):
        # at 100,000 records, reading every position was most of the page.
        fine = CELL_SIZES[0]
        row, column = _Floor((Seizure.latitude + 90) / fine), _Floor((Seizure.longitude + 180) / fine)
        counted = await session.execute(select(row, column, func.count(), func.sum(Seizure.latitude),
                                               func.sum(Seizure.longitude)).where(*where).group_by(row, column))
        return grid_cells([tuple(cell) for cell in counted.all()])
    # Each day, country and mode put in words once, not once a point.
    days = {day: format.date(day) for day in {row.seizure_date for row in rows}}
    countries = {code: country_name(code) for code in {row.reporting_country for row in rows}}
    modes = {mode: value_label(mode) for mode in {row.transport_mode for row in rows} if mode}
    return [SeizurePoint(lat, lon, (days[day], countries[country], ref, modes[mode]) if mode
                         else (days[day], countries[country], ref))
            for lat, lon, day, country, ref, mode in rows]


def grid_cells(fine: Sequence[tuple[int, int, int, float, float]]) -> list[Cell]:
    """Cells of the first size that gives at most MAX_CELLS, added up from the finest grid's (row, column, seizures,
    sum of latitudes, sum of longitudes)."""
    for size in CELL_SIZES:
        k = round(size / CELL_SIZES[0])
        cells: defaultdict[tuple[int, int], list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
        for row, column, n, latitudes, longitudes in fine:
            cell = cells[(row // k, column // k)]
            cell[0] += n
            cell[1] += latitudes
            cell[2] += longitudes
        if len(cells) <= MAX_CELLS:
            break
    return [Cell(round(latitudes / n, 4), round(longitudes / n, 4), int(n)) for n, latitudes, longitudes in
            cells.values()]


def points_map(settings: Settings, places: Sequence[SeizurePoint] | Sequence[Cell]) -> folium.Map:
    """Seizure locations with popups, clustered in the browser; or the server's cells, sized by their count."""
    m = base_map(settings)
    if places and isinstance(places[0], Cell):
        _add_cells(m, places)
    elif places:
        _Markers(places).add_to(m)
    return _fit(m, [(p.latitude, p.longitude) for p in places])


def choropleth_map(settings: Settings, counts: Mapping[str, int], *, legend_title: str) -> folium.Map:
    """Countries filled by seizure count (ISO alpha-3 → count) with a legend; countries with none stay neutral."""
    # Only countries drawn shape the classes: an "unknown" origin or a territory without a shape would skew them.
    counted = [f["id"] for f in country_shapes()["features"] if counts.get(f["id"], 0) > 0]
    if not counted:
        return base_map(settings)
    colour_of, legend = colour_classes([counts[country] for country in counted])
    m = base_map(settings, fills={country: colour_of(counts[country]) for country in counted},
                 tooltips={country: map_text(f"{country_name(country)}: {_seizures(counts[country])}")
                           for country in counted})
    _Legend(legend_title, legend).add_to(m)
    return m


def flows_map(settings: Settings, flows: Sequence[tuple[str, str, int]],
              points: Mapping[str, tuple[float, float]]) -> folium.Map:
    """Trafficking flows origin → destination drawn as arrows between country label points, width by count."""
    totals: Counter[tuple[str, str]] = Counter()
    for origin, destination, n in flows:
        if origin in points and destination in points and points[origin] != points[destination]:  # no self-loops
            totals[(origin, destination)] += n
    # The largest flows, smallest first: the largest are drawn last and stay on top.
    largest = sorted(((pair, n) for pair, n in totals.items() if n > 0), key=lambda f: (f[1], f[0]))[-MAX_FLOWS:]
    # One GeoJSON layer for every line and arrowhead: a folium element apiece cost a template render each.
    features: list[dict[str, Any]] = []
    for (origin, destination), n in largest:
        weight = round(1 + 9 * n / largest[-1][1], 1)
        flow = map_text(f"{origin} → {destination}: {_seizures(n)}")
        (lat0, lon0), (lat1, lon1) = points[origin], points[destination]
        shift = _antimeridian_shift(lon0, lon1)
        # Leaflet does not repeat vector layers: a flow across the antimeridian is drawn beside each end's country,
        # the shorter way round both times (one copy when it does not cross).
        for start, end in dict.fromkeys([((lat0, lon0), (lat1, lon1 + shift)), ((lat0, lon0 - shift), (lat1, lon1))]):
            arrow_base, arrow = _arrowhead(start, end, weight)
            features += [_shape(len(features), "LineString", [start, arrow_base], flow, weight),
                         _shape(len(features) + 1, "Polygon", [*arrow, arrow[0]], flow, None)]
    m = base_map(settings)
    if features:
        _Shapes(features, tooltip="flow", style=FLOW_STYLE).add_to(m)
    return _fit(m, [points[country] for pair, _ in largest for country in pair])


def _shape(number: int, kind: str, corners: list[tuple[float, float]], flow: str, weight: float | None) -> dict:
    """A line or an arrowhead of a flow as a GeoJSON feature (which writes longitude first)."""
    line = [[round(lon, 5), round(lat, 5)] for lat, lon in corners]
    return {"type": "Feature", "id": f"flow-{number}", "properties": {"flow": flow, "weight": weight},
            "geometry": {"type": kind, "coordinates": line if kind == "LineString" else [line]}}


class _Markers(JSCSSMixin, DataLayer):
    """Markers built in the browser from one JSON array, clustered there. Each row is a position and the numbers of
    its facts in one list of words, each word written and made safe once: days, countries and modes repeat (half the
    page's bytes and time when each popup was whole)."""

    default_js = [("markerclusterjs", f"{MARKERCLUSTER}/leaflet.markercluster.js")]
    default_css = [("markerclustercss", f"{MARKERCLUSTER}/MarkerCluster.css"),
                   ("markerclusterdefaultcss", f"{MARKERCLUSTER}/MarkerCluster.Default.css")]
    _template = Template("""
        {% macro script(this, kwargs) %}
            (function (map, rows, words) {
                var cluster = L.markerClusterGroup({chunkedLoading: true});  // a phone stays responsive
                cluster.addLayers(rows.map(function (row) {
                    return L.marker([row[0], row[1]]).bindPopup(
                        row.slice(2).map(function (n) { return words[n]; }).join({{ this.separator|tojson }}));
                }));
                map.addLayer(cluster);
            })({{ this._parent.get_name() }}, {{ this.get_name() }}_rows, {{ this.get_name() }}_words);
        {% endmacro %}""")

    def __init__(self, points: Sequence[SeizurePoint]) -> None:
        super().__init__()
        self._name = "Markers"
        words: dict[str, int] = {}
        number = words.setdefault
        rows = [[round(p.latitude, 5), round(p.longitude, 5), *[number(f, len(words)) for f in p.facts]]
                for p in points]
        self.data, self.separator = {"rows": rows, "words": [map_text(word) for word in words]}, FACTS


class _Shapes(DataLayer):
    """GeoJSON features in one layer (a folium element apiece cost a template each), each with the tooltip in its
    property named `tooltip` (HTML made safe by `map_text`) and the style `style` gives (a JavaScript function of the
    feature); a point is a circle."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            (function (map, features, style) {
                L.geoJSON(features, {
                    style: style,
                    pointToLayer: function (feature, position) { return L.circleMarker(position, style(feature)); },
                    onEachFeature: function (feature, layer) {
                        layer.bindTooltip(feature.properties[{{ this.tooltip|tojson }}], {sticky: true});
                    }
                }).addTo(map);
            })({{ this._parent.get_name() }}, {{ this.get_name() }}_features, {{ this.style }});
        {% endmacro %}""")

    def __init__(self, features: list[dict[str, Any]], *, tooltip: str, style: str) -> None:
        super().__init__()
        self._name = "Shapes"
        self.data = {"features": {"type": "FeatureCollection", "features": features}}
        self.tooltip, self.style = tooltip, style


def _add_cells(m: folium.Map, cells: Sequence[Cell]) -> None:
    """One circle per cell, its area proportional to its seizures, all in one layer."""
    biggest = max(cell.seizures for cell in cells)
    features = [{"type": "Feature", "id": f"cell-{n}",
                 "geometry": {"type": "Point", "coordinates": [cell.longitude, cell.latitude]},
                 "properties": {"seizures": map_text(_seizures(cell.seizures)),
                                "radius": round(3 + 15 * math.sqrt(cell.seizures / biggest), 1)}}
                for n, cell in enumerate(cells)]
    _Shapes(features, tooltip="seizures", style=CELL_STYLE).add_to(m)


def colour_classes(values: Sequence[int]) -> tuple[Callable[[int], str], list[tuple[str, str]]]:
    """Up to five quantile classes of positive counts: the colour of a count, and legend rows (colour, range)."""
    ordered = sorted(values)
    breaks = sorted({ordered[math.ceil(len(ordered) * k / len(PALETTE)) - 1] for k in range(1, len(PALETTE) + 1)})
    # Fewer classes than colours spread over the palette, the highest always the darkest.
    top = len(PALETTE) - 1
    colours = [PALETTE[top - round((len(breaks) - 1 - i) * top / max(len(breaks) - 1, 1))] for i in range(len(breaks))]
    lows = [1, *(b + 1 for b in breaks[:-1])]
    legend = [(colour, format.number(low) if low == high else f"{format.number(low)}–{format.number(high)}")
              for colour, low, high in zip(colours, lows, breaks, strict=True)]
    return (lambda count: colours[bisect_left(breaks, count)]), legend


def _antimeridian_shift(start: float, end: float) -> float:
    """What to add to the end's longitude so the line goes the shorter way round: 0, or ±360 across the Pacific."""
    return -360.0 if end - start > 180 else 360.0 if end - start < -180 else 0.0


def _arrowhead(start: tuple[float, float], end: tuple[float, float],
               weight: float) -> tuple[tuple[float, float], list[tuple[float, float]]]:
    """The middle of the arrowhead's base and its triangle, tip on `end`, pointing along the line."""
    # Computed in Web Mercator, where Leaflet draws the line straight, so the head keeps its shape at any latitude.
    (x0, y0), (x1, y1) = _mercator(start), _mercator(end)
    length = math.hypot(x1 - x0, y1 - y0)
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    size = min(2.5 + 0.6 * weight, 0.4 * length)  # degrees at the equator; a short flow keeps most of its line
    bx, by = x1 - size * ux, y1 - size * uy
    half = 0.6 * size
    corners = [(x1, y1), (bx - half * uy, by + half * ux), (bx + half * uy, by - half * ux)]
    return _geographic((bx, by)), [_geographic(c) for c in corners]


def _mercator(point: tuple[float, float]) -> tuple[float, float]:
    latitude = max(-85.0, min(85.0, point[0]))  # Leaflet's own limit; the poles are infinitely far
    return point[1], math.degrees(math.log(math.tan(math.pi / 4 + math.radians(latitude) / 2)))


def _geographic(xy: tuple[float, float]) -> tuple[float, float]:
    return round(math.degrees(2 * math.atan(math.exp(math.radians(xy[1]))) - math.pi / 2), 4), round(xy[0], 4)


def _fit(m: folium.Map, coordinates: Sequence[tuple[float, float]]) -> folium.Map:
    """Zoom to what is drawn, but no closer than a region, so a lone seizure keeps its surroundings."""
    if coordinates:
        latitudes, longitudes = [c[0] for c in coordinates], [c[1] for c in coordinates]
        m.fit_bounds([(min(latitudes), min(longitudes)), (max(latitudes), max(longitudes))], padding=(20, 20),
                     max_zoom=5)
    return m


def _seizures(n: int) -> str:
    return ngettext("%(num)s seizure", "%(num)s seizures", n, num=format.number(n))


class _Legend(MacroElement):
    """The colour key, bottom left: a Leaflet control, so it stacks with the scale bar instead of covering it."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.control({position: "bottomleft"});
            {{ this.get_name() }}.onAdd = function () {
                var div = L.DomUtil.create("div", "leaflet-control");
                div.innerHTML = {{ this.html|tojson }};
                return div;
            };
            {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}""")

    def __init__(self, title: str, rows: list[tuple[str, str]]) -> None:
        super().__init__()
        self._name = "Legend"
        swatches = "".join(f'<div><i style="display:inline-block;width:14px;height:12px;margin-right:6px;'
                           f'background:{colour}"></i>{map_text(text)}</div>' for colour, text in rows)
        self.html = (f'<div style="background:#fff;padding:6px 8px;border-radius:4px;font:12px/1.5 sans-serif;'
                     f'box-shadow:0 1px 4px rgba(0,0,0,.3)"><strong>{map_text(title)}</strong>{swatches}</div>')
