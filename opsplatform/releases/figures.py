"""The release's figures: what a press officer may show, computed by the database through the press view of the
access policy (only countries whose consent allows it; named only where they agreed), never nominal data.

The result is plain data (codes, numbers, labels in the three languages), so it can be frozen at approval and
rendered in any language and format later without looking anything up again.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Float, Select, cast, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import policy
from opsplatform.models.operations import Operation, Participant
from opsplatform.models.reference import Country
from opsplatform.models.seizures import Seizure, SeizureAttachment
from opsplatform.reference.commodities import commodities
from opsplatform.reporting.filters import ResultFilter
from opsplatform.reporting.summary import Scope, summary

# The release is compiled as a press officer sees the results: the policy decides which countries count.
HIGHLIGHTS = 12
PHOTOS = 6


async def commodity_lines(session: AsyncSession, scope: Scope) -> list[dict[str, Any]]:
    """Per commodity line: quantities per normalised unit (never added across units) and the seizures involving it,
    from the figures kept per commodity."""
    kept = scope.figures("commodity")
    rows = (await session.execute(
        select(kept.c.key, kept.c.unit, func.sum(kept.c.seizures), cast(func.sum(kept.c.quantity), Float))
        .group_by(kept.c.key, kept.c.unit))).all()
    found: dict[str, dict[str, Any]] = {}
    for code, unit, seizures, quantity in rows:
        line = found.setdefault(code, {"quantities": []})
        if unit is None:
            line["seizures"] = int(seizures)
        else:
            line["quantities"].append({"unit": unit, "quantity": round(quantity, 3)})
    ordered = []
    for commodity in commodities():
        if commodity.code in found:
            line = found[commodity.code]
            line["quantities"].sort(key=lambda q: (q["unit"] != "kg", q["unit"] != "m3", q["unit"]))
            ordered.append({"category": commodity.code, "counted_as": commodity.counted_as,
                            "labels": commodity.labels, "phrases": commodity.phrases, **line})
    return sorted(ordered, key=lambda line: -line["seizures"])


async def release_figures(session: AsyncSession, operation: Operation, now: datetime,
                          suppress_below: int | None = None) -> dict[str, Any]:
    """Everything the release shows, as of `now`; counts under `suppress_below` are replaced by "fewer than"."""
    scope = press_scope(operation)
    figures = await summary(session, scope.member)
    named = sorted((await session.scalars(policy.named_countries(operation.id))).all())
    daily = scope.figures("total")
    regions = (await session.execute(
        select(Country.region_code, cast(func.sum(daily.c.seizures), Float), func.count(distinct(daily.c.country)))
        .join(Country, Country.alpha3 == daily.c.country).where(daily.c.dimension == "total")
        .group_by(Country.region_code).order_by(func.sum(daily.c.seizures).desc()))).all()
    # Photos: only those a named country approved one by one; named by their content, so the frozen release shows
    # exactly the photos approved with it (rendering reads their copies, stripped of metadata, by id).
    photos = (await session.execute(
        select(SeizureAttachment.id, SeizureAttachment.sha256, Seizure.reporting_country)
        .join(Seizure, Seizure.id == SeizureAttachment.seizure_id)
        .where(*scope.where(), SeizureAttachment.publicity_approved, SeizureAttachment.public_copy.is_not(None),
               Seizure.reporting_country.in_(named),
               # Named from the approved photos (a few): else the records were read first, all of them, to find none.
               Seizure.id.in_(select(SeizureAttachment.seizure_id).where(SeizureAttachment.publicity_approved)))
        .order_by(Seizure.seizure_date, SeizureAttachment.id).limit(PHOTOS))).all()
    return {
        "operation": {"code": operation.code, "name": operation.name,
                      "lead_organisations": operation.lead_organisations,
                      "start": operation.start_date.isoformat(), "end": operation.end_date.isoformat()},
        "final": operation.phase == "closed",
        "compiled_at": now.isoformat(),
        "countries": {"participating": figures["countries"]["participating"],
                      "reporting": figures["countries"]["reporting"], "named": named},
        "seizures": figures["seizures"], "suspects_arrested": figures["suspects_arrested"],
        "commodities": await commodity_lines(session, scope),
        "by_region": _complemented([_suppressed({"region": region or "unknown", "seizures": int(n),
                                                 "countries": countries}, suppress_below, "seizures")
                                    for region, n, countries in regions], "seizures"),
        "by_country": _complemented([_suppressed(dict(entry), suppress_below, "seizures", "suspects_arrested")
                                     for entry in figures["by_country"]], "seizures", "suspects_arrested"),
        "highlights": await _highlights(session, scope, named),
        "photos": [{"id": photo_id, "sha256": sha256, "country": country} for photo_id, sha256, country in photos],
        "suppress_below": suppress_below,
        "consents": await consents(session, operation),
    }


async def consents(session: AsyncSession, operation: Operation) -> dict[str, str]:
    """Each participant's consent to the release (named, aggregate, none), as the figures were compiled under it."""
    return dict((await session.execute(select(Participant.country_code, Participant.publicity)
                                       .where(Participant.operation_id == operation.id))).all())


