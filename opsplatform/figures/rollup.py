"""Daily and window figures: the results pre-aggregated per operation, country and day, and per operation and country
over the whole window, kept exact in the writing transaction.

Every breakdown of the dashboard and the summary is a sum over these rows when the filter only narrows countries
and dates: the window figures when no dates are given (what a coordinator looks at every morning: a few thousand
rows instead of every seizure), the daily figures otherwise.

Why sums stay exact: a seizure belongs to exactly one (operation, country, day) slice, so counts of "seizures
involving X" per slice (COUNT DISTINCT within the slice) add up across slices without counting a seizure twice.

How they stay fresh: each commit adds what its seizures changed (see upkeep.py), so a save costs what it writes,
not what its slice holds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from functools import cache
from typing import Any

from sqlalchemy import (
    Float,
    Integer,
    Select,
    String,
    cast,
    delete,
    distinct,
    func,
    insert,
    literal,
    null,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform.database import any_of
from opsplatform.models.reference import Taxon
from opsplatform.models.reporting import DailyFigure, WindowFigure
from opsplatform.models.seizures import Seizure, SeizureItem, counted
from opsplatform.reference.commodities import commodity_of_item

# Seizure-level dimensions: one key per seizure. Item-level ones count the seizures involving each key.
SEIZURE_DIMENSIONS = ("mode", "method", "agency", "location_type", "concealment", "route")
ITEM_DIMENSIONS = ("group", "taxon", "term", "commodity")
BY_UNIT = frozenset({"term", "commodity"})  # counted per normalised unit, with the quantity in it
COLUMNS = ("operation_id", "country", "day", "dimension", "key", "unit", "seizures", "quantity", "arrested")
WINDOW_COLUMNS = tuple(c for c in COLUMNS if c != "day")
# The seizure columns the figures read: named, so a migration that rebuilds the figures needs no later column.
FACT_COLUMNS = ("id", "operation_id", "reporting_country", "seizure_date", "suspects_arrested", "transport_mode",
                "detection_method", "agency", "location_type", "concealment", "origin_country",
                "transit_countries", "destination_country")
EVERY_ITEM = true()  # the items a facts() call counts when no filter narrows them


def _seizure_key(dimension: str, seizures: Any) -> Any:
    if dimension == "route":
        # origin|["transit", …]|destination; only routes with both ends count as routes.
        return (seizures.c.origin_country + "|" + func.coalesce(cast(seizures.c.transit_countries, String), "[]")
                + "|" + seizures.c.destination_country)
    column = {"mode": "transport_mode", "method": "detection_method"}.get(dimension, dimension)
    return seizures.c[column]


def _named(*values: Any) -> list[Any]:
    """Label a facts row's value columns like DailyFigure's, so the computed rows read like the table."""
    return [value.label(name) for value, name in zip(values, COLUMNS[3:], strict=True)]


def facts(seizures: Any, items_where: Any = EVERY_ITEM, dimensions: Iterable[str] | None = None) -> Any:
    """The daily figures computed from records, as one SELECT with DailyFigure's columns.

    `seizures` is a selectable of the counted seizures to aggregate (a subquery or CTE with Seizure's columns);
    `items_where` narrows the items of item-level dimensions (filters by taxa or terms). Used to refresh the table
    and, for filters the table cannot answer (taxa, terms, modes), directly as a subquery in its place.
    """
    wanted = set(dimensions or ("total", *SEIZURE_DIMENSIONS, *ITEM_DIMENSIONS))
    s = seizures.c
    slice_key = (s.operation_id, s.reporting_country, s.seizure_date)
    slice_columns = [column.label(name) for column, name in zip(slice_key, COLUMNS, strict=False)]
    no_text, no_number = cast(null(), String), cast(null(), Float)

    def per_seizure(dimension: str) -> Any:
        if dimension == "total":
            return (select(*slice_columns, *_named(literal("total"), no_text, no_text, func.count(), no_number,
                                                   func.sum(s.suspects_arrested)))
                    .group_by(*slice_key))
        key = _seizure_key(dimension, seizures)
        return (select(*slice_columns, *_named(literal(dimension), cast(key, String), no_text, func.count(),
                                               no_number, cast(null(), Integer)))
                .group_by(*slice_key, key))

    def per_item(dimension: str, by_unit: bool) -> Any:
        key = {"group": Taxon.taxon_group, "taxon": Taxon.scientific_name, "term": SeizureItem.term_code,
               "commodity": commodity_of_item()}[dimension]
        unit, quantity = ((SeizureItem.normalised_unit, func.sum(SeizureItem.normalised_quantity)) if by_unit
                          else (no_text, no_number))
        return (select(*slice_columns, *_named(literal(dimension), cast(key, String), cast(unit, String),
                                               func.count(distinct(s.id)), cast(quantity, Float),
                                               cast(null(), Integer)))
                .select_from(seizures).join(SeizureItem, SeizureItem.seizure_id == s.id)
                .join(Taxon, Taxon.id == SeizureItem.taxon_id).where(items_where)
                .group_by(*slice_key, key, *([unit] if by_unit else [])))

    parts = [per_seizure(d) for d in ("total", *SEIZURE_DIMENSIONS) if d in wanted]
    parts += [per_item(d, by_unit=d in BY_UNIT) for d in ITEM_DIMENSIONS if d in wanted]
    if "commodity" in wanted:  # its seizures in any unit too (an item's unit is never empty): per unit they overlap
        parts.append(per_item("commodity", by_unit=False))
    return union_all(*parts)


def read(table: Any, *where: Any, by_day: bool = False) -> Select:
    """The figures as every reader sees them. `table` is DailyFigure's or WindowFigure's, each with one row per key;
    without `by_day`, DailyFigure's are summed over the days asked for, as the window figures."""
    t = table
    keys = (t.c.operation_id, t.c.country, *((t.c.day,) if by_day else ()), t.c.dimension, t.c.key, t.c.unit)
    if by_day or "day" not in t.c:
        return select(*keys, t.c.seizures, t.c.quantity, t.c.arrested).where(*where)
    return (select(*keys, func.sum(t.c.seizures).label("seizures"), func.sum(t.c.quantity).label("quantity"),
                   func.sum(t.c.arrested).label("arrested"))
            .where(*where).group_by(*keys))


# The dimensions before taxa kept their lineage (migration 0024): what the migrations before it count again.
FIRST_DIMENSIONS = ("total", *SEIZURE_DIMENSIONS, "group", "taxon", "term")


def rebuild_statements(operation_id: int | None = None, dimensions: Iterable[str] | None = None) -> tuple[Any, Any]:
    """DELETE and INSERT that recompute every slice of one operation, or of all (used by migrations that change what
    counts, after the columns `counted()` reads exist)."""
    table = DailyFigure.__table__
    narrow = (lambda c: c == operation_id) if operation_id is not None else (lambda c: true())
    return (delete(table).where(narrow(table.c.operation_id)),
            insert(table).from_select(COLUMNS, facts(_counted_records(narrow(Seizure.operation_id)).subquery(),
                                                     dimensions=dimensions)))


def _window_sums(where: Any) -> Any:
    """Daily figures summed over the window per country: exact, since a seizure is in one day only."""
    d = DailyFigure.__table__
    return (select(d.c.operation_id, d.c.country, d.c.dimension, d.c.key, d.c.unit, func.sum(d.c.seizures),
                   func.sum(d.c.quantity), func.sum(d.c.arrested))
            .where(where).group_by(d.c.operation_id, d.c.country, d.c.dimension, d.c.key, d.c.unit))


def window_rebuild_statements(operation_id: int | None = None) -> tuple[Any, Any]:
    """DELETE and INSERT that recompute the window figures of one operation, or of all, from the daily figures."""
    window, daily = WindowFigure.__table__, DailyFigure.__table__
    return (delete(window).where(window.c.operation_id == operation_id if operation_id is not None else true()),
            insert(window).from_select(WINDOW_COLUMNS, _window_sums(
                daily.c.operation_id == operation_id if operation_id is not None else true())))


def _counted_records(where: Any) -> Select:
    table = Seizure.__table__
    return select(*(table.c[name] for name in FACT_COLUMNS)).where(where, counted())


async def rebuild(session: AsyncSession, operation_id: int | None = None) -> None:
    for statement in (*rebuild_statements(operation_id), *window_rebuild_statements(operation_id)):
        await session.execute(statement)


@asynccontextmanager
async def following_taxa(session: AsyncSession) -> AsyncIterator[None]:
    """Around a reference load: the figures count taxa by name, group and line (a commodity is "under Elephantidae"),
    so every operation whose records name a taxon the load renamed, put in another group or moved is counted again
    from its records. The caller commits."""
    before = await _taxa_as_counted(session)
    yield
    changed = [taxon for taxon, now in (await _taxa_as_counted(session)).items() if before.get(taxon, now) != now]
    for start in range(0, len(changed), 1000):
        for operation_id in (await session.scalars(
                select(Seizure.operation_id).join(SeizureItem, SeizureItem.seizure_id == Seizure.id)
                .where(SeizureItem.taxon_id.in_(changed[start:start + 1000])).distinct())).all():
            await rebuild(session, operation_id)


async def _taxa_as_counted(session: AsyncSession) -> dict[int, tuple[str, str | None, str]]:
    rows = await session.execute(select(Taxon.id, Taxon.scientific_name, Taxon.taxon_group, Taxon.lineage))
    return {taxon_id: (name, group, lineage) for taxon_id, name, group, lineage in rows}


@cache
def contributions_statement() -> Any:
    """The figures of the seizures given by id (`ids`, a list): what they add to their slices' rows.
    Built once: the statement is large, and building it anew for every save cost more than running it. The seizures
    are found once, in a CTE that each dimension's part reads (a save's statement was 22 KB with them found in each)."""
    return facts(_counted_records(any_of(Seizure.id, "ids")).cte("counted"))
