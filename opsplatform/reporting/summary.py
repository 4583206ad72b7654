"""The results in figures, computed by the database (GROUP BY): the CONTRACT.md summary and the dashboard's
breakdowns. Every query starts from the same filtered, access-checked set of counted seizures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, distinct, func, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import policy
from opsplatform.auth.models import User
from opsplatform.operations.models import Operation, Participant
from opsplatform.reference.models import Country, NetworkMember, Region, Taxon
from opsplatform.reporting.filters import ResultFilter
from opsplatform.seizures.models import COUNTED_STATUSES, NilReturn, Seizure, SeizureItem

UNKNOWN = "unknown"


@dataclass
class Scope:
    """The seizures a view counts: one operation, counted statuses, the filter, and the viewer's access."""

    operation: Operation
    user: User
    filter: ResultFilter

    def seizures(self) -> Select:
        return select(Seizure.id).where(
            Seizure.operation_id == self.operation.id, Seizure.status.in_(COUNTED_STATUSES),
            self.filter.seizure_clause(), policy.aggregate_access(self.user))

    def counted(self) -> Any:
        """The counted seizures with the columns breakdowns group by, as a subquery."""
        return select(Seizure).where(Seizure.id.in_(self.seizures())).subquery("counted")


def _rows(result: Any, key: str, value: str = "seizures") -> list[dict[str, Any]]:
    return [{key: k if k is not None else UNKNOWN, value: n} for k, n in result]


async def _by_column(session: AsyncSession, scope: Scope, column: str, key: str) -> list[dict[str, Any]]:
    counted = scope.counted()
    group = counted.c[column]
    return _rows((await session.execute(select(group, func.count()).group_by(group)
                                        .order_by(func.count().desc(), group))).all(), key)


async def by_country(session: AsyncSession, scope: Scope) -> list[dict[str, Any]]:
    counted = scope.counted()
    rows = (await session.execute(
        select(counted.c.reporting_country, func.count(), func.coalesce(func.sum(counted.c.suspects_arrested), 0))
        .group_by(counted.c.reporting_country).order_by(func.count().desc(), counted.c.reporting_country))).all()
    entries = [{"country": c, "seizures": n, "suspects_arrested": int(a)} for c, n, a in rows]
    if not policy.names_only_consenting(scope.user):
        return entries
    named = set((await session.scalars(select(Participant.country_code).where(
        Participant.operation_id == scope.operation.id, Participant.publicity == "named"))).all())
    other = {"country": "other", "seizures": 0, "suspects_arrested": 0}
    for entry in [e for e in entries if e["country"] not in named]:
        other["seizures"] += entry["seizures"]
        other["suspects_arrested"] += entry["suspects_arrested"]
    return [e for e in entries if e["country"] in named] + ([other] if other["seizures"] else [])


async def by_item(session: AsyncSession, scope: Scope, *columns: Any) -> list[tuple[Any, ...]]:
    """Items of counted seizures grouped by `columns`: (…columns, seizures involving them, summed quantity)."""
    return (await session.execute(
        select(*columns, func.count(distinct(SeizureItem.seizure_id)), func.sum(SeizureItem.normalised_quantity))
        .join(Taxon, Taxon.id == SeizureItem.taxon_id)
        .where(SeizureItem.seizure_id.in_(scope.seizures()), scope.filter.item_clause())
        .group_by(*columns).order_by(func.count(distinct(SeizureItem.seizure_id)).desc(), *columns))).all()


async def countries_block(session: AsyncSession, scope: Scope) -> dict[str, int]:
    operation = scope.operation
    participating = select(Participant.country_code).where(Participant.operation_id == operation.id)
    if policy.names_only_consenting(scope.user):
        participating = participating.where(Participant.publicity != "none")
    with_seizures = select(Seizure.reporting_country).where(Seizure.id.in_(scope.seizures()))
    nil = select(NilReturn.country_code).where(NilReturn.operation_id == operation.id)
    reporting = union(with_seizures, nil).subquery()
    count = lambda q: select(func.count()).select_from(q.subquery())  # noqa: E731
    return {
        "participating": await session.scalar(count(participating)) or 0,
        "reporting": await session.scalar(select(func.count()).select_from(reporting).where(
            reporting.c[0].in_(participating))) or 0,
        "with_seizures": await session.scalar(count(with_seizures.distinct())) or 0,
    }


