"""Daily and window figures: the results pre-aggregated per operation, country and day, and per operation and country
over the whole window, kept exact in the writing transaction.

Every breakdown of the dashboard and the summary is a sum over these rows when the filter only narrows countries
and dates: the window figures when no dates are given (what a coordinator looks at every morning: a few thousand
rows instead of every seizure), the daily figures otherwise.

Why sums stay exact: a seizure belongs to exactly one (operation, country, day) slice, so counts of "seizures
involving X" per slice (COUNT DISTINCT within the slice) add up across slices without counting a seizure twice.

How they stay fresh: any flush that touches a seizure or an item notes the slices it affected (old and new),
and the commit recomputes those slices from the records, then the window figures of their countries from the daily
ones. Bulk writes that bypass the ORM call `touch`, or `add` for new seizures: those are in no slice yet, so their
figures are appended as extra rows (every reader sums), and bulk updates `retract` their seizures' figures first (as
negative rows) and `add` them again; so a long import's batches each cost what they write, not what the slice
already holds, and touching the slices at the end folds the extra rows together. On PostgreSQL a
transaction-scoped advisory lock per operation and country serialises these writes, so two concurrent writers cannot
leave stale figures behind.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import (
    Float,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    cast,
    delete,
    distinct,
    event,
    func,
    insert,
    inspect,
    literal,
    null,
    select,
    text,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from opsplatform.models.reference import Taxon
from opsplatform.models.reporting import DailyFigure, WindowFigure
from opsplatform.models.seizures import Seizure, SeizureItem, counted

Slice = tuple[int, str, date]
PENDING = "daily_figures_pending"
PENDING_ITEMS = "daily_figures_pending_items"
PENDING_SEIZURES = "daily_figures_pending_seizures"
PENDING_NEW = "daily_figures_pending_new"

# Seizure-level dimensions: one key per seizure. Item-level ones count the seizures involving each key.
SEIZURE_DIMENSIONS = ("mode", "method", "agency", "location_type", "concealment", "route")
ITEM_DIMENSIONS = ("group", "taxon", "term")
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

    def per_item(dimension: str) -> Any:
        key, unit, quantity = {
            "group": (Taxon.taxon_group, no_text, no_number),
            "taxon": (Taxon.scientific_name, no_text, no_number),
            "term": (SeizureItem.term_code, SeizureItem.normalised_unit, func.sum(SeizureItem.normalised_quantity)),
        }[dimension]
        return (select(*slice_columns, *_named(literal(dimension), cast(key, String), cast(unit, String),
                                               func.count(distinct(s.id)), cast(quantity, Float),
                                               cast(null(), Integer)))
                .select_from(seizures).join(SeizureItem, SeizureItem.seizure_id == s.id)
                .join(Taxon, Taxon.id == SeizureItem.taxon_id).where(items_where)
                .group_by(*slice_key, key, *([unit] if dimension == "term" else [])))

    parts = [per_seizure(d) for d in ("total", *SEIZURE_DIMENSIONS) if d in wanted]
    parts += [per_item(d) for d in ITEM_DIMENSIONS if d in wanted]
    return union_all(*parts)


def read(table: Any, *where: Any, by_day: bool = False) -> Select:
    """The figures as every reader sees them: the rows of a key summed (the extra rows of bulk writes folded in),
    keys whose seizures sum to none (all taken out by an update) left out. `table` is DailyFigure's or WindowFigure's;
    without `by_day`, DailyFigure's are summed over the days asked for, as the window figures."""
    t = table
    keys = (t.c.operation_id, t.c.country, *((t.c.day,) if by_day else ()), t.c.dimension, t.c.key, t.c.unit)
    return (select(*keys, func.sum(t.c.seizures).label("seizures"), func.sum(t.c.quantity).label("quantity"),
                   func.sum(t.c.arrested).label("arrested"))
            .where(*where).group_by(*keys).having(func.sum(t.c.seizures) > 0))


def touch(session: AsyncSession | Session, slices: Iterable[Slice]) -> None:
    """Note slices changed by bulk writes (which the ORM does not see); the commit recomputes them."""
    _info(session).setdefault(PENDING, set()).update(slices)


def add(session: AsyncSession | Session, seizures: dict[int, Slice]) -> None:
    """Note seizures inserted by bulk writes, by id with their slice; the commit adds their figures to the slice's."""
    _info(session).setdefault(PENDING_NEW, {}).update(seizures)


def _info(session: AsyncSession | Session) -> dict[Any, Any]:
    return (session.sync_session if isinstance(session, AsyncSession) else session).info


