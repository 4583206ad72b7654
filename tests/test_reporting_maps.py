"""The result maps, read from the HTML they render: nothing from the internet, clustering, colours, flows, escaping."""

from __future__ import annotations

import dataclasses
import html as html_module
import json
import random
import re

import pytest
from hypothesis import given, strategies as st

from opsplatform.rendering.maps import map_text, shapes_url
from opsplatform.reporting.maps import (
    MAX_CELLS,
    MAX_FLOWS,
    PALETTE,
    SERVER_CLUSTER_THRESHOLD,
    Cell,
    SeizurePoint,
    choropleth_map,
    flows_map,
    grid_cells,
    points_map,
)
from opsplatform.settings import Settings
from tests.results_support import map_popups

TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
MARKERCLUSTER_JS = "/static/vendor/markercluster-1.5.3/leaflet.markercluster.js"
LABEL_POINTS = {"KEN": (0.2, 37.8), "TZA": (-6.3, 34.8), "NGA": (9.6, 8.1), "VNM": (16.6, 106.3),
                "CHN": (36.6, 103.8)}
COUNTS = {"KEN": 1, "TZA": 2, "UGA": 5, "NGA": 10, "CMR": 20, "VNM": 50, "CHN": 100, "THA": 200, "ZAF": 500,
          "MOZ": 1000, "USA": 0, "unknown": 90_000}


@pytest.fixture
def settings() -> Settings:
    return Settings()


def render(m) -> str:
    return m.get_root().render()


def scattered(n: int, seed: int = 7) -> list[SeizurePoint]:
    rng = random.Random(seed)
    return [SeizurePoint(rng.uniform(-35, 60), rng.uniform(-20, 150), ("1 Mar 2025", "Kenya", "KE-1", "Air cargo"))
            for _ in range(n)]


def shapes(html: str, kind: str) -> list[dict]:
    """Every `L.<kind>(…)` in drawing order, with its coordinates, options and tooltip text."""
    tooltips = dict(re.findall(r"(\w+)\.bindTooltip\(\s*`<div>\s*(.*?)\s*</div>`", html, re.S))
    return [{"coordinates": json.loads(coordinates), "options": json.loads(options), "tooltip": tooltips.get(name)}
            for name, coordinates, options in
            re.findall(rf"var (\w+) = L\.{kind}\(\s*(\[.*?\]),\s*(\{{.*?\}})\s*\)\.addTo", html, re.S)]


def drawn_layers(html: str) -> list[dict]:
    """Each layer's GeoJSON features as the page holds them (in a variable the layer's script names)."""
    reader = json.JSONDecoder()
    return [reader.raw_decode(html, found.end())[0] for found in re.finditer(r"var \w+_features = ", html)]


def flows_drawn(html: str) -> tuple[list[dict], list[dict]]:
    """The flows layer's lines and arrowheads in drawing order, with their corners as (latitude, longitude), the
    tooltip's text and the line's weight."""
    layers = drawn_layers(html)
    flows = next((layer["features"] for layer in layers
                  if any(str(f.get("id", "")).startswith("flow-") for f in layer["features"])), [])

    def drawn(feature: dict) -> dict:
        corners = feature["geometry"]["coordinates"]
        corners = corners if feature["geometry"]["type"] == "LineString" else corners[0][:-1]  # ring closed
        return {"coordinates": [[lat, lon] for lon, lat in corners], "tooltip": feature["properties"]["flow"],
                "weight": feature["properties"]["weight"]}
    return ([drawn(f) for f in flows if f["geometry"]["type"] == "LineString"],
            [drawn(f) for f in flows if f["geometry"]["type"] == "Polygon"])


def country_layer(html: str) -> tuple[dict[str, str], dict[str, str]]:
    """The countries layer's fills and tooltips by country, as the page gives them to the browser."""
    fills, tooltips = re.search(r"var fills = (\{.*?\}), tooltips = (\{.*?\});", html).groups()
    return json.loads(fills), json.loads(tooltips)


def legend(html: str) -> str:
    """The legend control's HTML (folium writes it as a JSON string)."""
    return json.loads(re.search(r'div\.innerHTML = (".*?");\n', html)[1])


def test_maps_load_nothing_from_the_internet_by_default(settings):
    for m in (points_map(settings, scattered(10)), points_map(settings, [Cell(1.0, 2.0, 3)]),
              choropleth_map(settings, COUNTS, legend_title="Seizures"),
              flows_map(settings, [("KEN", "VNM", 3)], LABEL_POINTS)):
        html = render(m)
        assert re.findall(r"https?://", html) == []
        assert "/static/vendor/leaflet-1.9.4/leaflet.js" in html


