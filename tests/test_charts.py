"""Dashboard and briefing charts: static SVG that parses, reads right in English and French, and never overlaps,
its text measured by the charting library rather than guessed."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

from jinja2 import Environment
from markupsafe import Markup

from opsplatform.i18n import language
from opsplatform.reporting.charts import ACCENT, FONT, bar_chart, day_chart, text_width

SVG = "{http://www.w3.org/2000/svg}"
TAXA = [("Loxodonta africana", 142), ("Manis spp.", 97), ("Pterocarpus erinaceus", 64), ("Panthera leo", 31),
        ("Psittacus erithacus", 22), ("Ceratotherium simum", 9), ("Dalbergia spp.", 7), ("Crocodylus niloticus", 5),
        ("Testudinidae", 3), ("Python regius", 2), ("Hippopotamus amphibius", 1), ("Varanus niloticus", 1)]
JUNE = date(2025, 6, 2)


def parse(chart: Markup) -> ET.Element:
    return ET.fromstring(str(chart))


def groups(root: ET.Element, kind: str) -> list[ET.Element]:
    """The chart's parts of one kind (row, label, value, day, highlight, tick, x-label, no-data), in order."""
    return [g for g in root.iter(SVG + "g") if g.get("class") == kind]


def texts(root: ET.Element, kind: str) -> list[str]:
    return [g.find(SVG + "text").text or "" for g in groups(root, kind)]


def hover(group: ET.Element) -> str:
    return group.find(SVG + "title").text


def box(group: ET.Element) -> tuple[float, float, float, float]:
    """x0, y0, x1, y1 of the path a bar's group draws."""
    numbers = [float(n) for n in re.findall(r"-?[\d.]+", group.find(SVG + "path").get("d"))]
    xs, ys = numbers[0::2], numbers[1::2]
    return min(xs), min(ys), max(xs), max(ys)


def month_of_days(values: dict[int, float]) -> list[tuple[date, float]]:
    return [(JUNE + timedelta(days=offset), value) for offset, value in values.items()]


# --- bar_chart -----------------------------------------------------------------------------------------------------

def test_bar_chart_draws_one_bar_per_row_in_the_given_order() -> None:
    root = parse(bar_chart(TAXA[:4], title="Top taxa"))
    assert texts(root, "label") == ["Loxodonta africana", "Manis spp.", "Pterocarpus erinaceus", "Panthera leo"]
    assert texts(root, "value") == ["142", "97", "64", "31"]
    assert [hover(g) for g in groups(root, "row")] == ["Loxodonta africana: 142", "Manis spp.: 97",
                                                       "Pterocarpus erinaceus: 64", "Panthera leo: 31"]
    tops = [box(g)[1] for g in groups(root, "row")]
    assert tops == sorted(tops)  # largest first, from the top


def test_rows_beyond_the_limit_are_summed_into_other() -> None:
    root = parse(bar_chart(TAXA, title="Top taxa", limit=10))
    assert len(groups(root, "row")) == 11
    assert texts(root, "label")[-1] == "Other"
    assert texts(root, "value")[-1] == "2"  # the two rows of 1 past the tenth


def test_no_other_bar_when_rows_fit_the_limit() -> None:
    root = parse(bar_chart(TAXA[:10], title="Top taxa", limit=10))
    assert "Other" not in texts(root, "label")


def test_bar_widths_are_proportional_to_values_and_values_sit_past_their_bar() -> None:
    root = parse(bar_chart(TAXA[:5], title="Top taxa"))
    bars = [box(g) for g in groups(root, "row")]
    widths = [x1 - x0 for x0, _y0, x1, _y1 in bars]
    for (_label, value), width in zip(TAXA[:5], widths, strict=True):
        assert abs(width / widths[0] - value / 142) < 0.01
    values = [float(g.find(SVG + "text").get("x")) for g in groups(root, "value")]
    assert all(x > bar[2] for x, bar in zip(values, bars, strict=True))


