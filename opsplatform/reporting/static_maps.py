"""Maps as static inline SVG for documents: a PDF runs no script and a Word file shows pictures, so briefings and the
release draw their maps here from the same bundled Natural Earth shapes as the interactive maps.

Equirectangular projection, cropped to what the map shows; country fills, lines (routes, flows with arrowheads)
and dots (hubs, places), with a legend. Nothing is fetched: the output is self-contained markup.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from markupsafe import Markup

from opsplatform.operations.maps import LINE_COLOURS, ROLE_COLOURS
from opsplatform.rendering.maps import country_shapes
from opsplatform.reporting.charts import FAMILY, FONT, INK, MUTED, text_width
from opsplatform.reporting.maps import colour_classes

LAND, BORDER, SEA = "#eef0ec", "#9aa39b", "#f7fafc"
WORLD = (-180.0, -56.0, 180.0, 80.0)  # west, south, east, north: every inhabited coast
MIN_SPAN = (50.0, 30.0)  # degrees: a focused map still shows the neighbours
DETAIL = 0.5  # px: an outline's points nearer than this to the line through their neighbours are not drawn


@dataclass(frozen=True)
class Line:
    """A route or a flow: stops as (latitude, longitude); an arrow ends it when it has a direction."""

    stops: tuple[tuple[float, float], ...]
    colour: str
    width: float = 2.0
    arrow: bool = False
    label: str = ""


@dataclass(frozen=True)
class Dot:
    latitude: float
    longitude: float
    colour: str
    radius: float = 3.5
    label: str = ""


def svg_map(*, title: str, fills: Mapping[str, str] | None = None, lines: Sequence[Line] = (),
            dots: Sequence[Dot] = (), legend: Sequence[tuple[str, str]] = (), legend_title: str = "",
            width: int = 640) -> Markup:
    """A map of the countries in `fills` (ISO alpha-3 → colour), `lines` and `dots`, framed around them."""
    fills = fills or {}
    boxes = _boxes()
    frame = _frame([boxes[code] for code in fills if code in boxes],
                   [stop for line in lines for stop in line.stops] + [(d.latitude, d.longitude) for d in dots])
    west, south, east, north = frame
    height = round((north - south) * width / (east - west))
    xy, shift = _projection(frame, width)
    outlines = _outlines(frame, width)
    body = [Markup('<rect width="{}" height="{}" fill="{}"/>').format(width, height, SEA)]
    # The countries not shown are one shape: alike, untitled, and a PDF draws one element quicker than a hundred.
    if land := "".join(path for code, _name, path in outlines if code not in fills):
        body.append(Markup('<path d="{}" fill="{}" stroke="{}" stroke-width="0.4"/>').format(land, LAND, BORDER))
    for code, name, path in outlines:
        if code in fills:
            body.append(Markup('<path d="{}" fill="{}" stroke="{}" stroke-width="0.5"><title>{}</title></path>')
                        .format(path, fills[code], BORDER, name))
    for line in lines:
        body.append(_line(line, lambda lat, lon: xy(lat, shift(lon))))
    for dot in dots:
        x, y = xy(dot.latitude, shift(dot.longitude))
        body.append(Markup('<circle cx="{:.1f}" cy="{:.1f}" r="{}" fill="{}" stroke="#fff" stroke-width="0.8">'
                           '<title>{}</title></circle>').format(x, y, dot.radius, dot.colour, dot.label))
    key, key_height = _legend(legend, height, legend_title, width)
    # A nested viewport clips the countries to the frame; the key goes below it.
    body = [Markup('<svg width="{}" height="{}" overflow="hidden">{}</svg>').format(
        width, height, Markup("").join(body)), key]
    height += key_height
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {w} {h}" width="100%" '
        'style="max-width:{w}px;height:auto;font-family:{family},sans-serif;font-size:{f}px" class="static-map">'
        '<title>{title}</title>{body}</svg>').format(w=width, h=height, f=FONT, family=FAMILY, title=title,
                                                    body=Markup("").join(body))


Frame = tuple[float, float, float, float]  # west, south, east, north
Project = Callable[[float, float], tuple[float, float]]


def _projection(frame: Frame, width: int) -> tuple[Project, Callable[[float], float]]:
    """(latitude, longitude) → (x, y) in pixels of a map `width` wide; and a longitude moved across the antimeridian:
    what lies west of the frame is drawn 360° east, inside it."""
    west, _south, east, north = frame
    scale = width / (east - west)

    def xy(latitude: float, longitude: float) -> tuple[float, float]:
        return (longitude - west) * scale, (north - latitude) * scale

    def shift(longitude: float) -> float:
        return longitude + 360 if longitude < west and longitude + 360 <= east else longitude

    return xy, shift


@cache
def _boxes() -> dict[str, Frame]:
    """Each country's bounding box, by its code."""
    return {f["id"]: _bounds(f["geometry"]) for f in country_shapes()["features"]}


