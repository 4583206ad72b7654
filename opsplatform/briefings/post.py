"""The post-operation briefing: results by country, region and network, taxa, terms with units, modes, detection,
concealment, routes and flows, arrests, case follow-up, reporting completeness and timeliness, data quality, and
the comparison with the previous operation of the same series."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import policy
from opsplatform.briefings.brief import Brief
from opsplatform.briefings.pre import label_points
from opsplatform.cases.followup import followup_funnel
from opsplatform.i18n import _
from opsplatform.labels import term_unit_label
from opsplatform.models.operations import Operation
from opsplatform.models.reference import TradeTerm
from opsplatform.models.seizures import Seizure, SeizureItem, Suspect
from opsplatform.models.vocabulary import CASE_STAGES
from opsplatform.policy import Member
from opsplatform.reference.lookup import coded_names, term_names
from opsplatform.reporting import static_maps
from opsplatform.reporting.dashboard import result_charts
from opsplatform.reporting.filters import ResultFilter
from opsplatform.reporting.summary import Scope, breakdowns, summary
from opsplatform.seizures import returns
from opsplatform.settings import Settings

# Fields whose absence weakens the analysis (latitude stands for the coordinates, given both or neither).
QUALITY_FIELDS = ("location", "latitude", "location_type", "detection_method", "transport_mode", "agency",
                  "origin_country", "destination_country", "concealment", "case_status")
# The per-country tables a reader scans rather than reads: the follow-up names the countries with most seizures and
# adds up the rest, completeness lists the countries that reported least. Every country is on the follow-up and
# completeness pages; at 140 countries the full tables would also triple the time the PDF takes.
FOLLOW_UP_COUNTRIES = 15
LEAST_COMPLETE = 20


async def previous_operation(session: AsyncSession, member: Member) -> Member | None:
    """The operation of the same series that started last before this one, as its public release counts it, when
    the member belongs to its closed group too: the briefing is read by members of this operation who were not in
    that one, so it compares with the figures its countries agreed to publish, not the member's own view."""
    operation = member.operation
    if not operation.series:
        return None
    previous = await session.scalar(select(Operation).where(
        Operation.series == operation.series, Operation.start_date < operation.start_date)
        .order_by(Operation.start_date.desc()).limit(1))
    if previous is None or await policy.member_of(session, member.user, previous) is None:
        return None
    return policy.public_view(previous)


async def data_quality(session: AsyncSession, scope: Scope) -> dict[str, Any]:
    """Share of counted records missing each field (and of items without an estimated value)."""
    counted = select(Seizure).where(*scope.where()).subquery()
    missing = [func.sum(case((counted.c[name].is_(None), 1), else_=0)).cast(Integer) for name in QUALITY_FIELDS]
    total, *gaps = (await session.execute(select(func.count(), *missing).select_from(counted))).one()
    items, unvalued = (await session.execute(
        select(func.count(), func.sum(case((SeizureItem.estimated_value.is_(None), 1), else_=0)).cast(Integer))
        .where(SeizureItem.seizure_id.in_(select(counted.c.id))))).one()
    fields = [{"field": name, "missing": gap or 0, "share": round((gap or 0) / total, 4) if total else 0}
              for name, gap in zip(QUALITY_FIELDS, gaps, strict=True)]
    fields.append({"field": "estimated_value", "missing": unvalued or 0,
                   "share": round((unvalued or 0) / items, 4) if items else 0})
    return {"records": total, "items": items, "fields": sorted(fields, key=lambda f: -f["share"])}


async def arrests(session: AsyncSession, scope: Scope) -> dict[str, Any]:
    """Suspects arrested, and the nationality and role of those recorded one by one (never who they are)."""
    detailed = select(Suspect).where(Suspect.seizure_id.in_(scope.seizures())).subquery()

    async def per(column: Any) -> list[dict[str, Any]]:
        rows = (await session.execute(select(column, func.count()).group_by(column)
                                      .order_by(func.count().desc(), column))).all()
        return [{"key": key or "unknown", "suspects": n} for key, n in rows]

    return {"with_arrests": await session.scalar(select(func.count()).where(*scope.where(),
                                                                            Seizure.suspects_arrested > 0)),
            "recorded": await session.scalar(select(func.count()).select_from(detailed)),
            "nationalities": (await per(detailed.c.nationality))[:15], "roles": await per(detailed.c.role)}