def test_every_label_fits_beside_its_bar_as_measured() -> None:
    root = parse(bar_chart(TAXA, title="Top taxa", width=360))
    left = min(box(g)[0] for g in groups(root, "row"))
    for label in groups(root, "label"):
        text = label.find(SVG + "text")
        assert text.get("style").count("text-anchor: end") == 1
        assert float(text.get("x")) - text_width(text.text) >= 0 and float(text.get("x")) < left


def test_values_are_formatted_for_the_current_language() -> None:
    rows = [("TUS kg", 1234567.5), ("TUS number", 1234), ("SCA kg", 45.25)]
    assert texts(parse(bar_chart(rows, title="Trade terms")), "value") == ["1,234,567.5", "1,234", "45.25"]
    with language("fr"):
        assert texts(parse(bar_chart(rows, title="Trade terms")), "value") == [
            "1\u202f234\u202f567,5", "1\u202f234", "45,25"]


def test_labels_from_user_data_are_text_escaped_and_never_mathematics() -> None:
    chart = bar_chart([("<script>alert(1)</script>", 3), ('A & "B"', 1), ("$x^2$ tusks", 1)], title="Top taxa")
    assert "<script>" not in chart
    root = parse(chart)
    assert texts(root, "label") == ["<script>alert(1)</script>", 'A & "B"', "$x^2$ tusks"]


def test_long_labels_are_truncated_to_their_measured_room_with_the_full_label_on_hover() -> None:
    label = "Manis spp. (pangolin scales, whole and in parts)"
    root = parse(bar_chart([(label, 5)], title="Top taxa"))
    [shown] = texts(root, "label")
    assert shown.endswith("…") and label.startswith(shown[:-1]) and len(shown) < len(label)
    assert text_width(shown) <= box(groups(root, "row")[0])[0]
    assert hover(groups(root, "row")[0]) == f"{label}: 5"


def test_text_is_measured_not_counted() -> None:
    assert text_width("iiiiiiiiii") < text_width("WWWWWWWWWW") / 2
    assert text_width("Loxodonta africana", 2 * FONT) > 1.9 * text_width("Loxodonta africana")


def test_bar_chart_describes_its_top_values() -> None:
    root = parse(bar_chart(TAXA, title="Top taxa", value_label="seizures"))
    desc = root.find(SVG + "desc").text
    assert desc.startswith("Top taxa (seizures)")
    assert desc.index("Loxodonta africana 142") < desc.index("Manis spp. 97") < desc.index("Psittacus erithacus 22")


def test_all_zero_rows_draw_empty_bars_instead_of_failing() -> None:
    root = parse(bar_chart([("Air", 0), ("Sea", 0)], title="Transport modes"))
    assert [box(g)[2] - box(g)[0] for g in groups(root, "row")] == [0, 0]


# --- day_chart -----------------------------------------------------------------------------------------------------

def test_day_chart_has_a_slot_for_every_day_including_days_without_seizures() -> None:
    root = parse(day_chart(month_of_days({0: 4, 1: 2, 4: 7, 5: 0}), title="Seizures per day"))
    days = groups(root, "day")
    assert len(days) == 6
    assert [hover(g) for g in days][2] == "Jun 4, 2025: 0"
    heights = [box(g)[3] - box(g)[1] for g in days]
    assert heights[2] == heights[3] == heights[5] == 0 and heights[4] > heights[0] > heights[1] > 0
    lefts = [box(g)[0] for g in days]
    gaps = [b - a for a, b in zip(lefts, lefts[1:], strict=False)]
    assert max(gaps) - min(gaps) < 0.01  # evenly spaced, missing days included


def test_day_chart_sums_several_points_on_one_day() -> None:
    root = parse(day_chart([(JUNE, 2), (JUNE, 3)], title="Seizures per day"))
    assert [hover(g) for g in groups(root, "day")] == ["Jun 2, 2025: 5"]


