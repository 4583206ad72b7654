"""Charts for the dashboard and printed briefings, drawn by matplotlib as static SVG: no JavaScript, the same on screen
and paper. Matplotlib measures every label with the font it names (DejaVu Sans, which it ships), so margins fit
the text in every language instead of being guessed from a character count.

Each chart is a described image (a <title> and a <desc> with its top values, for screen readers) and every bar tells
its label and value on hover. Charts are cached by what they show: a dashboard opened again draws nothing.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
from collections.abc import Sequence
from datetime import date, timedelta
from functools import lru_cache

import matplotlib
from babel import Locale
from babel.dates import format_skeleton
from markupsafe import Markup
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import MaxNLocator

from opsplatform import format
from opsplatform.i18n import _, current_language

ACCENT = "#1f6f8b"
HIGHLIGHT = "#d9822b"
HIGHLIGHT_SLOT = "#fbe6d2"
GRID = "#dddddd"
INK = "#333333"
MUTED = "#666666"
FONT = 12  # px at the chart's natural width; about 9 pt on A4, where a chart prints at most 14 cm wide
TITLE_FONT = 14
FAMILY = "DejaVu Sans"
DPI = 72  # one point per pixel: sizes below are in CSS pixels
STYLE = {
    "svg.fonttype": "none",  # text stays text: selectable, searchable, translated, and light
    "svg.hashsalt": "opsplatform",  # the same chart gives the same bytes (stable ids, cacheable)
    "text.parse_math": False,  # a label such as "$5" from user data is text, never mathematics
    "font.family": FAMILY, "font.size": FONT, "text.color": INK, "axes.edgecolor": INK,
    "xtick.color": MUTED, "ytick.color": MUTED, "axes.labelcolor": INK,
}
# rcParams are process-wide: one chart is drawn at a time (documents are also made in worker threads).
_DRAWING = threading.RLock()
_FONT = FontProperties(family=FAMILY, size=FONT)
_MEASURE = FigureCanvasAgg(Figure(dpi=DPI)).get_renderer()


@lru_cache(maxsize=8192)  # the same labels and values come back in every chart drawn again as figures change
def text_width(text: str, size: float = FONT, bold: bool = False) -> float:
    """The width in pixels of `text` in the charts' font, measured from the font's own glyph advances."""
    font = _FONT.copy()
    font.set_size(size)
    font.set_weight("bold" if bold else "normal")
    with _DRAWING, matplotlib.rc_context(STYLE):
        width, _height, _descent = _MEASURE.get_text_width_height_descent(text, font, ismath=False)
    return width


def _truncate(text: str, room: float, size: float = FONT) -> str:
    """The text, cut with an ellipsis to the longest start that fits `room` pixels."""
    if text_width(text, size) <= room:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix whose cut form fits
        middle = (low + high + 1) // 2
        if text_width(text[:middle].rstrip() + "…", size) <= room:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "…"


def _svg(figure: Figure, title: str, desc: str, hovers: dict[str, str]) -> Markup:
    """The figure as an inline SVG that scales with its column, with its title, description and hover texts."""
    buffer = io.StringIO()
    with _DRAWING, matplotlib.rc_context(STYLE):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, transparent=True)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    width, height = (float(v) for v in re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg).groups())
    svg = re.sub(r'<svg [^>]*>', lambda m: str(Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {w} {h}" width="100%" '
        'style="max-width:{w}px;height:auto;font-family:{family},sans-serif"><title>{title}</title>'
        '<desc>{desc}</desc>').format(w=f"{width:g}", h=f"{height:g}", family=FAMILY, title=title, desc=desc)),
        svg, count=1)
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    # matplotlib writes an artist's gid as its group's id: "chart_row-3" becomes class "row", with its hover text.
    def marked(match: re.Match[str]) -> str:
        gid, kind = match[1], match[2]
        hover = Markup("<title>{}</title>").format(hovers[gid]) if gid in hovers else ""
        return str(Markup('<g class="{}">{}').format(kind, hover))

    svg = re.sub(r'<g id="(chart_([a-z-]+?)-\d+)">', marked, svg)
    # A page or a document holds several charts, and an id twice is an error (a PDF's anchors among them): the groups'
    # ids ("figure_1", "axes_1") go, and those something refers to (clip paths, markers) are made this chart's own.
    svg = re.sub(r'<g id="[^"]*"', "<g", svg)
    own = hashlib.sha256(svg.encode()).hexdigest()[:8]
    return Markup(re.sub(r'(\sid="|url\(#|href="#)([^")]+)', lambda m: f"{m[1]}{m[2]}-{own}", svg))


def _figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def _no_data(title: str, width: int) -> Markup:
    message = _("No data yet")
    with _DRAWING, matplotlib.rc_context(STYLE):
        figure = _figure(width, 60)
        _heading(figure, 60, title, width)
        figure.text(0.5, 0.2, message, ha="center", color=MUTED, gid="chart_no-data-0")
    return _svg(figure, title, message, {})


def _heading(figure: Figure, height: float, text: str, width: float) -> None:
    figure.text(0, 1 - (TITLE_FONT + 2) / height, _truncate(text, width, TITLE_FONT), size=TITLE_FONT, weight="bold",
                gid="chart_title-0")


def bar_chart(rows: Sequence[tuple[str, float]], *, title: str, value_label: str = "", limit: int = 10,
              width: int = 520) -> Markup:
    """Horizontal bars, largest first as given (the caller sorts), label on the left, value at the bar's end."""
    if not rows:
        return _no_data(title, width)
    limit = max(1, limit)
    shown = [(str(label), max(0.0, float(value))) for label, value in rows[:limit]]
    if len(rows) > limit:
        shown.append((_("Other"), sum(max(0.0, float(value)) for _label, value in rows[limit:])))
    return _bar_chart(tuple(shown), len(rows) > limit, title, value_label, width, current_language())


