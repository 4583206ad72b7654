"""The results in figures, computed by the database (GROUP BY): the summary of docs/reference.md and the dashboard's
breakdowns. Every query starts from the same filtered, access-checked set of counted seizures.
"""

from __future__ import annotations

import heapq
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Float, Integer, Select, String, cast, func, literal, null, select, union, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from opsplatform import policy
from opsplatform.figures import rollup
from opsplatform.figures.consent import fold_unnamed
from opsplatform.figures.rollup import facts
from opsplatform.models.operations import Operation, Participant
from opsplatform.models.reference import Country, NetworkMember, Region
from opsplatform.models.reporting import DailyFigure, WindowFigure
from opsplatform.models.seizures import Seizure, counted
from opsplatform.policy import Member
from opsplatform.reporting.filters import ResultFilter
from opsplatform.seizures.returns import reported_without_figures

UNKNOWN = "unknown"
TOP_ROUTES = 50  # pages and briefings show the busiest few; flows and legs still count every route


@dataclass
class Scope:
    """The seizures a view counts: the member's operation, counted statuses, the filter, and the member's access."""

    member: Member
    filter: ResultFilter

    @property
    def operation(self) -> Operation:
        return self.member.operation

    def access(self, country: Any = Seizure.reporting_country) -> Any:
        return policy.aggregate_access(self.member, country, narrowed=self.filter.narrows_places)

    def where(self) -> tuple[Any, ...]:
        return (Seizure.operation_id == self.operation.id, counted(), self.filter.seizure_clause(), self.access())

    def seizures(self) -> Select:
        return select(Seizure.id).where(*self.where())

    def figures(self, *dimensions: str) -> Any:
        """The scope's figures (DailyFigure's columns but `day`) as a CTE: the window figures when the filter narrows
        only countries, the daily figures when it narrows dates too, otherwise computed from the records with the
        same definitions."""
        if self.filter.place_and_time_only:
            dated = self.filter.start or self.filter.end
            table = (DailyFigure if dated else WindowFigure).__table__
            return rollup.read(table, table.c.operation_id == self.operation.id, table.c.dimension.in_(dimensions),
                               self.filter.place_and_time(table.c.country, table.c.day if dated else None),
                               self.access(table.c.country)).cte("figures")
        return facts(self._counted(), self.filter.item_clause(), dimensions).cte("figures")

    def days(self) -> Select:
        """Seizures per day: from the daily figures, or from the records when the filter needs them."""
        if self.filter.place_and_time_only:
            table = DailyFigure.__table__
            daily = rollup.read(table, table.c.operation_id == self.operation.id, table.c.dimension == "total",
                                self.filter.place_and_time(table.c.country, table.c.day),
                                self.access(table.c.country), by_day=True).subquery()
            return select(daily.c.day, _total(daily.c.seizures)).group_by(daily.c.day)
        counted = self._counted()
        return select(counted.c.seizure_date, func.count()).group_by(counted.c.seizure_date)

    def _counted(self) -> Any:
        return select(Seizure).where(*self.where()).subquery("counted")


def _rows(result: Any, key: str, value: str = "seizures") -> list[dict[str, Any]]:
    return [{key: k if k is not None else UNKNOWN, value: int(n)} for k, n in result]


def _total(column: Any) -> Any:
    return cast(func.coalesce(func.sum(column), 0), Integer)


def _per_key(figures: Any, dimension: str, *, unit: bool = False, quantity: bool = False) -> Select:
    """(dimension, key, unit, seizures, quantity) per key of one dimension."""
    c = figures.c
    keys = (c.key, c.unit) if unit else (c.key,)
    return (select(literal(dimension), c.key, c.unit if unit else cast(null(), String), _total(c.seizures),
                   cast(func.sum(c.quantity), Float) if quantity else cast(null(), Float))
            .where(c.dimension == dimension).group_by(*keys))