@lru_cache(maxsize=32)
def _outlines(frame: Frame, width: int) -> tuple[tuple[str, str, str], ...]:
    """(code, name, SVG path) of every country in the frame, projected and simplified to what `width` pixels show.
    Kept by frame: an operation's maps mostly share one, and a PDF draws an outline's every point."""
    west, south, east, north = frame
    xy, shift = _projection(frame, width)
    found = []
    for feature in country_shapes()["features"]:
        box = _boxes()[feature["id"]]
        if (box[2] < west and shift(box[2]) == box[2]) or box[0] > east or box[3] < south or box[1] > north:
            continue
        found.append((feature["id"], feature["properties"]["name"], _path(feature["geometry"], xy, shift)))
    return tuple(found)


def _bounds(geometry: Mapping) -> tuple[float, float, float, float]:
    rings = _rings(geometry)
    longitudes = [p[0] for ring in rings for p in ring]
    latitudes = [p[1] for ring in rings for p in ring]
    return min(longitudes), min(latitudes), max(longitudes), max(latitudes)


def _rings(geometry: Mapping) -> list[list[list[float]]]:
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return [ring for polygon in polygons for ring in polygon]


def _frame(boxes: list[tuple[float, float, float, float]],
           stops: list[tuple[float, float]]) -> tuple[float, float, float, float]:
    """West, south, east, north around what is shown, padded, at least MIN_SPAN, at a printable aspect ratio."""
    if not boxes and not stops:
        return WORLD
    wests = [b[0] for b in boxes] + [lon for _lat, lon in stops]
    easts = [b[2] for b in boxes] + [lon for _lat, lon in stops]
    souths = [b[1] for b in boxes] + [lat for lat, _lon in stops]
    norths = [b[3] for b in boxes] + [lat for lat, _lon in stops]
    west, east, south, north = min(wests), max(easts), min(souths), max(norths)
    if east - west > 300:  # it spans the globe: the world map, not a strip
        return WORLD
    pad_x = max(MIN_SPAN[0] - (east - west), (east - west) * 0.3, 10) / 2
    pad_y = max(MIN_SPAN[1] - (north - south), (north - south) * 0.3, 10) / 2
    west, east, south, north = west - pad_x, east + pad_x, max(south - pad_y, -80), min(north + pad_y, 84)
    # Between 2:1 and 4:3 landscape, widening or heightening the frame around its centre.
    span_x, span_y = east - west, north - south
    if span_y > span_x * 0.75:
        grow = (span_y / 0.75 - span_x) / 2
        west, east = west - grow, east + grow
    elif span_y < span_x * 0.5:
        grow = (span_x * 0.5 - span_y) / 2
        south, north = south - grow, north + grow
    return west, south, east, north


def _path(geometry: Mapping, xy: Project, shift: Callable[[float], float]) -> str:
    parts = []
    for ring in _rings(geometry):
        # A ring moves whole (by its easternmost point), so no polygon is torn across the frame.
        offset = shift(max(lon for lon, _lat in ring)) - max(lon for lon, _lat in ring)
        points: list[str] = []
        for x, y in _simplified([xy(lat, lon + offset) for lon, lat in ring]):
            point = f"{x:.1f} {y:.1f}"
            if not points or points[-1] != point:
                points.append(point)
        if len(points) > 2:
            parts.append("M" + "L".join(points) + "Z")
    return "".join(parts)