def test_online_tiles_appear_only_when_configured(settings):
    online = dataclasses.replace(settings, map_tiles=TILES)
    for draw in (lambda s: points_map(s, scattered(10)), lambda s: choropleth_map(s, COUNTS, legend_title="Seizures"),
                 lambda s: flows_map(s, [("KEN", "VNM", 3)], LABEL_POINTS)):
        assert set(re.findall(r"https?://[^\s\"'`]+", render(draw(online)))) == {TILES}
        assert TILES not in render(draw(settings))


def test_a_few_points_are_clustered_in_the_browser_with_the_local_plugin(settings):
    html = render(points_map(settings, scattered(SERVER_CLUSTER_THRESHOLD)))

    assert f'<script src="{MARKERCLUSTER_JS}"></script>' in html
    assert "/static/vendor/markercluster-1.5.3/MarkerCluster.Default.css" in html
    assert len(map_popups(html)) == SERVER_CLUSTER_THRESHOLD
    assert '"maxZoom": 18' in html  # markercluster refuses a map without one
    assert shapes(html, "circleMarker") == []


def cells_drawn(html: str) -> list[dict]:
    """The cells layer's circles: position (latitude, longitude), radius and tooltip text."""
    layers = drawn_layers(html)
    cells = next(layer["features"] for layer in layers if layer["features"][0]["id"].startswith("cell-"))
    return [{"position": cell["geometry"]["coordinates"][::-1], "radius": cell["properties"]["radius"],
             "tooltip": cell["properties"]["seizures"]} for cell in cells]


def test_cells_are_circles_sized_by_their_count_in_one_layer(settings):
    cells = [Cell(-1.3, 36.9, 1), Cell(10.5, 106.0, 400), Cell(51.5, -0.1, 1_234)]

    html = render(points_map(settings, cells))

    drawn = cells_drawn(html)
    assert MARKERCLUSTER_JS not in html and "markerClusterGroup" not in html
    assert [c["tooltip"] for c in drawn] == ["1 seizure", "400 seizures", "1,234 seizures"]
    assert [c["position"] for c in drawn] == [[-1.3, 36.9], [10.5, 106.0], [51.5, -0.1]]
    assert drawn[0]["radius"] < drawn[1]["radius"] < drawn[2]["radius"] == 18


def test_larger_cells_add_up_the_finest_exactly():
    # Row and column of the 2.5° grid; 40 of them in a row of 5° squares' worth make 20 cells of 5°.
    fine = [(row, column, 2, 2 * (row * 2.5 - 90 + 1), 2 * (column * 2.5 - 180 + 1))
            for row in range(36) for column in range(20)]

    cells = grid_cells(fine)

    assert len(cells) <= MAX_CELLS and sum(c.seizures for c in cells) == 2 * 36 * 20
    assert len(cells) == 18 * 10 and {c.seizures for c in cells} == {8}  # 5° cells hold four fine ones each


def test_choropleth_colours_low_and_high_counts_apart_and_leaves_the_rest_neutral(settings):
    html = render(choropleth_map(settings, COUNTS, legend_title="Seizures"))

    fills, tooltips = country_layer(html)
    assert fills["KEN"] == PALETTE[0] and fills["MOZ"] == PALETTE[-1]
    assert {fills[iso3] for iso3, n in COUNTS.items() if n and iso3 != "unknown"} == set(PALETTE)
    assert "USA" not in fills and "USA" not in tooltips  # no count: the plain basemap's fill and name
    assert tooltips["MOZ"] == "Mozambique: 1,000 seizures"


def test_choropleth_legend_lists_the_class_breaks(settings):
    html = render(choropleth_map(settings, COUNTS, legend_title="Seizures <by country>"))

    key = legend(html)
    assert "Seizures &lt;by country&gt;" in key
    # Quantile classes of the countries drawn; the "unknown" country has no shape and does not stretch the top class.
    assert re.findall(r"</i>([^<]+)</div>", key) == ["1–2", "3–10", "11–50", "51–200", "201–1,000"]
    assert [key.index(colour) for colour in PALETTE] == sorted(key.index(colour) for colour in PALETTE)


def test_choropleth_with_no_counts_is_the_plain_basemap(settings):
    html = render(choropleth_map(settings, {"KEN": 0}, legend_title="Seizures"))

    assert 'L.control({position: "bottomleft"})' not in html and country_layer(html) == ({}, {})


