"""Dashboard and briefing charts: static SVG that parses, reads right in English and French, and never overlaps."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

from jinja2 import Environment
from markupsafe import Markup

from opsplatform.i18n import language
from opsplatform.reporting.charts import ACCENT, bar_chart, day_chart, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"
TAXA = [("Loxodonta africana", 142), ("Manis spp.", 97), ("Pterocarpus erinaceus", 64), ("Panthera leo", 31),
        ("Psittacus erithacus", 22), ("Ceratotherium simum", 9), ("Dalbergia spp.", 7), ("Crocodylus niloticus", 5),
        ("Testudinidae", 3), ("Python regius", 2), ("Hippopotamus amphibius", 1), ("Varanus niloticus", 1)]
JUNE = date(2025, 6, 2)


def parse(chart: Markup) -> ET.Element:
    return ET.fromstring(str(chart))


def all_of(root: ET.Element, tag: str, css_class: str | None = None) -> list[ET.Element]:
    return [e for e in root.iter(SVG + tag) if css_class is None or e.get("class", "").split()[0] == css_class]


def texts(root: ET.Element, css_class: str) -> list[str]:
    return [e.text or "" for e in all_of(root, "text", css_class)]


def month_of_days(values: dict[int, float]) -> list[tuple[date, float]]:
    return [(JUNE + timedelta(days=offset), value) for offset, value in values.items()]


# --- bar_chart -----------------------------------------------------------------------------------------------------

def test_bar_chart_draws_one_bar_per_row_in_the_given_order() -> None:
    root = parse(bar_chart(TAXA[:4], title="Top taxa"))
    assert texts(root, "label") == ["Loxodonta africana", "Manis spp.", "Pterocarpus erinaceus", "Panthera leo"]
    assert texts(root, "value") == ["142", "97", "64", "31"]
    assert len(all_of(root, "rect", "bar")) == 4


def test_rows_beyond_the_limit_are_summed_into_other() -> None:
    root = parse(bar_chart(TAXA, title="Top taxa", limit=10))
    assert len(all_of(root, "rect", "bar")) == 11
    assert texts(root, "label")[-1] == "Other"
    assert texts(root, "value")[-1] == "2"  # the two rows of 1 past the tenth


def test_no_other_bar_when_rows_fit_the_limit() -> None:
    root = parse(bar_chart(TAXA[:10], title="Top taxa", limit=10))
    assert "Other" not in texts(root, "label")


def test_bar_widths_are_proportional_to_values() -> None:
    root = parse(bar_chart(TAXA[:5], title="Top taxa"))
    widths = [float(rect.get("width")) for rect in all_of(root, "rect", "bar")]
    for (_label, value), width in zip(TAXA[:5], widths, strict=True):
        assert abs(width / widths[0] - value / 142) < 0.01
    values = all_of(root, "text", "value")
    bars = all_of(root, "rect", "bar")
    assert all(float(t.get("x")) > float(b.get("x")) + float(b.get("width")) for t, b in zip(values, bars, strict=True))


def test_values_are_formatted_for_the_current_language() -> None:
    rows = [("TUS kg", 1234567.5), ("TUS number", 1234), ("SCA kg", 45.25)]
    assert texts(parse(bar_chart(rows, title="Trade terms")), "value") == ["1,234,567.5", "1,234", "45.25"]
    with language("fr"):
        assert texts(parse(bar_chart(rows, title="Trade terms")), "value") == [
            "1\u202f234\u202f567,5", "1\u202f234", "45,25"]


def test_labels_from_user_data_are_escaped() -> None:
    chart = bar_chart([("<script>alert(1)</script>", 3), ('A & "B"', 1)], title="Top taxa")
    assert "<script>" not in chart
    root = parse(chart)
    assert [g.find(SVG + "title").text for g in all_of(root, "g", "row")] == ["<script>alert(1)</script>", 'A & "B"']


def test_long_labels_are_truncated_with_the_full_label_on_hover() -> None:
    label = "Manis spp. (pangolin scales, whole and in parts)"
    root = parse(bar_chart([(label, 5)], title="Top taxa"))
    [row] = all_of(root, "g", "row")
    shown = row.find(SVG + "text").text
    assert shown.endswith("…") and label.startswith(shown[:-1]) and len(shown) < len(label)
    assert len(shown) * 12 * 0.6 <= float(row.find(SVG + "rect").get("x"))  # fits the label column
    assert row.find(SVG + "title").text == label


def test_bar_chart_describes_its_top_values() -> None:
    root = parse(bar_chart(TAXA, title="Top taxa", value_label="seizures"))
    desc = root.find(SVG + "desc").text
    assert desc.startswith("Top taxa (seizures)")
    assert desc.index("Loxodonta africana 142") < desc.index("Manis spp. 97") < desc.index("Psittacus erithacus 22")


def test_all_zero_rows_draw_empty_bars_instead_of_failing() -> None:
    root = parse(bar_chart([("Air", 0), ("Sea", 0)], title="Transport modes"))
    assert [rect.get("width") for rect in all_of(root, "rect", "bar")] == ["0", "0"]


# --- day_chart -----------------------------------------------------------------------------------------------------

def test_day_chart_has_a_slot_for_every_day_including_days_without_seizures() -> None:
    root = parse(day_chart(month_of_days({0: 4, 1: 2, 4: 7, 5: 0}), title="Seizures per day"))
    days = all_of(root, "g", "day")
    assert len(days) == 6
    assert [g.find(SVG + "title").text for g in days][2] == "Jun 4, 2025: 0"
    heights = [float(g.find(f"{SVG}rect[@class='bar']").get("height")) for g in days]
    assert heights[2] == heights[3] == heights[5] == 0 and heights[4] > heights[0] > heights[1] > 0
    slots = [float(g.find(f"{SVG}rect[@class='slot']").get("x")) for g in days]
    gaps = [b - a for a, b in zip(slots, slots[1:], strict=False)]
    assert max(gaps) - min(gaps) < 0.2  # evenly spaced (coordinates have one decimal), missing days included


def test_day_chart_sums_several_points_on_one_day() -> None:
    root = parse(day_chart([(JUNE, 2), (JUNE, 3)], title="Seizures per day"))
    assert [g.find(SVG + "title").text for g in all_of(root, "g", "day")] == ["Jun 2, 2025: 5"]


def test_y_axis_ticks_are_round_numbers() -> None:
    root = parse(day_chart(month_of_days({0: 140, 1: 12, 2: 75}), title="Seizures per day"))
    assert texts(root, "tick") == ["0", "50", "100", "150"]


def test_nice_ticks_give_three_to_five_round_steps_covering_the_maximum() -> None:
    for maximum in [0, 1, 2, 3, 4, 5, 7, 9, 10, 11, 19, 23, 40, 41, 99, 100, 101, 140, 999, 1234, 98765]:
        ticks = nice_ticks(maximum)
        step = ticks[1]
        assert 3 <= len(ticks) <= 5 and ticks[0] == 0 and ticks[-1] >= maximum, maximum
        assert re.fullmatch(r"[125]0*", str(int(step))), (maximum, ticks)
    assert nice_ticks(0.3, whole=False) == [0, 0.1, 0.2, 0.3]


def test_x_labels_never_overlap_for_a_31_day_operation() -> None:
    for code in ("en", "fr", "es"):
        with language(code):
            for width in (640, 400):
                root = parse(day_chart(month_of_days({i: i % 5 for i in range(31)}), title="Seizures", width=width))
                labels = all_of(root, "text", "x-label")
                assert len(labels) >= 3
                # Generous width: ~0.6 em per character at 12 units, centred on x
                spans = [(float(t.get("x")) - len(t.text) * 3.6, float(t.get("x")) + len(t.text) * 3.6) for t in labels]
                assert all(a[1] < b[0] for a, b in zip(spans, spans[1:], strict=False)), \
                    (code, width, [t.text for t in labels])
                assert spans[0][0] >= 0 and spans[-1][1] <= width


def test_highlighted_day_is_drawn_in_a_second_colour() -> None:
    root = parse(day_chart(month_of_days(dict.fromkeys(range(10), 3)), title="Seizures", highlight=JUNE + timedelta(3)))
    marked = [g for g in all_of(root, "g", "day") if g.find(f"{SVG}rect[@class='bar highlight']") is not None]
    assert [g.find(SVG + "title").text for g in marked] == ["Jun 5, 2025: 3"]
    assert marked[0].find(f"{SVG}rect[@class='bar highlight']").get("fill") != ACCENT
    assert marked[0].find(f"{SVG}rect[@class='slot']").get("fill") != "none"  # visible even on a day with 0


def test_day_chart_describes_the_period_and_busiest_days() -> None:
    root = parse(day_chart(month_of_days({0: 4, 3: 9, 29: 1}), title="Seizures per day"))
    assert root.find(SVG + "desc").text == ("Seizures per day, Jun 2, 2025 to Jul 1, 2025: 14 in total; "
                                            "highest: Jun 5, 2025 (9); Jun 2, 2025 (4); Jul 1, 2025 (1).")


# --- both ----------------------------------------------------------------------------------------------------------

def charts() -> list[Markup]:
    return [bar_chart(TAXA, title="Top taxa"), day_chart(month_of_days({0: 1, 9: 3}), title="Seizures per day"),
            bar_chart([], title="Top taxa"), day_chart([], title="Seizures per day")]


def test_empty_data_says_no_data_yet() -> None:
    for chart in (bar_chart([], title="Top taxa"), day_chart([], title="Seizures per day")):
        root = parse(chart)
        assert texts(root, "no-data") == ["No data yet"]
        assert float(root.get("viewBox").split()[3]) <= 80


def test_every_chart_is_a_described_scalable_image() -> None:
    for chart in charts():
        root = parse(chart)
        assert root.get("role") == "img" and root.get("width") == "100%"
        assert re.fullmatch(r"0 0 \d+ [\d.]+", root.get("viewBox"))
        assert "font-family:sans-serif" in root.get("style") and "max-width:" in root.get("style")
        assert [child.tag for child in root][:2] == [SVG + "title", SVG + "desc"]
        assert root.find(SVG + "title").text and root.find(SVG + "desc").text


def test_charts_load_nothing_from_outside() -> None:
    for chart in charts():
        assert re.findall(r"\w+://[^\s\"'<>]*", chart) == ["http://www.w3.org/2000/svg"]
        assert "<script" not in chart and "href" not in chart and "@import" not in chart


def test_templates_insert_charts_without_escaping_them_again() -> None:
    chart = bar_chart(TAXA[:2], title="Top taxa")
    assert isinstance(chart, Markup)
    assert Environment(autoescape=True).from_string("{{ chart }}").render(chart=chart) == str(chart)
