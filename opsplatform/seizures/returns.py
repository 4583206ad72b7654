"""Nil returns and reporting completeness: for each country and day, seizures logged, nothing to report, or missing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, func, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform.database import utcnow
from opsplatform.errors import InvalidInput
from opsplatform.figures import rollup
from opsplatform.i18n import _
from opsplatform.models.operations import Operation, Participant
from opsplatform.models.reference import Country
from opsplatform.models.reporting import DailyFigure
from opsplatform.models.seizures import COUNTED_STATUSES, NilReturn, Seizure
from opsplatform.operations.services import logging_refusal
from opsplatform.policy import Member

# A day counts as reported on time when something arrived before the end of the following day (UTC).
ON_TIME = timedelta(days=2)


async def record_nil_return(session: AsyncSession, member: Member, country: str, day: date,
                            today: date | None = None) -> NilReturn:
    """Mark a day 'nothing to report' for a country (one the member logs for: see `reporting_country`); saying it
    twice changes nothing."""
    operation = member.operation
    if refusal := logging_refusal(member):
        raise InvalidInput.one("date", refusal)
    if problem := _outside_window(operation, day, today or utcnow().date()):
        raise InvalidInput.one("date", problem)
    if await session.scalar(select(Seizure.id).where(
            Seizure.operation_id == operation.id, Seizure.reporting_country == country, Seizure.seizure_date == day,
            Seizure.status.in_(COUNTED_STATUSES)).limit(1)):
        raise InvalidInput.one("date", _seizures_logged(day))
    existing = await session.scalar(select(NilReturn).where(NilReturn.operation_id == operation.id,
                                                            NilReturn.country_code == country, NilReturn.day == day))
    if existing is not None:
        return existing
    nil = NilReturn(operation_id=operation.id, country_code=country, day=day, created_by=member.user.id)
    session.add(nil)
    await session.flush()
    return nil


async def record_nil_returns(session: AsyncSession, member: Member, country: str, first: date, last: date,
                             today: date | None = None) -> tuple[list[date], list[date]]:
    """'Nothing to report' for each day from `first` to `last`: the days recorded, and the days skipped because the
    country logged seizures on them."""
    if refusal := logging_refusal(member):
        raise InvalidInput.one("date", refusal)
    today = today or utcnow().date()
    for name, day in (("date", first), ("to", last)):
        if problem := _outside_window(member.operation, day, today):
            raise InvalidInput.one(name, problem)
    if last < first:
        raise InvalidInput.one("to", _("must be on or after the first day (%(start)s)", start=first.isoformat()))
    recorded, skipped = [], []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        try:
            await record_nil_return(session, member, country, day, today)
        except InvalidInput:  # inside the window, the one refusal left is a day with seizures
            skipped.append(day)
        else:
            recorded.append(day)
    return recorded, skipped


def _outside_window(operation: Operation, day: date, today: date) -> str | None:
    if operation.register_country:  # kept when there is something to log, never day by day
        return _("a national register takes no nil returns: it holds the seizures made outside operations")
    if operation.start_date <= day <= min(operation.end_date, today):
        return None
    return _("must be a day of the window up to today (%(start)s to %(end)s)", start=operation.start_date.isoformat(),
             end=min(operation.end_date, today).isoformat())


def _seizures_logged(day: date) -> str:
    return _("seizures are logged for %(day)s: it cannot also be a nil return", day=day.isoformat())


@dataclass
class CountryRow:
    code: str
    name: str
    cells: list[str] = field(default_factory=list)  # per day: "seizures", "nil", "missing"
    on_time: int = 0

    @property
    def reported(self) -> int:
        return sum(1 for c in self.cells if c != "missing")

    @property
    def rate(self) -> float:
        return self.reported / len(self.cells) if self.cells else 0.0

    @property
    def timeliness(self) -> float:
        return self.on_time / len(self.cells) if self.cells else 0.0


@dataclass
class Completeness:
    days: list[date]
    rows: list[CountryRow]

    @property
    def rate(self) -> float:
        cells = sum(len(r.cells) for r in self.rows)
        return sum(r.reported for r in self.rows) / cells if cells else 0.0

    @property
    def timeliness(self) -> float:
        cells = sum(len(r.cells) for r in self.rows)
        return sum(r.on_time for r in self.rows) / cells if cells else 0.0


async def completeness(session: AsyncSession, operation: Operation, today: date,
                       countries: list[str] | None = None) -> Completeness:
    """The countries × days grid up to today, like DHIS2 reporting rates; `countries` narrows it
    (a focal point's row)."""
    days = _days(operation, today)
    rows = {code: CountryRow(code, name) for code, name in (await session.execute(
        _participants(operation, countries).add_columns(Country.name).order_by(Country.name))).all()}
    first_seen: dict[tuple[str, date], tuple[str, datetime]] = {}
    for state, query in zip(("seizures", "nil"), _reports(operation, countries), strict=True):
        for country, day, at in (await session.execute(query)).all():
            first_seen.setdefault((country, day), (state, _aware(at)))
    deadlines = [datetime.combine(day, time.min, tzinfo=UTC) + ON_TIME for day in days]
    for row in rows.values():
        for day, deadline in zip(days, deadlines, strict=True):
            state, at = first_seen.get((row.code, day), ("missing", None))
            row.cells.append(state)
            if at is not None and at < deadline:
                row.on_time += 1
    return Completeness(days, list(rows.values()))


async def reporting_rate(session: AsyncSession, operation: Operation, today: date,
                         countries: list[str] | None = None) -> float:
    """The share of the grid's cells reported, `completeness(…).rate`, counted from the kept figures (with the nil
    returns and the records counted under another country's) rather than from every record."""
    days = _days(operation, today)
    if not days:
        return 0.0
    reports = union(*reports_by_day(operation.id)).subquery()
    country, day = reports.c
    reported = await session.scalar(select(func.count()).select_from(reports).where(
        country.in_(_participants(operation, countries)), day.between(days[0], days[-1])))
    cells = len(days) * (await session.scalar(
        select(func.count()).select_from(_participants(operation, countries).subquery())) or 0)
    return (reported or 0) / cells if cells else 0.0


def _days(operation: Operation, today: date) -> list[date]:
    """The days of the grid: the window up to today."""
    last = min(operation.end_date, today)
    return [operation.start_date + timedelta(days=i) for i in range(max((last - operation.start_date).days + 1, 0))]


def _participants(operation: Operation, countries: list[str] | None) -> Select:
    """The grid's countries: the operation's participants, narrowed to `countries` when given."""
    query = select(Participant.country_code).join(Country, Country.alpha3 == Participant.country_code) \
        .where(Participant.operation_id == operation.id)
    return query if countries is None else query.where(Participant.country_code.in_(countries))


def _reports(operation: Operation, countries: list[str] | None) -> tuple[Select, Select]:
    """(country, day, first moment) of what reported a day: its counted records, then its nil returns."""
    # A day is reported from its first counted record, whether counted under this country or, being the same
    # shipment, under another's: read from the records, since a record moved to another day takes its moment along.
    logged = select(Seizure.reporting_country, Seizure.seizure_date, func.min(Seizure.created_at)) \
        .where(Seizure.operation_id == operation.id, Seizure.status.in_(COUNTED_STATUSES)) \
        .group_by(Seizure.reporting_country, Seizure.seizure_date)
    nil = select(NilReturn.country_code, NilReturn.day, NilReturn.created_at) \
        .where(NilReturn.operation_id == operation.id)
    if countries is not None:
        logged = logged.where(Seizure.reporting_country.in_(countries))
        nil = nil.where(NilReturn.country_code.in_(countries))
    return logged, nil


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def linked_records(operation_id: int) -> Select:
    """Records counted once under another country's (the same shipment): their country still reported that day."""
    # Found through the (nearly empty) same-shipment index first: the operation's own rows are many.
    linked = select(Seizure.id).where(Seizure.same_shipment_as_id.is_not(None)).scalar_subquery()
    return select(Seizure.reporting_country, Seizure.seizure_date, Seizure.created_at).where(
        Seizure.id.in_(linked), Seizure.operation_id == operation_id, Seizure.status.in_(COUNTED_STATUSES))


def reported_without_figures(operation_id: int | None, day: date | None = None, by_day: bool = False) -> list[Select]:
    """The countries (with the day, `by_day`) that reported (on `day`, or on any day) other than by a seizure in the
    figures: a nil return, or a record counted under another country's (the same shipment). With the figures'
    countries, who reported."""
    nil = select(NilReturn.country_code, *((NilReturn.day,) if by_day else ())) \
        .where(NilReturn.operation_id == operation_id)
    linked = linked_records(operation_id).with_only_columns(
        Seizure.reporting_country, *((Seizure.seizure_date,) if by_day else ()))
    if day is not None:
        nil, linked = nil.where(NilReturn.day == day), linked.where(Seizure.seizure_date == day)
    return [nil, linked]


def reports_by_day(operation_id: int, day: date | None = None) -> list[Select]:
    """(country, day) of every report, as the daily returns grid counts them: the figures' days with seizures, then
    the nil returns and the records counted under another country's."""
    daily = DailyFigure.__table__
    seized = rollup.read(daily, daily.c.operation_id == operation_id, daily.c.dimension == "total",
                         *((daily.c.day == day,) if day is not None else ()), by_day=True) \
        .with_only_columns(daily.c.country, daily.c.day)
    return [seized, *reported_without_figures(operation_id, day, by_day=True)]


async def silent_countries(session: AsyncSession, operation: Operation, day: date | None = None) -> list[str]:
    """Participants with neither a seizure nor a nil return (on `day`, or on any day at all), as completeness counts."""
    heard = union(*reports_by_day(operation.id, day)).subquery()
    return list((await session.scalars(_participants(operation, None).where(
        Participant.country_code.not_in(select(heard.c[0]))).order_by(Country.name))).all())
