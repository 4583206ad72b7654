"""Build the bundled country basemap from Natural Earth (npm `world-atlas`, TopoJSON) as GeoJSON keyed by ISO alpha-3.

Usage: npm pack world-atlas@2 && tar xzf world-atlas-2.*.tgz
       python scripts/build_country_shapes.py package/countries-110m.json
Writes opsplatform/static/geo/countries-110m.geojson with `iso3`, `name`, and a label point `lat`/`lon` per country.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pycountry

OUT = Path(__file__).resolve().parent.parent / "opsplatform" / "static" / "geo" / "countries-110m.geojson"
# Natural Earth features without an ISO numeric code.
UNCODED = {"Kosovo": "XKX", "N. Cyprus": "XNC", "Somaliland": "XSL"}


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((round(x * sx + tx, 3), round(y * sy + ty, 3)))
        arcs.append(points)
    return arcs


def ring(arcs: list[list[tuple[float, float]]], indexes: list[int]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    # Rings that cross the antimeridian (Russia, Fiji) are moved east of 180° so they do not stripe the map.
    if max(x for x, _ in points) - min(x for x, _ in points) > 180:
        points = [(x + 360 if x < 0 else x, y) for x, y in points]
    return points


def area(points: list[tuple[float, float]]) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True))) / 2


def label_point(polygons: list[list[list[tuple[float, float]]]]) -> tuple[float, float]:
    """Centroid of the largest outer ring: good enough to anchor a label or a flow arrow."""
    outer = max((p[0] for p in polygons), key=area)
    a = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(outer, outer[1:] + outer[:1], strict=True)) / 2 or 1e-9
    cx = sum((x1 + x2) * (x1 * y2 - x2 * y1)
             for (x1, y1), (x2, y2) in zip(outer, outer[1:] + outer[:1], strict=True)) / (6 * a)
    cy = sum((y1 + y2) * (x1 * y2 - x2 * y1)
             for (x1, y1), (x2, y2) in zip(outer, outer[1:] + outer[:1], strict=True)) / (6 * a)
    return round(cy, 3), round(cx if cx <= 180 else cx - 360, 3)


def main(source: str) -> None:
    topology = json.loads(Path(source).read_text())
    arcs = decode_arcs(topology)
    features = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        name = geometry["properties"]["name"]
        country = pycountry.countries.get(numeric=geometry["id"]) if "id" in geometry else None
        iso3 = country.alpha_3 if country else UNCODED.get(name, f"X{len(features):02d}")
        if geometry["type"] == "Polygon":
            polygons = [[ring(arcs, r) for r in geometry["arcs"]]]
        elif geometry["type"] == "MultiPolygon":
            polygons = [[ring(arcs, r) for r in p] for p in geometry["arcs"]]
        else:
            continue
        lat, lon = label_point(polygons)
        features.append({"type": "Feature", "id": iso3,
                         "properties": {"iso3": iso3, "name": name, "lat": lat, "lon": lon},
                         "geometry": {"type": "MultiPolygon", "coordinates": polygons}})
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")))
    print(f"{len(features)} countries → {OUT} ({OUT.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main(sys.argv[1])