def rebuild_statements(operation_id: int | None = None) -> tuple[Any, Any]:
    """DELETE and INSERT that recompute every slice of one operation, or of all (used by migrations that change what
    counts, after the columns `counted()` reads exist)."""
    table = DailyFigure.__table__
    narrow = (lambda c: c == operation_id) if operation_id is not None else (lambda c: true())
    return (delete(table).where(narrow(table.c.operation_id)),
            insert(table).from_select(COLUMNS, facts(_counted_records(narrow(Seizure.operation_id)))))


def _window_sums(where: Any, daily: Any = DailyFigure.__table__) -> Any:
    """Daily figures (the table's, or rows like them) summed over the window per country: exact, since a seizure is in
    one day only."""
    d = daily
    return (select(d.c.operation_id, d.c.country, d.c.dimension, d.c.key, d.c.unit, func.sum(d.c.seizures),
                   func.sum(d.c.quantity), func.sum(d.c.arrested))
            .where(where).group_by(d.c.operation_id, d.c.country, d.c.dimension, d.c.key, d.c.unit))


def window_rebuild_statements(operation_id: int | None = None) -> tuple[Any, Any]:
    """DELETE and INSERT that recompute the window figures of one operation, or of all, from the daily figures."""
    window, daily = WindowFigure.__table__, DailyFigure.__table__
    return (delete(window).where(window.c.operation_id == operation_id if operation_id is not None else true()),
            insert(window).from_select(WINDOW_COLUMNS, _window_sums(
                daily.c.operation_id == operation_id if operation_id is not None else true())))


def _counted_records(where: Any) -> Any:
    table = Seizure.__table__
    return select(*(table.c[name] for name in FACT_COLUMNS)).where(where, counted()).subquery()


async def rebuild(session: AsyncSession, operation_id: int | None = None) -> None:
    for statement in (*rebuild_statements(operation_id), *window_rebuild_statements(operation_id)):
        await session.execute(statement)