def _figures_query(scope: Scope) -> Any:
    """Every figure of the summary in one statement over the scope's daily figures."""
    figures = scope.figures("total", "mode", "method", "group", "term")
    days = scope.days().subquery("days")
    c = figures.c
    is_total = c.dimension == "total"
    none = cast(null(), String)
    # The participants the filter's places keep: a view of one country or region counts its own (and who of them
    # reported), not the whole operation's; of those, only the ones whose figures the member sees (consent).
    participating = select(Participant.country_code).where(Participant.operation_id == scope.operation.id,
                                                           scope.filter.places(Participant.country_code),
                                                           scope.access(Participant.country_code))
    with_seizures = select(c.country).where(is_total).distinct()
    reporting = union(with_seizures, *reported_without_figures(scope.operation.id)).subquery()

    def tally(kind: str, query: Select) -> Select:
        return select(literal(kind), none, none, func.count(), cast(null(), Float)).select_from(query.subquery())

    return union_all(
        select(literal("total"), none, none, _total(c.seizures), cast(func.sum(c.arrested), Float)).where(is_total),
        tally("participating", participating),
        tally("with_seizures", with_seizures),
        tally("reporting", select(reporting.c[0]).where(reporting.c[0].in_(participating))),
        select(literal("country"), c.country, none, _total(c.seizures), cast(func.sum(c.arrested), Float))
        .where(is_total).group_by(c.country),
        select(literal("day"), cast(days.c[0], String), none, days.c[1], cast(null(), Float)),
        _per_key(figures, "mode"), _per_key(figures, "method"), _per_key(figures, "group"),
        _per_key(figures, "term", unit=True, quantity=True))