def _simplified(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The points of a line that stray more than DETAIL pixels from it (Douglas-Peucker): the outline as drawn at
    this size, with half the points or fewer."""
    if len(points) < 3:
        return points
    keep = [True] + [False] * (len(points) - 2) + [True]
    spans = [(0, len(points) - 1)]
    while spans:
        first, last = spans.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy)
        farthest, at = -1.0, first
        for i in range(first + 1, last):
            x, y = points[i]
            # From the chord, or from its end when the chord closes on itself (a ring's first and last points).
            away = abs(dy * (x - x1) - dx * (y - y1)) / length if length else math.hypot(x - x1, y - y1)
            if away > farthest:
                farthest, at = away, i
        if farthest > DETAIL:
            keep[at] = True
            spans += [(first, at), (at, last)]
    return [point for point, kept in zip(points, keep, strict=True) if kept]


def _line(line: Line, xy) -> Markup:  # type: ignore[no-untyped-def]
    points = [xy(lat, lon) for lat, lon in line.stops]
    if len(points) < 2:
        return Markup("")
    head = Markup("")
    if line.arrow:
        (x0, y0), (x1, y1) = points[-2], points[-1]
        length = math.hypot(x1 - x0, y1 - y0) or 1
        ux, uy = (x1 - x0) / length, (y1 - y0) / length
        size = min(4 + 1.5 * line.width, length * 0.45)
        bx, by = x1 - size * ux, y1 - size * uy
        points[-1] = (bx, by)  # the shaft stops at the head's base, so a thick line keeps a sharp tip
        half = size * 0.55
        head = Markup('<polygon points="{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}" fill="{}"/>').format(
            x1, y1, bx - half * uy, by + half * ux, bx + half * uy, by - half * ux, line.colour)
    d = "M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in points)
    return Markup('<g class="line"><title>{}</title><path d="{}" fill="none" stroke="{}" stroke-width="{}" '
                  'stroke-linecap="round" stroke-linejoin="round" stroke-opacity="0.85"/>{}</g>').format(
        line.label, d, line.colour, line.width, head)


def _legend(rows: Sequence[tuple[str, str]], top: int, title: str, width: int) -> tuple[Markup, int]:
    """The key under the map (never over a country that matters), wrapped to the width; its markup and height."""
    if not rows:
        return Markup(""), 0
    row_height, x, y = FONT + 8, 0.0, top + FONT + 6
    parts = []
    if title:
        parts.append(Markup('<text x="0" y="{:.1f}" font-weight="bold" fill="{}">{}</text>').format(y, INK, title))
        x = text_width(title, bold=True) + 12
    for colour, text in rows:
        room = 18 + text_width(text) + 14
        if x + room > width:
            x, y = 0.0, y + row_height
        parts.append(Markup('<rect x="{:.1f}" y="{:.1f}" width="12" height="{}" fill="{}" stroke="{}" '
                            'stroke-width="0.5"/><text x="{:.1f}" y="{:.1f}" fill="{}">{}</text>').format(
            x, y - FONT + 2, FONT - 1, colour, MUTED, x + 17, y, INK, text))
        x += room
    return Markup("").join(parts), round(y - top + 6)


def chain(points: Mapping[str, tuple[float, float]], codes: Sequence[str]) -> tuple[tuple[float, float], ...]:
    """The label points of countries in travel order, skipping unknown ones and repeats."""
    stops = [points[c] for c in codes if c in points]
    return tuple(stop for n, stop in enumerate(stops) if n == 0 or stop != stops[n - 1])


def choropleth(counts: Mapping[str, int], *, title: str, legend_title: str,
               others: Mapping[str, str] | None = None) -> Markup:
    """Countries filled by count, in the interactive choropleth's classes and colours; `others` fills countries
    shown without a count (code → colour), under those with one."""
    shown = {code: n for code, n in counts.items() if n and n > 0}
    fills = dict(others or {})
    legend: list[tuple[str, str]] = []
    if shown:
        colour_of, legend = colour_classes(list(shown.values()))
        fills.update({code: colour_of(n) for code, n in shown.items()})
    return svg_map(title=title, fills=fills, legend=legend, legend_title=legend_title if legend else "")


def flows(legs: Sequence[tuple[str, str, int]], points: Mapping[str, tuple[float, float]], *, title: str,
          limit: int = 40) -> Markup:
    """Trafficking legs origin → destination as arrows between countries, width by count; the largest on top."""
    drawn = sorted(((o, d, n) for o, d, n in legs if o in points and d in points and o != d and n > 0),
                   key=lambda leg: leg[2])[-limit:]
    if not drawn:
        return svg_map(title=title)
    largest = drawn[-1][2]
    return svg_map(title=title, fills={c: "#fbe6d2" for o, d, _n in drawn for c in (o, d)}, lines=[
        Line(chain(points, [o, d]), FLOW, width=round(1 + 6 * n / largest, 1), arrow=True, label=f"{o} → {d}: {n}")
        for o, d, n in drawn])


def routes(routes: Sequence, points: Mapping[str, tuple[float, float]], *, title: str,
           legend: Sequence[tuple[str, str]] = ()) -> Markup:
    """Routes: origin, transit and destination countries filled by role, each route drawn through its hubs or
    countries in travel order with an arrow, hubs as dots."""
    fills: dict[str, str] = {}
    for route in routes:
        for role in ("transit", "origin", "destination"):  # a destination outranks a transit country
            fills.update(dict.fromkeys(getattr(route, role), ROLE_COLOURS[role]))
    lines, dots = [], []
    for n, route in enumerate(routes):
        colour = LINE_COLOURS[n % len(LINE_COLOURS)]
        if len(route.hubs) > 1:
            paths = [tuple((h["latitude"], h["longitude"]) for h in route.hubs)]
        else:
            paths = [chain(points, [o, *route.transit, d]) for o in route.origin for d in route.destination]
        lines += [Line(path, colour, width=2, arrow=True, label=route.name) for path in paths if len(path) > 1]
        dots += [Dot(h["latitude"], h["longitude"], colour, label=f"{h.get('iata') or ''} {h['name']}".strip())
                 for h in route.hubs]
    return svg_map(title=title, fills=fills, lines=lines, dots=dots, legend=legend)


FLOW = "#8e2c1f"