def leading_countries(funnel: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """The follow-up funnel's `limit` countries with most seizures, the others added up as "other" (with those not
    named already), then the total."""
    *countries, total = funnel
    named = [e for e in countries if e["country"] != "other"]
    rest = named[limit:] + [e for e in countries if e["country"] == "other"]
    other = [{"country": "other", **{k: sum(e[k] for e in rest) for k in ("seizures", *CASE_STAGES)}}] if rest else []
    return [*named[:limit], *other, total]


def least_complete(grid: returns.Completeness, limit: int) -> dict[str, Any]:
    """Completeness and timeliness over all countries; the `limit` countries that reported least, least first; how
    many others there are and the lowest rate among them."""
    rows = sorted(grid.rows, key=lambda r: (r.rate, r.timeliness, r.name))
    shown, rest = rows[:limit], rows[limit:]
    return {"rate": round(grid.rate, 4), "timeliness": round(grid.timeliness, 4), "days": len(grid.days),
            "countries": [{"country": r.code, "name": r.name, "reported": r.reported, "rate": round(r.rate, 4),
                           "timeliness": round(r.timeliness, 4)} for r in shown],
            "others": len(rest), "others_rate": round(min(r.rate for r in rest), 4) if rest else None}


async def build(session: AsyncSession, settings: Settings, member: Member, edition: str | None,
                now: datetime) -> Brief:
    operation = member.operation
    scope = Scope(member, ResultFilter())
    figures = await summary(session, member)
    more = await breakdowns(session, member, ResultFilter(), now)
    grid = await returns.completeness(session, operation, now.date())
    previous = await previous_operation(session, member)
    data = {
        "term_names": await term_names(session, [e["term"] for e in figures["by_term_unit"]]),
        "figures": figures,
        "breakdowns": {key: more[key][:20] for key in ("by_region", "by_network", "by_taxon", "by_agency",
                                                       "by_location_type", "by_concealment", "routes", "legs")},
        "arrests": await arrests(session, scope),
        "follow_up": leading_countries(await followup_funnel(session, member), FOLLOW_UP_COUNTRIES),
        "completeness": least_complete(grid, LEAST_COMPLETE),
        "quality": await data_quality(session, scope),
        "previous": {"code": previous.operation.code, "name": previous.operation.name,
                     "figures": await summary(session, previous)} if previous else None,
    }
    points = await label_points(session)
    words = dict(await coded_names(session, TradeTerm))  # the terms' names in the briefing's language
    view = {
        "charts": result_charts(figures, more, operation, now.date(), words),
        "countries_map": static_maps.choropleth({e["country"]: e["seizures"] for e in figures["by_country"]},
                                                title=_("Seizures per country"), legend_title=_("Seizures")),
        "flows_map": static_maps.flows([(leg["origin"], leg["destination"], leg["seizures"]) for leg in more["legs"]],
                                       points, title=_("Trafficking flows")),
        "comparison": _comparison(figures, data["previous"]["figures"], words) if previous else None,
        "stages": CASE_STAGES,
    }
    counts = {"seizures": figures["seizures"], "items": data["quality"]["items"],
              "countries_reporting": figures["countries"]["reporting"]}
    return Brief("briefings/post.html", data, counts, view)


def _comparison(now: dict[str, Any], before: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
    """Headline figures side by side with the change; then the terms with units either operation seized most."""
    def change(a: float, b: float) -> float | None:
        return round((a - b) / b, 4) if b else None

    rows = [{"label": label, "now": a, "before": b, "change": change(a, b)} for label, a, b in (
        (_("Seizures"), now["seizures"], before["seizures"]),
        (_("Suspects arrested"), now["suspects_arrested"], before["suspects_arrested"]),
        (_("Participating countries"), now["countries"]["participating"], before["countries"]["participating"]),
        (_("Countries reporting"), now["countries"]["reporting"], before["countries"]["reporting"]),
        (_("Countries with seizures"), now["countries"]["with_seizures"], before["countries"]["with_seizures"]))]
    def by_term(figures: dict[str, Any]) -> dict[tuple[str, str], float]:
        return {(e["term"], e["unit"]): e["quantity"] for e in figures["by_term_unit"]}

    current, earlier = by_term(now), by_term(before)
    # The terms with units either operation seized most, in its order; kg and pieces stay apart.
    keys = dict.fromkeys([*list(current)[:8], *list(earlier)[:8]])
    rows += [{"label": term_unit_label(names.get(term, term), unit), "now": current.get((term, unit), 0),
              "before": earlier.get((term, unit), 0),
              "change": change(current.get((term, unit), 0), earlier.get((term, unit), 0))} for term, unit in keys]
    return rows