def _lock_key(operation_id: int, country: str) -> int:
    digest = hashlib.blake2b(f"{operation_id}|{country}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@cache
def _window_statements() -> tuple[Any, Any]:
    """DELETE and INSERT … SELECT that recompute one country's window figures, built once."""
    window, daily = WindowFigure.__table__, DailyFigure.__table__
    operation, country = bindparam("operation"), bindparam("country")
    return (delete(window).where(window.c.operation_id == operation, window.c.country == country),
            insert(window).from_select(WINDOW_COLUMNS, _window_sums(
                and_(daily.c.operation_id == operation, daily.c.country == country))))


@cache
def _slice_statements() -> tuple[Any, Any]:
    """DELETE and INSERT … SELECT that recompute one slice given as parameters. Built once: the statement is large,
    and building it anew for every saved seizure cost more than running it."""
    table = DailyFigure.__table__
    operation, country, day = bindparam("operation"), bindparam("country"), bindparam("day")
    records = _counted_records(and_(Seizure.operation_id == operation, Seizure.reporting_country == country,
                                    Seizure.seizure_date == day))
    return (delete(table).where(table.c.operation_id == operation, table.c.country == country, table.c.day == day),
            insert(table).from_select(COLUMNS, facts(records)))


@cache
def _added_statements() -> tuple[Any, Any]:
    """INSERT … SELECT that add new seizures' figures (by id) to the daily figures, and to the window figures of the
    (operation, country) pairs given; built once."""
    new = facts(_counted_records(Seizure.id.in_(bindparam("ids", expanding=True)))).subquery()
    return (insert(DailyFigure.__table__).from_select(COLUMNS, select(*(new.c[name] for name in COLUMNS))),
            insert(WindowFigure.__table__).from_select(WINDOW_COLUMNS, _window_sums(
                tuple_(new.c.operation_id, new.c.country).in_(bindparam("countries", expanding=True)), new)))


@cache
def _retracted_statements() -> tuple[Any, Any]:
    """INSERT … SELECT that take seizures' present figures (by id) out of the daily and window figures, as negative
    rows; built once."""
    old = facts(_counted_records(Seizure.id.in_(bindparam("ids", expanding=True)))).subquery()
    negated = select(*(old.c[name] for name in COLUMNS[:6]),
                     *((-old.c[name]).label(name) for name in ("seizures", "quantity", "arrested"))).subquery()
    return (insert(DailyFigure.__table__).from_select(COLUMNS, select(negated)),
            insert(WindowFigure.__table__).from_select(WINDOW_COLUMNS, _window_sums(true(), negated)))


async def retract(session: AsyncSession, ids: list[int]) -> None:
    """Before a bulk update of these seizures: their figures are taken out now, as negative rows (every reader sums),
    and `add` puts their new ones in at the commit; so an update batch costs what it writes, not what its slices hold.
    Touching the slices at the end folds the rows together."""
    for statement in _retracted_statements():
        await session.execute(statement, {"ids": ids})


async def taken_out(session: AsyncSession, operation_id: int, country: str) -> set[Slice]:
    """The country's slices holding figures taken out by an update not yet folded (one cut short, say)."""
    table = DailyFigure.__table__
    return {(operation_id, country, day) for day in (await session.scalars(
        select(table.c.day).where(table.c.operation_id == operation_id, table.c.country == country,
                                  table.c.seizures < 0).distinct())).all()}


FEW_SLICES = 20  # a form or API save touches one or two; an import touches many, better in chunks


def _refresh(session: Session, slices: set[Slice], added: dict[int, Slice]) -> None:
    """Recompute `slices` from the records, append the figures of the `added` seizures of other slices, then bring
    the window figures of their countries up to date."""
    ordered = sorted(slices)
    recomputed = {(operation, country) for operation, country, _day in ordered}
    appended = {(operation, country) for operation, country, _day in added.values()}
    countries = sorted(recomputed | appended)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # One lock per operation and country, taken in sorted order (no deadlock): a country's window figures sum its
        # days, so two writers in one country refresh one after the other and the second sees the first's days.
        connection.execute(text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k"),
                           {"keys": sorted(_lock_key(o, c) for o, c in countries)})
    if len(ordered) <= FEW_SLICES:
        for operation, country, day in ordered:  # one by one: IN lists of `counted()` rule out executemany
            for statement in _slice_statements():
                connection.execute(statement, {"operation": operation, "country": country, "day": day})
    else:
        table = DailyFigure.__table__
        for start in range(0, len(ordered), 300):  # bounded IN lists, well under SQLite's parameter limit
            chunk = ordered[start:start + 300]
            connection.execute(delete(table).where(
                tuple_(table.c.operation_id, table.c.country, table.c.day).in_(chunk)))
            records = _counted_records(
                tuple_(Seizure.operation_id, Seizure.reporting_country, Seizure.seizure_date).in_(chunk))
            connection.execute(insert(table).from_select(COLUMNS, facts(records)))
    ids, to_daily, to_window = sorted(added), *_added_statements()
    for start in range(0, len(ids), 1000):  # an import batch at a time
        connection.execute(to_daily, {"ids": ids[start:start + 1000]})
        if appended - recomputed:  # countries recomputed below sum their daily figures, these rows included
            connection.execute(to_window, {"ids": ids[start:start + 1000], "countries": sorted(appended - recomputed)})
    for operation, country in sorted(recomputed):
        for statement in _window_statements():
            connection.execute(statement, {"operation": operation, "country": country})


def _slices_of(obj: Seizure) -> set[Slice]:
    """The slice a seizure is in now and, if the flush moved it, the one it left."""
    state = inspect(obj)
    found = set()
    for when in ("current", "before"):
        values = []
        for key in ("operation_id", "reporting_country", "seizure_date"):
            history = state.attrs[key].history
            if when == "before":
                values.append(history.deleted[0] if history.deleted else getattr(obj, key))
            else:
                values.append(getattr(obj, key))
        if None not in values:
            found.add(tuple(values))
    return found


def _note_changes(session: Session, _flush_context: Any) -> None:
    pending, items = session.info.setdefault(PENDING, set()), session.info.setdefault(PENDING_ITEMS, set())
    known = session.info.setdefault(PENDING_SEIZURES, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Seizure):
            pending.update(_slices_of(obj))
            known.add(obj.id)
        elif isinstance(obj, SeizureItem):
            items.add(obj.seizure_id)


def _recompute(session: Session) -> None:
    session.flush()
    pending: set[Slice] = session.info.pop(PENDING, set())
    # Items of a seizure saved in this transaction are in its slice already: look up only the others' slices.
    item_seizures = session.info.pop(PENDING_ITEMS, set()) - session.info.pop(PENDING_SEIZURES, set()) - {None}
    if item_seizures:
        rows = session.connection().execute(
            select(Seizure.operation_id, Seizure.reporting_country, Seizure.seizure_date)
            .where(Seizure.id.in_(item_seizures))).all()
        pending.update((o, c, d) for o, c, d in rows)
    # New seizures of a slice recomputed anyway are in its records already: add only the others'.
    added = {i: key for i, key in session.info.pop(PENDING_NEW, {}).items() if key not in pending}
    if pending or added:
        _refresh(session, pending, added)


def _forget(session: Session) -> None:
    for key in (PENDING, PENDING_ITEMS, PENDING_SEIZURES, PENDING_NEW):
        session.info.pop(key, None)


LISTENERS = (("after_flush", _note_changes), ("before_commit", _recompute), ("after_rollback", _forget))


def install() -> None:
    """Keep the daily figures exact on every commit of every ORM session (wiring.install calls this at start)."""
    for name, listener in LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
