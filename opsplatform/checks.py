"""Text, numbers and codes as people send them (a form, a sheet cell, JSON, an operation file): read in one place, and a
problem said in one wording, in the reader's language. Dates have their own module, `dates`.

A typed number may carry grouping: "1,234.5" and "1.234,5", "1 234,5" and "1'234.5" all read 1234.5. The one
ambiguous shape, a single separator followed by exactly three digits ("1,234", "1.500"), reads as the reader's
language writes numbers: grouping where that separator groups digits (1234 in English for "1,234", 1500 in Spanish
for "1.500"), a decimal point elsewhere (1.234 in French), as a spreadsheet set to that language reads it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from babel.numbers import get_group_symbol

from opsplatform.i18n import _, current_language

# Spaces that group digits: the ordinary one, no-break and narrow no-break (French), thin; and the Swiss apostrophe.
_SPACES = re.compile(r"[ \u00a0\u202f\u2009']")
_PLAIN = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
# Digits grouped by threes with one separator, optionally a decimal part after the other one.
_GROUPED = {sep: re.compile(rf"[+-]?\d{{1,3}}(\{sep}\d{{3}})+") for sep in ",."}


def text(value: object) -> str:
    """Text as typed, trimmed, its lines ending in a newline whatever the browser or system sent: browsers send a
    textarea's line breaks as CRLF, which would otherwise run paragraphs together where text is split on them."""
    if value is None:
        return ""
    return (value if isinstance(value, str) else str(value)).replace("\r\n", "\n").replace("\r", "\n").strip()


def number(value: object) -> float | None:
    """The finite number a value holds (a JSON number, or text as typed), or None when it holds none."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            read = float(value)
        except OverflowError:  # an int beyond a float's range
            return None
        return read if math.isfinite(read) else None
    if not isinstance(value, str):
        return None
    text = _plain(_SPACES.sub("", value.strip()))
    if text is None or not _PLAIN.fullmatch(text):
        return None
    read = float(text)
    return read if math.isfinite(read) else None


def _plain(text: str) -> str | None:
    """The text with grouping removed and a point for decimals, or None when its separators make no number."""
    commas, points = text.count(","), text.count(".")
    if commas and points:  # the last separator is the decimal one, the other groups digits
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        group = "." if decimal == "," else ","
        whole, _sep, fraction = text.rpartition(decimal)
        if not _GROUPED[group].fullmatch(whole):
            return None
        return whole.replace(group, "") + "." + fraction
    separator = "," if commas else "." if points else ""
    if not separator:
        return text
    if text.count(separator) > 1:  # "1,234,567": only grouping repeats
        return text.replace(separator, "") if _GROUPED[separator].fullmatch(text) else None
    whole, _sep, fraction = text.partition(separator)
    if len(fraction) == 3 and _GROUPED[separator].fullmatch(text) and _groups_digits(separator):
        return whole + fraction
    return whole + "." + fraction


def _groups_digits(separator: str) -> bool:
    return get_group_symbol(current_language()) == separator


def whole(value: object, low: int, high: int) -> int | None:
    """The whole number from `low` to `high` a value holds, or None."""
    read = number(value)
    return int(read) if read is not None and read.is_integer() and low <= read <= high else None


def number_problem(value: object, *, whole: bool = False, strict: bool = False) -> str:
    """What is wrong with a value that is not a number of 0 or more (greater than 0 when strict; whole when whole)."""
    text = _quoted(value)
    # One literal per message, so that extraction finds each of them.
    if whole:
        return _('must be a whole number of 0 or more (got "%(value)s")', value=text)
    if strict:
        return _('must be a number greater than 0 (got "%(value)s")', value=text)
    return _('must be a number of 0 or more (got "%(value)s")', value=text)


def range_problem(value: object, low: float, high: float) -> str:
    return _('must be a whole number from %(low)s to %(high)s (got "%(value)s")', low=low, high=high,
             value=_quoted(value))


def too_large(value: object, maximum: float) -> str:
    return _('must be at most %(n)s (got "%(value)s")', n=f"{maximum:,.0f}", value=_quoted(value))


def code_problem(value: object, codes: Iterable[str]) -> str:
    """A value that is not one of `codes`; the codes are listed so that the reader can pick one."""
    return _('must be one of %(values)s (got "%(value)s")', values=", ".join(codes), value=_quoted(value))


def _quoted(value: object) -> str:
    return (value if isinstance(value, str) else "" if value is None else str(value)).strip()[:30]
