"""Maps that work with no internet: folium with Leaflet served by the app and the bundled Natural Earth basemap."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from functools import cache
from typing import Any

import folium
from branca.element import Element, MacroElement
from folium.template import Template
from jinja2.utils import htmlsafe_json_dumps

from opsplatform import paths
from opsplatform.i18n import _
from opsplatform.settings import Settings

LEAFLET_JS = [("leaflet", "/static/vendor/leaflet-1.9.4/leaflet.js"), ("jquery", "/static/vendor/jquery-3.7.1.min.js")]
LEAFLET_CSS = [("leaflet_css", "/static/vendor/leaflet-1.9.4/leaflet.css")]
SHAPES = "geo/countries-110m.geojson"
NEUTRAL, OUTLINE = "#eef0ec", "#9aa39b"


@cache
def country_shapes() -> dict[str, Any]:
    return json.loads((paths.STATIC / SHAPES).read_text())


@cache
def shapes_url() -> str:
    """The outlines' address with their fingerprint: the browser keeps them a year (web/headers.py)."""
    return f"/static/{SHAPES}?v={paths.fingerprint(SHAPES)}"


def base_map(settings: Settings, *, location: tuple[float, float] = (15, 20), zoom: int = 2,
             fills: Mapping[str, str] | None = None, tooltips: Mapping[str, str] | None = None) -> folium.Map:
    """A world map with every country drawn from the bundled shapes; `fills` colours countries by ISO code and
    `tooltips` gives a country's hover text (HTML, made safe by `map_text`) in place of its name."""
    m = folium.Map(location=location, zoom_start=zoom, tiles=None, max_zoom=18, min_zoom=1, world_copy_jump=True,
                   control_scale=True)
    m.default_js, m.default_css = LEAFLET_JS, LEAFLET_CSS  # per instance: never the CDN defaults
    # folium gives max_zoom to the tile layer only; without tiles the map needs it itself (markercluster asks for it).
    m.options["max_zoom"] = 18
    if settings.map_tiles:
        folium.TileLayer(settings.map_tiles, attr=_("© map tiles provider"), name="tiles").add_to(m)
    _Countries(dict(fills or {}), dict(tooltips or {}), blank=0.2 if settings.map_tiles else 1).add_to(m)
    return m


# html.escape covers the HTML; a backtick, `${` or a backslash would end or alter a JavaScript template literal; braces
# would be run: folium compiles each layer's finished script as a Jinja template before writing it into the page.
_MAP_TEXT = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;", "{": "&#123;", "}": "&#125;"})
_UNSAFE = re.compile(r"[&<>\"'`$\\{}]")  # what either step changes: most text has none (a map's words are thousands)


def map_text(value: str) -> str:
    """Text safe inside folium's tooltips and popups (HTML, which folium writes into JavaScript template literals
    unescaped, in a script it then renders as a template): every text typed by a user passes here."""
    return html.escape(value).translate(_MAP_TEXT) if _UNSAFE.search(value) else value


class _Verbatim(Element):
    """Text written into the page as it is, never compiled as a template."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


class DataLayer(MacroElement):
    """A layer whose bulk data (`self.data`, name → value) is written into the page as it is, as JSON in variables its
    script names `{{ this.get_name() }}_<name>`. Folium compiles each layer's finished script as a template before it
    writes it: 42 of the 60 ms of a map of 5,000 markers, and braces in the data would run."""

    data: dict[str, Any]

    def render(self, **kwargs: Any) -> None:
        name = self.get_name()
        values = ", ".join(f"{name}_{key} = {htmlsafe_json_dumps(value)}" for key, value in self.data.items())
        self.get_root().script.add_child(_Verbatim(f"var {values};"), name=f"{name}_data")
        super().render(**kwargs)


class _Countries(MacroElement):
    """The country outlines, fetched by the browser from the static file rather than written into every map (200 kB
    a page, and the larger part of its making), in a pane under every other layer so they never cover a flow or a
    point. Only the fills and tooltips that differ from the plain basemap are written into the page."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            (function (map) {
                var fills = {{ this.fills|tojson }}, tooltips = {{ this.tooltips|tojson }};
                map.createPane("countries").style.zIndex = 350;
                fetch({{ this.url|tojson }}).then(function (answer) { return answer.json(); }).then(function (shapes) {
                    L.geoJSON(shapes, {
                        pane: "countries",
                        style: function (feature) {
                            var fill = fills[feature.id];
                            return {fillColor: fill || {{ this.neutral|tojson }}, color: {{ this.outline|tojson }},
                                    weight: fill ? 0.6 : 0.5, fillOpacity: fill ? 0.9 : {{ this.blank }}};
                        }
                    }).bindTooltip(function (layer) {
                        var id = layer.feature.id;
                        return id in tooltips ? tooltips[id] : layer.feature.properties.name;  // the file's own words
                    }, {sticky: true}).addTo(map);
                });
            })({{ this._parent.get_name() }});
        {% endmacro %}""")

    def __init__(self, fills: dict[str, str], tooltips: dict[str, str], *, blank: float) -> None:
        super().__init__()
        self._name = "Countries"
        self.fills, self.tooltips, self.blank = fills, tooltips, blank
        self.url, self.neutral, self.outline = shapes_url(), NEUTRAL, OUTLINE
