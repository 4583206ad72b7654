"""Static inline SVG charts for the dashboard and printed briefings: no JavaScript, the same on screen and paper."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta

from babel import Locale
from babel.dates import format_skeleton
from markupsafe import Markup

from opsplatform import format
from opsplatform.i18n import _, current_language

ACCENT = "#1f6f8b"
HIGHLIGHT = "#d9822b"
HIGHLIGHT_SLOT = "#fbe6d2"
GRID = "#dddddd"
INK = "#333333"
MUTED = "#666666"
FONT = 12  # viewBox units; at the usual 520-640 px width that is about 9 pt on A4
TITLE_FONT = 14
# No font metrics without a renderer: an average sans-serif glyph is at most ~0.6 em wide (DejaVu Sans, the
# widest common fallback), so estimates made with it err on the side of more room.
CHAR_EM = 0.6


def _c(coordinate: float) -> str:
    return f"{coordinate:.1f}".removesuffix(".0")


def _text_width(text: str, size: int = FONT) -> float:
    return len(text) * size * CHAR_EM


def _truncate(text: str, room: float, size: int = FONT) -> str:
    fits = max(1, int(room / (size * CHAR_EM)))
    return text if len(text) <= fits else text[: fits - 1].rstrip() + "…"


def _text(x: float, y: float, content: str, css_class: str, anchor: str = "start", **extra: str) -> Markup:
    """A <text> element; Markup.format escapes every plain str, so labels from user data are safe here."""
    attributes = Markup("").join(Markup(' {}="{}"').format(k.replace("_", "-"), v) for k, v in extra.items())
    return Markup('<text class="{}" x="{}" y="{}" text-anchor="{}"{}>{}</text>').format(
        css_class, _c(x), _c(y), anchor, attributes, content)


def _svg(width: int, height: float, title: str, desc: str, body: Sequence[Markup], heading: str = "") -> Markup:
    # width 100% + viewBox lets the chart shrink with its column; max-width keeps text from growing past print size.
    heading = _truncate(heading or title, width, TITLE_FONT)
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {w} {h}" width="100%" '
        'style="max-width:{w}px;height:auto;font-family:sans-serif;font-size:{f}px" fill="{ink}">'
        '<title>{title}</title><desc>{desc}</desc>{heading}{body}</svg>'
    ).format(w=width, h=_c(height), f=FONT, ink=INK, title=title, desc=desc,
             heading=_text(0, TITLE_FONT + 2, heading, "chart-title", font_size=str(TITLE_FONT), font_weight="bold"),
             body=Markup("").join(body))


def _no_data(title: str, width: int) -> Markup:
    message = _("No data yet")
    return _svg(width, 60, title, message, [_text(width / 2, 44, message, "no-data", "middle", fill=MUTED)])


def nice_ticks(maximum: float, whole: bool = True) -> list[float]:
    """3-5 evenly spaced round axis values (steps of 1, 2 or 5 × 10ⁿ) from 0 to at least `maximum`."""
    maximum = max(maximum, 1 if whole else 1e-9)
    magnitude = 10 ** math.floor(math.log10(maximum / 4))
    step = next(f * magnitude for f in (1, 2, 5, 10) if f * magnitude * 4 >= maximum)
    if whole:
        step = max(step, 1)  # no "0.5 seizures" tick
    count = max(2, math.ceil(maximum / step - 1e-9))
    return [round(i * step, 10) for i in range(count + 1)]


def bar_chart(rows: Sequence[tuple[str, float]], *, title: str, value_label: str = "", limit: int = 10,
              width: int = 520) -> Markup:
    """Horizontal bars, largest first as given (the caller sorts), label on the left, value at the bar's end."""
    if not rows:
        return _no_data(title, width)
    limit = max(1, limit)
    shown = [(str(label), max(0.0, float(value))) for label, value in rows[:limit]]
    if len(rows) > limit:
        shown.append((_("Other"), sum(max(0.0, float(value)) for _label, value in rows[limit:])))
    values = [format.number(value) for _label, value in shown]

    bar_height, row_height, top = 18, 26, TITLE_FONT + 16
    label_room = max(round(width * 0.34), min(150, width // 2))  # narrow charts still fit "Loxodonta africana"
    value_room = max(_text_width(v) for v in values) + 6
    bar_room = width - label_room - 8 - value_room
    largest = max(value for _label, value in shown) or 1
    body = []
    for i, ((label, value), text) in enumerate(zip(shown, values, strict=True)):
        y = top + i * row_height
        length = bar_room * value / largest
        other = len(rows) > limit and i == limit
        body.append(Markup('<g class="row"><title>{}</title>{}<rect class="bar{}" x="{}" y="{}" width="{}" '
                           'height="{}" fill="{}" fill-opacity="{}"/>{}</g>').format(
            label,
            _text(label_room - 8, y + bar_height - 5, _truncate(label, label_room - 8), "label", "end"),
            " other" if other else "", label_room, y, _c(length), bar_height, ACCENT,
            "0.55" if other else "1",  # paler: "Other" is a remainder, not a category to compare
            _text(label_room + length + 6, y + bar_height - 5, text, "value")))

    heading = f"{title} ({value_label})" if value_label else title
    listed = "; ".join(f"{label} {text}" for (label, _value), text in list(zip(shown, values, strict=True))[:5])
    desc = _("%(title)s, largest first: %(values)s.", title=heading, values=listed)
    return _svg(width, top + len(shown) * row_height, title, desc, body, heading)


def day_chart(points: Sequence[tuple[date, float]], *, title: str, width: int = 640, height: int = 200,
              highlight: date | None = None) -> Markup:
    """Vertical bars per day (gaps for days with 0 are still drawn as empty slots), y axis with 3-5 nice ticks,
    x labels for the first day of each week or every few days so they never overlap; `highlight` marks one day."""
    if not points:
        return _no_data(title, width)
    language = current_language()
    by_day: dict[date, float] = {}
    for day, value in points:
        by_day[day] = by_day.get(day, 0.0) + max(0.0, float(value))
    first, last = min(by_day), max(by_day)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    values = [by_day.get(day, 0.0) for day in days]
    ticks = nice_ticks(max(values), whole=all(v.is_integer() for v in values))
    tick_texts = [format.number(t) for t in ticks]
    x_texts = {day: format_skeleton("MMMd", day, locale=language) for day in days}
    x_label_room = max(_text_width(t) for t in x_texts.values()) + 8

    # Plot area: tick labels on the left, date labels below; half a date label of room at each end.
    left = max(max(_text_width(t) for t in tick_texts) + 8, x_label_room / 2)
    right = width - x_label_room / 2
    top, bottom = TITLE_FONT + 20, height - FONT - 10
    slot = (right - left) / len(days)

    def y_of(value: float) -> float:
        return bottom - (bottom - top) * value / ticks[-1]

    body = []
    for tick, text in zip(ticks, tick_texts, strict=True):
        y = y_of(tick)
        body.append(Markup('<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}"/>').format(
            _c(left), _c(right), _c(y), _c(y), INK if tick == 0 else GRID))
        body.append(_text(left - 6, y + FONT / 3, text, "tick", "end", fill=MUTED))

    # Whole weeks from the locale's first weekday when days are too narrow for a label each; else every n days.
    step = next((n for n in (1, 2, 3, 7, 14, 28, 56, 91) if n * slot >= x_label_room), 364)
    week_start = Locale.parse(language).first_week_day
    for i, (day, value) in enumerate(zip(days, values, strict=True)):
        x = left + i * slot
        marked = day == highlight
        hover = f"{format.date(day)}: {format.number(value)}"
        body.append(Markup('<g class="day"><title>{}</title><rect class="slot" x="{}" y="{}" width="{}" height="{}" '
                           'fill="{}" pointer-events="all"/><rect class="bar{}" x="{}" y="{}" width="{}" height="{}" '
                           'fill="{}"/></g>').format(
            hover, _c(x), top, _c(slot), _c(bottom - top), HIGHLIGHT_SLOT if marked else "none",
            " highlight" if marked else "", _c(x + slot * 0.1), _c(y_of(value)), _c(slot * 0.8),
            _c(bottom - y_of(value)), HIGHLIGHT if marked else ACCENT))
        if step < 7:
            labelled = i % step == 0
        else:
            labelled = (day.weekday() - week_start) % 7 == 0 and (day - first).days // 7 % (step // 7) == 0
        if labelled:
            body.append(_text(x + slot / 2, height - 6, x_texts[day], "x-label", "middle", fill=MUTED))

    busiest = sorted((d for d in days if by_day.get(d)), key=lambda d: (-by_day[d], d))[:3]
    span = {"title": title, "start": format.date(first),
            "end": format.date(last), "total": format.number(sum(values))}
    if busiest:
        peaks = "; ".join(f"{format.date(d)} ({format.number(by_day[d])})" for d in busiest)
        desc = _("%(title)s, %(start)s to %(end)s: %(total)s in total; highest: %(days)s.", days=peaks, **span)
    else:
        desc = _("%(title)s, %(start)s to %(end)s: none recorded.", **span)
    return _svg(width, height, title, desc, body)
