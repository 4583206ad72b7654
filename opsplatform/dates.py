"""Dates and instants as people send them (a form, a sheet cell, JSON, a query, a command-line option): read in one
place, and a problem said in one wording, in the reader's language."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from opsplatform.errors import InvalidInput
from opsplatform.i18n import _

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
MIDNIGHT = re.compile(r"[ T]00:00(:00(\.0+)?)?$")  # spreadsheets write a date cell with a midnight time


def day(value: object) -> date | None:
    """The day written YYYY-MM-DD (a midnight time after it is allowed), or None when the value is not one."""
    if not isinstance(value, str):
        return None
    text = MIDNIGHT.sub("", value.strip())
    if not ISO_DAY.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:  # 2026-02-30
        return None


def moment(value: object) -> datetime | None:
    """An instant in ISO 8601 such as 2027-03-03T09:00:00Z, in UTC (UTC too when no zone is given), or None."""
    if not isinstance(value, str) or not ISO_DAY.match(value.strip()):
        return None
    try:
        read = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return read.replace(tzinfo=UTC) if read.tzinfo is None else read.astimezone(UTC)


def day_problem(value: object, *, quoted: bool = True) -> str:
    """What is wrong with a value `day` could not read. A date of birth is not quoted back (it is nominal data)."""
    if value is None or isinstance(value, str) and not value.strip():
        return _("is required (YYYY-MM-DD)")
    if not quoted:
        return _("must be a date as YYYY-MM-DD")
    return _('must be a date as YYYY-MM-DD (got "%(value)s")', value=value)


def moment_problem() -> str:
    return _("must be a date and time such as 2027-03-03T09:00:00Z (UTC when no zone is given)")


def required_day(value: object, field: str) -> date:
    """The day, or InvalidInput naming the field."""
    if (read := day(value)) is None:
        raise InvalidInput.one(field, day_problem(value))
    return read