def test_y_axis_ticks_are_three_to_five_round_numbers_covering_the_largest_day() -> None:
    assert texts(parse(day_chart(month_of_days({0: 140, 1: 12, 2: 75}), title="Seizures per day")), "tick") == [
        "0", "50", "100", "150"]
    for largest in [0, 1, 2, 3, 5, 7, 9, 10, 11, 19, 23, 40, 41, 99, 101, 999, 1234, 98765]:
        ticks = [float(t.replace(",", "")) for t in texts(parse(day_chart([(JUNE, largest)], title="S")), "tick")]
        assert 3 <= len(ticks) <= 6 and ticks[0] == 0 and ticks[-1] >= largest, (largest, ticks)
        assert all(t.is_integer() for t in ticks), ticks  # no "0.5 seizures" tick
        assert re.fullmatch(r"[125]0*", str(int(ticks[1]))), (largest, ticks)


def test_x_labels_never_overlap_for_a_31_day_operation() -> None:
    for code in ("en", "fr", "es"):
        with language(code):
            for width in (640, 400):
                root = parse(day_chart(month_of_days({i: i % 5 for i in range(31)}), title="Seizures", width=width))
                labels = [g.find(SVG + "text") for g in groups(root, "x-label")]
                assert len(labels) >= 3
                spans = [(float(t.get("x")) - text_width(t.text) / 2, float(t.get("x")) + text_width(t.text) / 2)
                         for t in labels]
                assert all(a[1] + 4 < b[0] for a, b in zip(spans, spans[1:], strict=False)), \
                    (code, width, [t.text for t in labels])
                assert spans[0][0] >= 0 and spans[-1][1] <= width


def test_highlighted_day_is_drawn_in_a_second_colour() -> None:
    chart = day_chart(month_of_days(dict.fromkeys(range(10), 3)), title="Seizures", highlight=JUNE + timedelta(3))
    root = parse(chart)
    [marked] = groups(root, "highlight")
    assert hover(marked) == "Jun 5, 2025: 3"
    assert ACCENT in groups(root, "day")[0].find(SVG + "path").get("style")
    assert ACCENT not in marked.find(SVG + "path").get("style")
    assert len(groups(root, "slot")) == 1  # the day's slot is shaded, visible even on a day with 0


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


def test_every_chart_is_a_described_scalable_image_with_its_title() -> None:
    for chart in charts():
        root = parse(chart)
        assert root.get("role") == "img" and root.get("width") == "100%"
        assert re.fullmatch(r"0 0 \d+ [\d.]+", root.get("viewBox"))
        assert "font-family:DejaVu Sans,sans-serif" in root.get("style") and "max-width:" in root.get("style")
        assert [child.tag for child in root][:2] == [SVG + "title", SVG + "desc"]
        assert root.find(SVG + "title").text and root.find(SVG + "desc").text
        assert texts(root, "title") == [root.find(SVG + "title").text]


def test_charts_load_nothing_from_outside_and_stay_light() -> None:
    for chart in charts():
        assert re.findall(r"\w+://[^\s\"'<>]*", chart) == ["http://www.w3.org/2000/svg"]
        assert "<script" not in chart and "href" not in chart and "@import" not in chart
        assert len(chart) < 20_000


def test_the_same_chart_is_the_same_bytes() -> None:
    assert bar_chart(TAXA, title="Top taxa") == bar_chart(list(TAXA), title="Top taxa")
    with language("fr"):
        assert bar_chart(TAXA, title="Top taxa") != bar_chart(TAXA[:11], title="Top taxa")


def test_templates_insert_charts_without_escaping_them_again() -> None:
    chart = bar_chart(TAXA[:2], title="Top taxa")
    assert isinstance(chart, Markup)
    assert Environment(autoescape=True).from_string("{{ chart }}").render(chart=chart) == str(chart)


def test_charts_side_by_side_repeat_no_id() -> None:
    """A page or a document shows several charts: an id twice is an error, and a PDF's anchors say so."""
    ids = [found for chart in charts() for found in re.findall(r'\sid="([^"]+)"', chart)]
    assert len(ids) == len(set(ids)), sorted(i for i in set(ids) if ids.count(i) > 1)
