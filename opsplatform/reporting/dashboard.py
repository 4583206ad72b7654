"""The figures and charts of the dashboard, which the briefings reuse: one place computes them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import policy
from opsplatform.i18n import _
from opsplatform.labels import term_unit_label, value_label
from opsplatform.models.operations import Operation
from opsplatform.models.reference import TradeTerm
from opsplatform.policy import Member
from opsplatform.reference import lookup
from opsplatform.reporting import charts
from opsplatform.reporting.filters import ResultFilter
from opsplatform.reporting.summary import breakdowns, summary
from opsplatform.seizures import returns


def day_series(figures: dict[str, Any], operation: Operation, today: date) -> list[tuple[date, float]]:
    """Seizures per day of the window up to today (every day, zero included)."""
    counts = {d["date"]: d["seizures"] for d in figures["by_day"]}
    last = min(operation.end_date, max(today, operation.start_date))
    return [(day, counts.get(day.isoformat(), 0)) for day in
            (operation.start_date + timedelta(days=i) for i in range((last - operation.start_date).days + 1))]


def result_charts(figures: dict[str, Any], more: dict[str, Any], operation: Operation,
                  today: date, term_names: Mapping[str, str]) -> dict[str, Markup]:
    """Seizures per day, top taxa, top terms with units (by their names), transport modes and detection methods."""
    # A seizure can involve several taxa or terms, so those counts are not added up into an "Other" bar.
    terms = [(term_unit_label(term_names.get(e["term"], e["term"]), e["unit"]), e["seizures"])
             for e in figures["by_term_unit"][:10]]
    taxa = [(e["taxon"], e["seizures"]) for e in more["by_taxon"][:10]]
    return {
        "days": charts.day_chart(day_series(figures, operation, today), title=_("Seizures per day"),
                                 highlight=today if operation.start_date <= today <= operation.end_date else None),
        "taxa": charts.bar_chart(taxa, title=_("Top taxa (seizures)")),
        "terms": charts.bar_chart(terms, title=_("Top trade terms with units (seizures)")),
        "modes": charts.bar_chart([(value_label(e["mode"]), e["seizures"]) for e in figures["by_transport_mode"]],
                                  title=_("Transport modes (seizures)")),
        "methods": charts.bar_chart([(value_label(e["method"]), e["seizures"])
                                     for e in figures["by_detection_method"]],
                                    title=_("Detection methods (seizures)")),
    }


async def dashboard_context(session: AsyncSession, member: Member, result_filter: ResultFilter,
                            now: datetime) -> dict[str, Any]:
    """Figures, breakdowns, the daily returns' rate (for those who see records) and charts, as of `now`."""
    operation = member.operation
    figures = await summary(session, member, result_filter)
    more = await breakdowns(session, member, result_filter, now)
    returns_rate = await returns.reporting_rate(session, operation, now.date(), policy.completeness_countries(member)) \
        if policy.may(member, "view_records") else None
    return {"figures": figures, "more": more, "returns_rate": returns_rate,
            "charts": result_charts(figures, more, operation, now.date(),
                                    dict(await lookup.coded_names(session, TradeTerm))),
            "few_unnamed": await few_unnamed(session, member)}


async def few_unnamed(session: AsyncSession, member: Member) -> list[str] | None:
    """For the press office: the countries that agreed only to count in the totals, when too few of them did so for
    the public release to count their figures (policy.aggregate_access); else None."""
    if not policy.names_only_consenting(member):
        return None
    unnamed = (await session.scalars(policy.aggregate_countries(member.operation.id))).all()
    return sorted(unnamed) if 0 < len(unnamed) < policy.FEWEST_UNNAMED else None
