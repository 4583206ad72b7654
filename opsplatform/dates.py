"""Dates and instants as people send them (a form, a sheet cell, JSON, a query, a command-line option): read in one
place, and a problem said in one wording, in the reader's language.

A day is read as YYYY-MM-DD always, and as the locale it is read in (`checks.read_in`) writes days in short: its
order of day and month (02/10/2026 is 2 October in French and British English, 10 February in American English),
with /, . or - between the parts and the year in full; a year written first (2026/10/02) is always year, month, day.
Where the locale writes the year first, a date ending in its year has no known order and is read only when one part
cannot be a month (13/10/2026); two parts that could each be the month, or a year in two digits, are ambiguous and
refused, never guessed. A spreadsheet's date cell is a date, not text."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import cache

from babel.dates import get_date_format

from opsplatform.checks import Ambiguous, reading_locale, shown_back
from opsplatform.errors import InvalidInput
from opsplatform.i18n import _

YEARS = range(1900, 3000)  # no date or moment of this work is further off: an embargo, a register's year
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
MIDNIGHT = re.compile(r"[ T]00:00(:00(\.0+)?)?$")  # spreadsheets write a date cell with a midnight time


SHORT_DAY = re.compile(r"(\d{1,4})([./-])(\d{1,2})\2(\d{1,4})\.?")


def day(value: object) -> date | None:
    """The day written YYYY-MM-DD or in the reading locale's short form (a midnight time after it is allowed), or None
    when the value is not one or is ambiguous (`day_problem` says which)."""
    if not isinstance(value, str):
        return None
    text = MIDNIGHT.sub("", value.strip())
    try:
        if ISO_DAY.fullmatch(text):
            return date.fromisoformat(text)
        return _short(text, reading_locale())
    except (ValueError, Ambiguous):  # 2026-02-30; 02/10/26
        return None


def _short(text: str, locale: str) -> date | None:
    match = SHORT_DAY.fullmatch(text)
    if match is None:
        return None
    first, second, last = match[1], match[3], match[4]
    if len(first) == 4:
        return date(int(first), int(second), int(last)) if len(last) <= 2 else None
    if len(first) > 2:
        return None
    if len(last) != 4:
        raise Ambiguous(text)  # a year in two digits: which century
    one, two = int(first), int(second)
    order = _order(locale)
    if order == "ymd":  # the locale puts the year first: only a part that cannot be the month tells
        if one != two and min(one, two) <= 12 and max(one, two) <= 12:
            raise Ambiguous(text)
        order = "dmy" if one > 12 else "mdy"
    return date(int(last), two, one) if order == "dmy" else date(int(last), one, two)


@cache
def _order(locale: str) -> str:
    """The order of day, month and year in the locale's short date ("dmy", "mdy" or "ymd")."""
    pattern = get_date_format("short", locale=locale).pattern
    positions = {part: pattern.find(part) for part in "dMy"}
    if min(positions.values()) < 0:
        return "ymd"
    return "".join(sorted("dmy", key=lambda part: positions["M" if part == "m" else part]))


def short_example(locale: str) -> str:
    """2 October 2026 as the locale's order writes it with the year in full: what a sheet in that language holds."""
    order = _order(locale)
    return {"dmy": "02/10/2026", "mdy": "10/02/2026"}.get(order, "2026/10/02")

def ambiguous_day(value: object) -> bool:
    """Whether a value is a date with two readings in the locale it is read in."""
    if not isinstance(value, str):
        return False
    try:
        _short(MIDNIGHT.sub("", value.strip()), reading_locale())
    except Ambiguous:
        return True
    except ValueError:
        return False
    return False


def moment(value: object) -> datetime | None:
    """An instant in ISO 8601 such as 2027-03-03T09:00:00Z, in UTC (UTC too when no zone is given), or None."""
    if not isinstance(value, str) or not ISO_DAY.match(value.strip()):
        return None
    try:
        read = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        read = read.replace(tzinfo=UTC) if read.tzinfo is None else read.astimezone(UTC)
    except (ValueError, OverflowError):  # 9999-12-31T23:59-14:00 is past the last instant Python can hold
        return None
    return read if read.year in YEARS else None


def day_problem(value: object, *, quoted: bool = True) -> str:
    """What is wrong with a value `day` could not read. A date of birth is not quoted back (it is nominal data)."""
    if value is None or isinstance(value, str) and not value.strip():
        return _("is required (YYYY-MM-DD)")
    if ambiguous_day(value):
        if not quoted:
            return _("is ambiguous: its day and month, or its century, could be read two ways; write it as YYYY-MM-DD")
        return _('is ambiguous: "%(value)s" could be read as two different days (day and month, or the century); '
                 'write it as YYYY-MM-DD', value=shown_back(value))
    if not quoted:
        return _("must be a date as YYYY-MM-DD")
    return _('must be a date as YYYY-MM-DD (got "%(value)s")', value=shown_back(value))


def moment_problem() -> str:
    return _("must be a date and time such as 2027-03-03T09:00:00Z (UTC when no zone is given)")


def required_day(value: object, field: str) -> date:
    """The day, or InvalidInput naming the field."""
    if (read := day(value)) is None:
        raise InvalidInput.one(field, day_problem(value))
    return read