def press_scope(operation: Operation) -> Scope:
    """What a release counts: the operation as a press officer sees it, unfiltered."""
    return Scope(policy.public_view(operation), ResultFilter())


async def release_highlights(session: AsyncSession, operation: Operation) -> list[dict[str, Any]]:
    """The highlights the release would show now (what the press officer writes them up from)."""
    named = (await session.scalars(policy.named_countries(operation.id))).all()
    return await _highlights(session, press_scope(operation), named)


def highlights_query(scope: Scope, named: Sequence[str]) -> Select[tuple[str, date, str]]:
    """The seizures of named countries approved one by one for the release, the first HIGHLIGHTS by date: read
    through the index of approved records (a few in a hundred), in its order."""
    return (select(Seizure.reporting_country, Seizure.seizure_date, Seizure.public_description)
            .where(*scope.where(), Seizure.publicity_approved, Seizure.public_description.is_not(None),
                   Seizure.public_description != "", Seizure.reporting_country.in_(named))
            .order_by(Seizure.seizure_date, Seizure.id).limit(HIGHLIGHTS))


async def _highlights(session: AsyncSession, scope: Scope, named: Sequence[str]) -> list[dict[str, Any]]:
    """The seizures of named countries approved one by one for the release, by date, keyed for their translations."""
    rows = (await session.execute(highlights_query(scope, named))).all()
    return _keyed([{"country": country, "date": day.isoformat(), "description": text} for country, day, text in rows])


def _keyed(highlights: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each highlight with the key its translations are kept under: its country, day and place among that country's
    highlights of the day ("KEN-2026-10-03-1"), which says nothing a release does not already say."""
    seen: dict[tuple[str, str], int] = {}
    for item in highlights:
        n = seen[item["country"], item["date"]] = seen.get((item["country"], item["date"]), 0) + 1
        item["key"] = f"{item['country']}-{item['date']}-{n}"
    return highlights


def _suppressed(entry: dict[str, Any], threshold: int | None, *keys: str) -> dict[str, Any]:
    """Counts from 1 to threshold - 1 become None with "fewer_than": a small number can point at one case."""
    if threshold:
        for key in keys:
            if 0 < (entry[key] or 0) < threshold:
                entry[key] = None
                entry["fewer_than"] = threshold
    return entry


def _complemented(entries: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    """The totals are given: with a single count of a list suppressed, the total less the others would give it, so
    the smallest count shown is withheld too (named in the entry's "withheld")."""
    for key in keys:
        if sum(1 for e in entries if e[key] is None and e.get("fewer_than")) != 1:
            continue
        shown = [e for e in entries if e[key]]
        if shown:
            smallest = min(shown, key=lambda e: e[key])
            smallest[key] = None
            smallest.setdefault("withheld", []).append(key)
    return entries


def approximate(quantity: float) -> tuple[str, float]:
    """How a release states a quantity: ("", exact), ("almost", rounded up) or ("more than", rounded down).

    Whole numbers under 1,000 stay exact; others are rounded to two significant digits (779.6 → almost 780,
    1,234 → more than 1,200), amounts under 10 to one decimal. A value no sum of bounded quantities reaches (an
    infinity stored before inputs were bounded) is stated as it is.
    """
    if not math.isfinite(quantity):
        return "", quantity
    if quantity == int(quantity) and quantity < 1000:
        return "", quantity
    if quantity < 10:
        rounded = round(quantity, 1)
    else:
        step = 10 ** max(int(math.floor(math.log10(quantity))) - 1, 0)
        rounded = round(quantity / step) * step
    if rounded == quantity:
        return "", quantity
    return ("almost" if rounded > quantity else "more than"), rounded