async def summary(session: AsyncSession, operation: Operation, user: User,
                  result_filter: ResultFilter | None = None) -> dict[str, Any]:
    """The CONTRACT.md summary: counted seizures only, each once however many items it has."""
    scope = Scope(operation, user, result_filter or ResultFilter())
    counted = scope.counted()
    seizures, arrested = (await session.execute(
        select(func.count(), func.coalesce(func.sum(counted.c.suspects_arrested), 0)))).one()
    return {
        "operation": operation.code,
        "window": {"start": operation.start_date.isoformat(), "end": operation.end_date.isoformat()},
        "countries": await countries_block(session, scope),
        "seizures": seizures, "suspects_arrested": int(arrested),
        "by_country": await by_country(session, scope),
        "by_taxon_group": [{"group": g, "seizures": n} for g, n, _q in await by_item(session, scope, Taxon.taxon_group)],
        "by_term_unit": [{"term": t, "unit": u, "quantity": round(q, 3), "seizures": n}
                         for t, u, n, q in await by_item(session, scope, SeizureItem.term_code,
                                                          SeizureItem.normalised_unit)],
        "by_transport_mode": [{"mode": r["x"], "seizures": r["seizures"]}
                              for r in await _by_column(session, scope, "transport_mode", "x")],
        "by_detection_method": [{"method": r["x"], "seizures": r["seizures"]}
                                for r in await _by_column(session, scope, "detection_method", "x")],
        "by_day": [{"date": d.isoformat() if isinstance(d, date) else str(d), "seizures": n}
                   for d, n in (await session.execute(select(counted.c.seizure_date, func.count())
                                                      .group_by(counted.c.seizure_date)
                                                      .order_by(counted.c.seizure_date))).all()],
    }


async def breakdowns(session: AsyncSession, operation: Operation, user: User, result_filter: ResultFilter,
                     now: datetime) -> dict[str, Any]:
    """What the dashboard shows beyond the summary: regions, networks, taxa, agencies, places, concealment, flows."""
    scope = Scope(operation, user, result_filter)
    counted = scope.counted()
    region = (await session.execute(
        select(Region.name, func.count()).select_from(counted)
        .join(Country, Country.alpha3 == counted.c.reporting_country)
        .outerjoin(Region, Region.code == Country.region_code)
        .group_by(Region.name).order_by(func.count().desc()))).all()
    network = (await session.execute(
        select(NetworkMember.network_code, func.count()).select_from(counted)
        .join(NetworkMember, NetworkMember.country_code == counted.c.reporting_country)
        .group_by(NetworkMember.network_code).order_by(func.count().desc()))).all()
    flows = (await session.execute(
        select(counted.c.origin_country, counted.c.destination_country, func.count())
        .where(counted.c.origin_country.is_not(None), counted.c.destination_country.is_not(None))
        .group_by(counted.c.origin_country, counted.c.destination_country).order_by(func.count().desc()))).all()
    yesterday = now - timedelta(days=1)
    new = await session.scalar(select(func.count()).select_from(counted).where(counted.c.created_at >= yesterday))
    return {
        "by_region": _rows(region, "region"), "by_network": _rows(network, "network"),
        "by_taxon": [{"taxon": t, "seizures": n} for t, n, _q in await by_item(session, scope, Taxon.scientific_name)],
        "by_agency": await _by_column(session, scope, "agency", "agency"),
        "by_location_type": await _by_column(session, scope, "location_type", "location_type"),
        "by_concealment": (await _by_column(session, scope, "concealment", "concealment"))[:15],
        "flows": [{"origin": o, "destination": d, "seizures": n} for o, d, n in flows],
        "new_since_yesterday": new or 0,
    }