@pytest.mark.parametrize("draw", [lambda s: points_map(s, scattered(50)), lambda s: flows_map(s, [], LABEL_POINTS),
                                  lambda s: choropleth_map(s, COUNTS, legend_title="Seizures")])
def test_the_country_outlines_are_fetched_once_not_written_into_every_map(settings, draw):
    html = render(draw(settings))

    assert len(html.encode()) < 20_000 and '"coordinates"' not in html
    url = re.search(r'fetch\("(/static/geo/countries-110m\.geojson\?v=\w{12})"\)', html)[1]
    assert url == shapes_url()


def test_flows_are_arrows_aggregated_and_widened_by_count_the_largest_on_top(settings):
    flows = [("KEN", "VNM", 5), ("TZA", "CHN", 40), ("NGA", "VNM", 20), ("KEN", "VNM", 7)]

    html = render(flows_map(settings, flows, LABEL_POINTS))

    lines, arrows = flows_drawn(html)
    assert [line["tooltip"] for line in lines] == ["KEN → VNM: 12 seizures", "NGA → VNM: 20 seizures",
                                                   "TZA → CHN: 40 seizures"]
    weights = [line["weight"] for line in lines]
    assert weights == sorted(weights) and len(set(weights)) == 3 and weights[0] >= 1 and weights[-1] == 10
    assert [arrow["tooltip"] for arrow in arrows] == [line["tooltip"] for line in lines]
    assert [tuple(arrow["coordinates"][0]) for arrow in arrows] == [LABEL_POINTS[c] for c in ("VNM", "VNM", "CHN")]
    assert all(len(arrow["coordinates"]) == 3 for arrow in arrows)


def test_flows_skip_self_loops_and_countries_without_a_point(settings):
    flows = [("KEN", "KEN", 9), ("XXX", "VNM", 4), ("KEN", "YYY", 3), ("KEN", "VNM", 2)]

    html = render(flows_map(settings, flows, LABEL_POINTS))

    lines, arrows = flows_drawn(html)
    assert [line["tooltip"] for line in lines] == ["KEN → VNM: 2 seizures"]
    assert len(arrows) == 1


def test_flows_keep_only_the_largest(settings):
    points = {f"C{i:03}": (i % 60 - 30, i - 125) for i in range(MAX_FLOWS + 51)}
    flows = [(f"C{i:03}", f"C{i + 1:03}", i + 1) for i in range(MAX_FLOWS + 50)]

    lines, _arrows = flows_drawn(render(flows_map(settings, flows, points)))

    assert len(lines) == MAX_FLOWS
    assert lines[0]["tooltip"] == "C050 → C051: 51 seizures" and lines[-1]["tooltip"] == "C249 → C250: 250 seizures"


def test_a_flow_across_the_antimeridian_goes_the_short_way(settings):
    html = render(flows_map(settings, [("AAA", "BBB", 3)], {"AAA": (0.0, 170.0), "BBB": (10.0, -170.0)}))

    lines, arrows = flows_drawn(html)
    # Drawn twice, beside each end's country: 170 → 190 and -190 → -170, never 340° back across the map.
    assert [line["coordinates"][0] for line in lines] == [[0.0, 170.0], [0.0, -190.0]]
    assert all(abs(line["coordinates"][1][1] - line["coordinates"][0][1]) < 20 for line in lines)
    assert [arrow["coordinates"][0] for arrow in arrows] == [[10.0, 190.0], [10.0, -170.0]]


@given(st.text())
def test_map_text_keeps_the_words_and_nothing_a_popup_or_a_template_would_read(text):
    safe = map_text(text)

    assert html_module.unescape(safe) == text and not re.search(r"[<>\"'`$\\{}]", safe)


def test_labels_and_country_codes_are_escaped(settings):
    label = "<script>alert('x')</script> `${document.cookie}` \\ {{ 7 * 7 }}"
    html = render(points_map(settings, [SeizurePoint(1.0, 2.0, ("1 Mar 2025", label))]))
    flows = render(flows_map(settings, [("<img src=x onerror=alert(1)>", "VNM", 2)],
                             {**LABEL_POINTS, "<img src=x onerror=alert(1)>": (1.0, 2.0)}))

    popup = map_popups(html)[0].split(" · ")[1]
    assert "<script>alert" not in html
    assert popup.startswith("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;")
    assert not {"<", "`", "${", "\\", "{"} & set(re.findall(r"<|`|\$\{|\\|\{", popup)) and "49" not in popup
    assert "<img src=x" not in flows
    assert flows_drawn(flows)[0][0]["tooltip"] == "&lt;img src=x onerror=alert(1)&gt; → VNM: 2 seizures"


