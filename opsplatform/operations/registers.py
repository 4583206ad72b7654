"""A country's national register: the seizures its focal points log outside any operation, one register a calendar
year, so that the country's annual illegal trade report (which selects by country and year) covers its whole year.

A register is an operation of its own kind (`Operation.register_country`): code REG-KEN-2026, window the calendar
year, its one participant the country, no team. Its closed group is therefore that country's focal points alone (and
the command line); coordinators, analysts and other countries never see it. It is found or created when a focal point
first asks for it, and takes no part in reminders, nil returns or public releases.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform.database import claim, utcnow
from opsplatform.errors import InvalidInput
from opsplatform.i18n import _
from opsplatform.models.operations import FocalPoint, Operation, Participant, Phase, Publicity
from opsplatform.models.reference import Country

# Corrections stay open until the report on the year is due: 31 October of the following year.
REPORT_DUE = (10, 31)


def register_code(country: str, year: int) -> str:
    return f"REG-{country}-{year}"


def register_years(today: date) -> list[int]:
    """The years a register may be opened for: this one, and the last while its report is not yet due."""
    return [today.year, *([today.year - 1] if today <= date(today.year, *REPORT_DUE) else [])]


async def national_register(session: AsyncSession, country: str, year: int, today: date,
                            focal_point: int | None) -> Operation:
    """The country's register for `year`, created the first time it is asked for (once, however many ask at once:
    the caller's transaction holds nothing else yet). The focal point who asks joins its directory, so that notices
    and suspect-match contacts reach those who keep it."""
    register = await _register(session, country, year, today, focal_point)
    if focal_point is not None:  # once, also when the same focal point asks twice at the same moment
        now = utcnow()
        await claim(session, FocalPoint.__table__, {"operation_id": register.id, "country_code": country,
                                                    "user_id": focal_point, "invited_at": now, "accepted_at": now})
    return register


async def _register(session: AsyncSession, country: str, year: int, today: date, created_by: int | None) -> Operation:
    code = register_code(country, year)
    if (found := await session.scalar(select(Operation).where(Operation.code == code))) is not None:
        return found
    if year not in register_years(today):
        raise InvalidInput.one("year", _("a national register is opened for %(years)s", years=_(" or ").join(
            str(y) for y in register_years(today))))
    name = await session.scalar(select(Country.name).where(Country.alpha3 == country))
    if name is None:
        raise InvalidInput.one("country", _("unknown country code %(code)s (use ISO 3166-1 alpha-3, e.g. KEN)",
                                            code=country))
    start, end = date(year, 1, 1), date(year, 12, 31)
    register = Operation(code=code, name=f"National register of {name}, {year}", start_date=start, end_date=end,
                         grace_days=(date(year + 1, *REPORT_DUE) - end).days, register_country=country,
                         phase=Phase.active if today <= end else Phase.reporting, created_by=created_by)
    session.add(register)
    try:
        await session.flush()  # waits for another opening of it still under way, then fails if that one committed
    except IntegrityError:  # another focal point of the country opened it at the same moment: theirs stands
        await session.rollback()
        return await session.scalar(select(Operation).where(Operation.code == code))
    # No release: the country's figures in it are never published.
    session.add(Participant(operation_id=register.id, country_code=country, publicity=Publicity.none))
    await session.flush()
    return register