def _ranked(entries: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return sorted(entries, key=lambda e: (-e["seizures"], str(e[key])))


async def summary(session: AsyncSession, member: Member, result_filter: ResultFilter | None = None) -> dict[str, Any]:
    """The summary of the public interface: counted seizures only, each once however many items it has."""
    scope = Scope(member, result_filter or ResultFilter())
    operation = member.operation
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for kind, key, unit, count, total in (await session.execute(_figures_query(scope))).all():
        rows.setdefault(kind, []).append((key if key is not None else UNKNOWN, unit, count, total))
    [(_k, _u, seizures, arrested)] = rows["total"]
    countries = _ranked([{"country": k, "seizures": n, "suspects_arrested": int(t or 0)}
                         for k, _u, n, t in rows.get("country", [])], "country")
    return {
        "operation": operation.code,
        "window": {"start": operation.start_date.isoformat(), "end": operation.end_date.isoformat()},
        "countries": {k: rows[k][0][2] for k in ("participating", "reporting", "with_seizures")},
        "seizures": seizures, "suspects_arrested": int(arrested or 0),
        "by_country": await fold_unnamed(session, member, countries, ("seizures", "suspects_arrested")),
        "by_taxon_group": _ranked([{"group": k, "seizures": n} for k, _u, n, _t in rows.get("group", [])], "group"),
        "by_term_unit": sorted([{"term": k, "unit": u, "quantity": round(t or 0, 3), "seizures": n}
                                for k, u, n, t in rows.get("term", [])],
                               key=lambda e: (-e["seizures"], e["term"], e["unit"])),
        "by_transport_mode": _ranked([{"mode": k, "seizures": n} for k, _u, n, _t in rows.get("mode", [])], "mode"),
        "by_detection_method": _ranked([{"method": k, "seizures": n} for k, _u, n, _t in rows.get("method", [])],
                                       "method"),
        "by_day": sorted(({"date": str(k)[:10], "seizures": n} for k, _u, n, _t in rows.get("day", [])),
                         key=lambda e: e["date"]),
    }


def route_flows(routes: list[Any]) -> dict[str, list[dict[str, Any]]]:
    """The busiest routes (origin → transit… → destination), and the end-to-end flows and legs of all routes, each with
    seizure counts."""
    paths: dict[tuple[str, ...], int] = {}
    flows: dict[tuple[str, str], int] = {}
    legs: dict[tuple[str, str], int] = {}
    transits: dict[str | None, tuple[str, ...]] = {}  # thousands of routes share a few transit lists: parse each once
    for origin, transit, destination, n in routes:
        if transit not in transits:
            transits[transit] = tuple(json.loads(transit or "[]") or ())
        path = (origin, *transits[transit], destination)
        paths[path] = paths.get(path, 0) + n
        flows[(origin, destination)] = flows.get((origin, destination), 0) + n
        for leg in zip(path, path[1:], strict=False):
            legs[leg] = legs.get(leg, 0) + n
    return {
        "routes": [{"path": list(path), "seizures": n} for path, n in _busiest(paths, TOP_ROUTES)],
        **{name: [{"origin": origin, "destination": destination, "seizures": n}
                  for (origin, destination), n in _busiest(pairs)]
           for name, pairs in (("flows", flows), ("legs", legs))},
    }


def _busiest(counts: dict[Any, int], limit: int | None = None) -> list[tuple[Any, int]]:
    order = lambda kv: (-kv[1], kv[0])  # noqa: E731
    return heapq.nsmallest(limit, counts.items(), key=order) if limit else sorted(counts.items(), key=order)


async def route_figures(session: AsyncSession, member: Member, result_filter: ResultFilter) -> dict[str, Any]:
    """The busiest routes, and the end-to-end flows and legs of all routes (`route_flows`), from the routes' figures
    alone: the flows map needs nothing else of the dashboard."""
    c = Scope(member, result_filter).figures("route").c
    rows = (await session.execute(select(c.key, _total(c.seizures)).where(c.dimension == "route")
                                  .group_by(c.key))).all()
    return route_flows([(*key.split("|", 2), int(n)) for key, n in rows if key is not None])


async def breakdowns(session: AsyncSession, member: Member, result_filter: ResultFilter,
                     now: datetime) -> dict[str, Any]:
    """What the dashboard shows beyond the summary: regions, networks, taxa, agencies, places, concealment, flows."""
    scope = Scope(member, result_filter)
    figures = scope.figures("total", "taxon", "agency", "location_type", "concealment")
    c = figures.c
    by_key: dict[str, list[tuple[Any, int]]] = {}
    # One pass over the figures grouped by dimension and key (a UNION of one query per dimension rescans them each).
    for dimension, key, n in (await session.execute(select(c.dimension, c.key, _total(c.seizures))
                                                    .where(c.dimension != "total").group_by(c.dimension, c.key))).all():
        by_key.setdefault(dimension, []).append((key, int(n)))
    for entries in by_key.values():
        entries.sort(key=lambda kn: (-kn[1], str(kn[0])))
    region = (await session.execute(
        select(Region.name, _total(c.seizures)).select_from(figures)
        .join(Country, Country.alpha3 == c.country).outerjoin(Region, Region.code == Country.region_code)
        .where(c.dimension == "total").group_by(Region.name).order_by(_total(c.seizures).desc()))).all()
    network = (await session.execute(
        select(NetworkMember.network_code, _total(c.seizures)).select_from(figures)
        .join(NetworkMember, NetworkMember.country_code == c.country)
        .where(c.dimension == "total").group_by(NetworkMember.network_code)
        .order_by(_total(c.seizures).desc()))).all()
    # Found through the creation moments first: the operation's own index would have every record read to check it.
    recent = aliased(Seizure)
    new = await session.scalar(select(func.count()).where(*scope.where(), Seizure.id.in_(
        select(recent.id).where(recent.created_at >= now - timedelta(days=1)))))
    return {
        "by_region": _rows(region, "region"), "by_network": _rows(network, "network"),
        "by_taxon": _rows(by_key.get("taxon", []), "taxon"),
        "by_agency": _rows(by_key.get("agency", []), "agency"),
        "by_location_type": _rows(by_key.get("location_type", []), "location_type"),
        "by_concealment": _rows(by_key.get("concealment", []), "concealment")[:15],
        **await route_figures(session, member, result_filter),
        "new_since_yesterday": new or 0,
    }
