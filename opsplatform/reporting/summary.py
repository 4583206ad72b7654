"""The results in figures, computed by the database (GROUP BY): the CONTRACT.md summary and the dashboard's
breakdowns. Every query starts from the same filtered, access-checked set of counted seizures.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Float, Select, String, cast, distinct, func, literal, null, select, union, union_all
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

    def where(self) -> tuple[Any, ...]:
        return (Seizure.operation_id == self.operation.id, Seizure.status.in_(COUNTED_STATUSES),
                self.filter.seizure_clause(), policy.aggregate_access(self.user))

    def seizures(self) -> Select:
        return select(Seizure.id).where(*self.where())

    def counted(self) -> Any:
        """The counted seizures with the columns breakdowns group by, as a subquery."""
        return select(Seizure).where(*self.where()).subquery("counted")


def _rows(result: Any, key: str, value: str = "seizures") -> list[dict[str, Any]]:
    return [{key: k if k is not None else UNKNOWN, value: n} for k, n in result]


async def _by_column(session: AsyncSession, scope: Scope, column: str, key: str) -> list[dict[str, Any]]:
    counted = scope.counted()
    group = counted.c[column]
    return _rows((await session.execute(select(group, func.count()).group_by(group)
                                        .order_by(func.count().desc(), group))).all(), key)


async def fold_unnamed(session: AsyncSession, scope: Scope, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For a press officer, countries that did not consent to be named are counted together as "other"."""
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


def _figures_query(scope: Scope) -> Any:
    """Every figure of the summary in one statement (one pass over the counted seizures, as a hand-written query)."""
    counted = select(Seizure).where(*scope.where()).cte("counted")
    items = (select(SeizureItem.seizure_id, SeizureItem.term_code, SeizureItem.normalised_unit,
                    SeizureItem.normalised_quantity, Taxon.taxon_group)
             .join(counted, counted.c.id == SeizureItem.seizure_id).join(Taxon, Taxon.id == SeizureItem.taxon_id)
             .where(scope.filter.item_clause()).cte("counted_items"))
    none = cast(null(), String)
    arrested = func.sum(counted.c.suspects_arrested)
    participating = select(Participant.country_code).where(Participant.operation_id == scope.operation.id)
    if policy.names_only_consenting(scope.user):
        participating = participating.where(Participant.publicity != "none")
    reporting = union(select(counted.c.reporting_country),
                      select(NilReturn.country_code).where(NilReturn.operation_id == scope.operation.id)).subquery()

    def tally(kind: str, query: Select) -> Select:
        return select(literal(kind), none, none, func.count(), cast(null(), Float)).select_from(query.subquery())

    def per_seizure(kind: str, column: Any = None, total: Any = None) -> Select:
        key = none if column is None else cast(column, String)
        query = select(literal(kind), key, none, func.count(), cast(total if total is not None else null(), Float))
        return query.select_from(counted) if column is None else query.group_by(column)

    return union_all(
        per_seizure("total", total=arrested),
        tally("participating", participating),
        tally("with_seizures", select(counted.c.reporting_country).distinct()),
        tally("reporting", select(reporting.c[0]).where(reporting.c[0].in_(participating))),
        per_seizure("country", counted.c.reporting_country, arrested),
        per_seizure("mode", counted.c.transport_mode),
        per_seizure("method", counted.c.detection_method),
        per_seizure("day", counted.c.seizure_date),
        select(literal("group"), items.c.taxon_group, none, func.count(distinct(items.c.seizure_id)),
               cast(null(), Float)).group_by(items.c.taxon_group),
        select(literal("term"), items.c.term_code, items.c.normalised_unit, func.count(distinct(items.c.seizure_id)),
               func.sum(items.c.normalised_quantity)).group_by(items.c.term_code, items.c.normalised_unit))


def _ranked(entries: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return sorted(entries, key=lambda e: (-e["seizures"], str(e[key])))


async def summary(session: AsyncSession, operation: Operation, user: User,
                  result_filter: ResultFilter | None = None) -> dict[str, Any]:
    """The CONTRACT.md summary: counted seizures only, each once however many items it has."""
    scope = Scope(operation, user, result_filter or ResultFilter())
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
        "by_country": await fold_unnamed(session, scope, countries),
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
    """Routes (origin → transit… → destination), end-to-end flows, and the legs they travel, each with seizure counts."""
    paths: dict[tuple[str, ...], int] = {}
    flows: dict[tuple[str, str], int] = {}
    legs: dict[tuple[str, str], int] = {}
    for origin, transit, destination, n in routes:
        path = (origin, *json.loads(transit or "[]"), destination)
        paths[path] = paths.get(path, 0) + n
        flows[(origin, destination)] = flows.get((origin, destination), 0) + n
        for leg in zip(path, path[1:]):
            legs[leg] = legs.get(leg, 0) + n
    ranked = lambda counts, make: [make(k, n) for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]  # noqa: E731
    return {
        "routes": ranked(paths, lambda path, n: {"path": list(path), "seizures": n}),
        "flows": ranked(flows, lambda pair, n: {"origin": pair[0], "destination": pair[1], "seizures": n}),
        "legs": ranked(legs, lambda pair, n: {"origin": pair[0], "destination": pair[1], "seizures": n}),
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
    # Routes grouped by the database; the transit list is JSON, compared as its text on both engines.
    transit = cast(counted.c.transit_countries, String)
    routes = (await session.execute(
        select(counted.c.origin_country, transit, counted.c.destination_country, func.count())
        .where(counted.c.origin_country.is_not(None), counted.c.destination_country.is_not(None))
        .group_by(counted.c.origin_country, transit, counted.c.destination_country)
        .order_by(func.count().desc()))).all()
    yesterday = now - timedelta(days=1)
    new = await session.scalar(select(func.count()).select_from(counted).where(counted.c.created_at >= yesterday))
    return {
        "by_region": _rows(region, "region"), "by_network": _rows(network, "network"),
        "by_taxon": [{"taxon": t, "seizures": n} for t, n, _q in await by_item(session, scope, Taxon.scientific_name)],
        "by_agency": await _by_column(session, scope, "agency", "agency"),
        "by_location_type": await _by_column(session, scope, "location_type", "location_type"),
        "by_concealment": (await _by_column(session, scope, "concealment", "concealment"))[:15],
        **route_flows(routes),
        "new_since_yesterday": new or 0,
    }

