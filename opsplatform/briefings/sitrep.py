"""The daily situation report: what is new since the last one, the cumulative figures, notable seizures, and the
countries that have not reported."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import policy
from opsplatform.briefings.brief import Brief
from opsplatform.i18n import _
from opsplatform.models.documents import Artifact
from opsplatform.models.operations import Target
from opsplatform.models.reference import Taxon
from opsplatform.models.seizures import Seizure, SeizureItem
from opsplatform.policy import Member
from opsplatform.reference.lookup import term_names, with_descendants
from opsplatform.reporting import charts
from opsplatform.reporting.dashboard import day_series
from opsplatform.reporting.filters import ResultFilter
from opsplatform.reporting.summary import Scope, summary
from opsplatform.seizures.returns import silent_countries
from opsplatform.settings import Settings

NOTABLE = 10


async def previous_sitrep(session: AsyncSession, member: Member, before: datetime) -> datetime | None:
    """When the data of the last sitrep of the member's edition was read: "new" means logged since then."""
    return await session.scalar(select(func.max(Artifact.data_as_of)).where(
        Artifact.operation_id == member.operation.id, Artifact.kind == "sitrep",
        Artifact.scope == policy.document_scope(member)[0], Artifact.data_as_of < before))


async def notable_seizures(session: AsyncSession, member: Member, since: datetime | None,
                           now: datetime) -> list[dict[str, Any]]:
    """New seizures the member sees in full, most notable first: priority targets, then arrests, then value."""
    operation = member.operation
    scope = Scope(member, ResultFilter())
    priority = await with_descendants(session, (await session.scalars(select(Target.taxon_id).where(
        Target.operation_id == operation.id, Target.priority))).all())
    is_priority = exists().where(SeizureItem.seizure_id == Seizure.id, SeizureItem.taxon_id.in_(priority))
    value = select(func.coalesce(func.sum(SeizureItem.estimated_value), 0)).where(
        SeizureItem.seizure_id == Seizure.id).scalar_subquery()
    query = (select(Seizure).where(policy.records(member), *scope.where(), Seizure.created_at <= now)
             .order_by(is_priority.desc(), Seizure.suspects_arrested.desc(), value.desc(), Seizure.id).limit(NOTABLE))
    if since is not None:
        query = query.where(Seizure.created_at > since)
    seizures = (await session.scalars(query)).all()
    items = (await session.execute(
        select(SeizureItem.seizure_id, Taxon.scientific_name, Taxon.common_name_en, Taxon.common_name_fr,
               Taxon.common_name_es, SeizureItem.term_code, SeizureItem.normalised_quantity,
               SeizureItem.normalised_unit)
        .join(Taxon, Taxon.id == SeizureItem.taxon_id)
        .where(SeizureItem.seizure_id.in_([s.id for s in seizures])).order_by(SeizureItem.item_no))).all()
    by_seizure: dict[int, list[dict[str, Any]]] = {}
    for seizure_id, name, en, fr, es, term, quantity, unit in items:
        by_seizure.setdefault(seizure_id, []).append({
            "scientific_name": name, "common_names": {"en": en, "fr": fr or en, "es": es or en},
            "term": term, "quantity": round(quantity, 3), "unit": unit})
    return [{"ref": s.seizure_ref, "country": s.reporting_country, "date": s.seizure_date, "location": s.location,
             "mode": s.transport_mode, "method": s.detection_method, "origin": s.origin_country,
             "destination": s.destination_country, "arrested": s.suspects_arrested,
             "items": by_seizure.get(s.id, [])} for s in seizures]


async def build(session: AsyncSession, settings: Settings, member: Member, edition: str | None,
                now: datetime) -> Brief:
    """The sitrep as the member sees the records: a network coordinator's is its network's edition."""
    operation = member.operation
    since = await previous_sitrep(session, member, now)
    figures = await summary(session, member)
    scope = Scope(member, ResultFilter())
    logged = [Seizure.created_at <= now] + ([Seizure.created_at > since] if since is not None else [])
    new_rows = (await session.execute(
        select(Seizure.reporting_country, func.count(), func.coalesce(func.sum(Seizure.suspects_arrested), 0))
        .where(*scope.where(), *logged)
        .group_by(Seizure.reporting_country).order_by(func.count().desc(), Seizure.reporting_country))).all()
    yesterday = now.date() - timedelta(days=1)
    in_window = operation.start_date <= yesterday <= operation.end_date
    notable = await notable_seizures(session, member, since, now)
    data = {
        "term_names": await term_names(session, [*(e["term"] for e in figures["by_term_unit"]),
                                                 *(item["term"] for s in notable for item in s["items"])]),
        "since": since, "as_of": now,
        "new": {"seizures": sum(n for _c, n, _a in new_rows), "suspects_arrested": sum(a for _c, _n, a in new_rows),
                "by_country": [{"country": c, "seizures": n, "suspects_arrested": a} for c, n, a in new_rows]},
        "cumulative": {k: figures[k] for k in ("countries", "seizures", "suspects_arrested", "by_term_unit",
                                               "by_taxon_group")},
        "notable": notable,
        "silent_yesterday": {"day": yesterday, "countries": await silent_countries(session, operation, yesterday)}
        if in_window else None,
        "never_reported": await silent_countries(session, operation),
    }
    view = {"days_chart": charts.day_chart(day_series(figures, operation, now.date()), title=_("Seizures per day"))}
    counts = {"seizures": figures["seizures"], "new_seizures": data["new"]["seizures"],
              "countries_reporting": figures["countries"]["reporting"]}
    return Brief("briefings/sitrep.html", data, counts, view)
