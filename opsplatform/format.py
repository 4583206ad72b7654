"""How numbers, dates and map labels read, in the current language: one place for pages, charts, maps and documents.
It never raises, whatever a stored value is (an absurd number reads in scientific notation, a missing or infinite one
as a dash)."""

from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_scientific

from opsplatform.i18n import current_language

LARGE = 10**15  # past this babel's decimal context gives up; no real quantity or value gets here


def number(value: float | int | None) -> str:
    """1,234.5 in English, 1 234,5 in French; whole numbers without a decimal part."""
    if value is None:
        return ""
    if isinstance(value, float):
        if not math.isfinite(value):
            return "—"
        if value.is_integer():
            value = int(value)
    if abs(value) >= LARGE:
        return format_scientific(value, "#.###E0", locale=current_language())
    return _decimal(value, current_language())


@lru_cache(maxsize=4096, typed=True)  # typed: 1, 1.0 and True are one key otherwise
def _decimal(value: float | int, language: str) -> str:
    """babel's reading of a number, kept: pages and maps write the same counts again and again, at 30-40 µs each."""
    return format_decimal(value, locale=language)


def date(value: dt.date | dt.datetime | str | None, width: str = "medium") -> str:
    """A day or moment in the current language (3 Oct 2026; 3 oct. 2026). ISO text (as kept in frozen figures and
    documents, written by the app itself) is read first."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value[:10])
    # Keyed by the time zone too: one instant in two zones is one key otherwise, and babel reads each in its own.
    return _date(value, getattr(value, "tzinfo", None), width, current_language())


@lru_cache(maxsize=4096)
def _date(value: dt.date | dt.datetime, _zone: dt.tzinfo | None, width: str, language: str) -> str:
    """babel's reading of a day or moment, kept: pages list the same days and moments again and again, at 70 µs each."""
    if isinstance(value, dt.datetime):
        return format_datetime(value, format=width, locale=language, tzinfo=None)
    return format_date(value, format=width, locale=language)
