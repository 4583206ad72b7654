"""How numbers read, in the current language: one place for pages, charts, maps and documents. It never raises,
whatever a stored value is (an absurd one reads in scientific notation, a missing or infinite one as a dash)."""

from __future__ import annotations

import math

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
    return format_decimal(value, locale=current_language())