@lru_cache(maxsize=256)
def _bar_chart(shown: tuple[tuple[str, float], ...], other: bool, title: str, value_label: str, width: int,
               language: str) -> Markup:
    values = [format.number(value) for _label, value in shown]
    row, top = 26, TITLE_FONT + 16
    height = top + len(shown) * row + 4
    label_room = max(round(width * 0.34), min(150, width // 2))  # narrow charts still fit "Loxodonta africana"
    value_room = max(text_width(v) for v in values) + 8
    labels = [_truncate(label, label_room - 8) for label, _value in shown]
    largest = max(value for _label, value in shown) or 1
    with _DRAWING, matplotlib.rc_context(STYLE):
        figure = _figure(width, height)
        axes = figure.add_axes((label_room / width, 4 / height, (width - label_room - value_room) / width,
                                (height - top - 4) / height))
        bars = axes.barh(range(len(shown)), [value for _label, value in shown], height=18 / row, color=ACCENT)
        if other:
            bars[-1].set_alpha(0.55)  # paler: "Other" is a remainder, not a category to compare
        axes.set_yticks(range(len(shown)), labels)
        values_shown = axes.bar_label(bars, values, padding=6)
        for i, (bar, label, value) in enumerate(zip(bars, axes.get_yticklabels(), values_shown, strict=True)):
            bar.set_gid(f"chart_row-{i}")
            label.set_gid(f"chart_label-{i}")
            value.set_gid(f"chart_value-{i}")
        axes.set_xlim(0, largest)
        axes.set_ylim(len(shown) - 0.5, -0.5)
        axes.tick_params(length=0, pad=8, labelcolor=INK)
        axes.xaxis.set_visible(False)
        for side in ("top", "right", "bottom", "left"):
            axes.spines[side].set_visible(False)
        heading = f"{title} ({value_label})" if value_label else title
        _heading(figure, height, heading, width)
    listed = "; ".join(f"{label} {text}" for (label, _value), text in list(zip(shown, values, strict=True))[:5])
    desc = _("%(title)s, largest first: %(values)s.", title=heading, values=listed)
    return _svg(figure, title, desc, {f"chart_row-{i}": f"{label}: {text}"
                                      for i, ((label, _value), text) in enumerate(zip(shown, values, strict=True))})


def day_chart(points: Sequence[tuple[date, float]], *, title: str, width: int = 640, height: int = 200,
              highlight: date | None = None) -> Markup:
    """Vertical bars per day (days with 0 keep their slot), a y axis with 3-5 round ticks, x labels for the first
    day of each week or every few days so they never overlap; `highlight` marks one day."""
    if not points:
        return _no_data(title, width)
    by_day: dict[date, float] = {}
    for day, value in points:
        by_day[day] = by_day.get(day, 0.0) + max(0.0, float(value))
    return _day_chart(tuple(sorted(by_day.items())), title, width, height, highlight, current_language())


@lru_cache(maxsize=64)
def _day_chart(counted: tuple[tuple[date, float], ...], title: str, width: int, height: int,
               highlight: date | None, language: str) -> Markup:
    by_day = dict(counted)
    first, last = min(by_day), max(by_day)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    values = [by_day.get(day, 0.0) for day in days]
    whole = all(v.is_integer() for v in values)
    x_texts = [format_skeleton("MMMd", day, locale=language) for day in days]
    x_label_room = max(text_width(t) for t in x_texts) + 8
    # 3-5 round ticks (1, 2 or 5 × 10ⁿ apart) from 0; whole counts never get a "0.5 seizures" tick.
    ticks = MaxNLocator(nbins=4, steps=[1, 2, 5, 10], integer=whole, min_n_ticks=3).tick_values(
        0, max(max(values), 2 if whole else 1e-9))
    tick_room = max(text_width(format.number(t)) for t in ticks) + 10
    left, right = max(tick_room, x_label_room / 2), x_label_room / 2
    top, bottom = TITLE_FONT + 20, FONT + 12
    slot = (width - left - right) / len(days)
    # Whole weeks from the locale's first weekday when days are too narrow for a label each; else every n days.
    step = next((n for n in (1, 2, 3, 7, 14, 28, 56, 91) if n * slot >= x_label_room), 364)
    week_start = Locale.parse(language).first_week_day

    def labelled(i: int, day: date) -> bool:
        if step < 7:
            return i % step == 0
        return (day.weekday() - week_start) % 7 == 0 and (day - first).days // 7 % (step // 7) == 0

    with _DRAWING, matplotlib.rc_context(STYLE):
        figure = _figure(width, height)
        axes = figure.add_axes((left / width, bottom / height, (width - left - right) / width,
                                (height - top - bottom) / height))
        for i, day in enumerate(days):
            if day == highlight:  # the slot is shaded, so that even a day with 0 shows where it is
                axes.axvspan(i - 0.5, i + 0.5, color=HIGHLIGHT_SLOT, zorder=0, gid="chart_slot-0")
        bars = axes.bar(range(len(days)), values, width=0.8,
                        color=[HIGHLIGHT if day == highlight else ACCENT for day in days], zorder=2)
        hovers = {}
        for i, (bar, day, value) in enumerate(zip(bars, days, values, strict=True)):
            bar.set_gid(f"chart_day-{i}" if day != highlight else f"chart_highlight-{i}")
            hovers[bar.get_gid()] = f"{format.date(day)}: {format.number(value)}"
        axes.set_xlim(-0.5, len(days) - 0.5)
        axes.set_ylim(0, ticks[-1])
        axes.set_yticks(ticks, [format.number(t) for t in ticks])
        shown = [(i, text) for i, (day, text) in enumerate(zip(days, x_texts, strict=True)) if labelled(i, day)]
        axes.set_xticks([i for i, _text in shown], [text for _i, text in shown])
        for kind, labels in (("tick", axes.get_yticklabels()), ("x-label", axes.get_xticklabels())):
            for i, label in enumerate(labels):
                label.set_gid(f"chart_{kind}-{i}")
        axes.grid(axis="y", color=GRID, linewidth=1, zorder=1)
        axes.tick_params(length=0, pad=6)
        for side in ("top", "right", "left"):
            axes.spines[side].set_visible(False)
        _heading(figure, height, title, width)
    busiest = sorted((d for d in days if by_day.get(d)), key=lambda d: (-by_day[d], d))[:3]
    span = {"title": title, "start": format.date(first), "end": format.date(last), "total": format.number(sum(values))}
    if busiest:
        peaks = "; ".join(f"{format.date(d)} ({format.number(by_day[d])})" for d in busiest)
        desc = _("%(title)s, %(start)s to %(end)s: %(total)s in total; highest: %(days)s.", days=peaks, **span)
    else:
        desc = _("%(title)s, %(start)s to %(end)s: none recorded.", **span)
    return _svg(figure, title, desc, hovers)
