"""Keeping the daily and window figures exact on every commit, without a lock and without recounting a slice.

A seizure contributes to one row per key of its slice (see `rollup.facts`). Each transaction works out the net
change of the seizures it touched, as deltas in Python: a seizure's old contribution is read just before the flush
that changes it (the database still holds it then), its new one at the commit. The deltas are then added to the kept
rows, one upsert per table (`INSERT … ON CONFLICT DO UPDATE SET seizures = seizures + excluded.seizures`).

Why that is exact with concurrent writers: each transaction adds only what it changed, and an upsert adds to the row
as it is when it gets the row's lock, so nothing another transaction added is lost, whatever the order of commits.
Two writers of one record cannot both pass the record's version check (see `database.advance_version`). The rows
of a delta are written in key order, the daily ones before the window ones, so two transactions lock rows in the
same order and never deadlock. A row whose seizures fall to none is deleted, so the kept rows are exactly those a
recount gives.

Bulk writes that bypass the ORM say what they change: `retract` before updating seizures, `add` for the seizures
they inserted or updated.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from sqlalchemy import case, delete, event, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from opsplatform.figures.rollup import COLUMNS, contributions_statement
from opsplatform.models.reporting import DailyFigure, WindowFigure, figure_key
from opsplatform.models.seizures import Seizure, SeizureItem

Key = tuple[Any, ...]  # (operation_id, country, day, dimension, key, unit)
Amounts = list[Any]  # [seizures, quantity, arrested]; quantity and arrested None where the dimension has none

DELTAS, READ, CHANGED = "figures_deltas", "figures_read", "figures_changed"
CHUNK = 1000  # seizures per read and rows per write: well under both databases' parameter limits


def add(session: AsyncSession | Session, ids: Iterable[int]) -> None:
    """Seizures a bulk write inserted, or updated after `retract`: their figures are read and added at the commit."""
    _known(_info(session), ids)


def _known(info: dict[Any, Any], ids: Iterable[int]) -> None:
    """Seizures whose figures before this transaction are accounted for (read, or none as they are new), and whose
    figures at the commit are to be added."""
    ids = set(ids) - {None}
    info.setdefault(READ, set()).update(ids)
    info.setdefault(CHANGED, set()).update(ids)


async def retract(session: AsyncSession, ids: list[int]) -> None:
    """Before a bulk update of these seizures: their present figures are read now, to be taken out at the commit."""
    await session.run_sync(lambda sync: _read_old(sync, ids))


def _info(session: AsyncSession | Session) -> dict[Any, Any]:
    return (session.sync_session if isinstance(session, AsyncSession) else session).info


def _plus(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else a + b


def _accumulate(deltas: dict[Key, Amounts], rows: Iterable[Any], sign: int) -> None:
    """Add rows of figures (key columns, then seizures, quantity, arrested) to the deltas, times `sign`."""
    for row in rows:
        key, amounts = tuple(row[:-3]), [None if v is None else sign * v for v in row[-3:]]
        kept = deltas.get(key)
        deltas[key] = amounts if kept is None else [_plus(a, b) for a, b in zip(kept, amounts, strict=True)]


def _contributions(connection: Connection, ids: Iterable[int]) -> list[Any]:
    ordered, rows = sorted(ids), []
    for start in range(0, len(ordered), CHUNK):
        rows += connection.execute(contributions_statement(), {"ids": ordered[start:start + CHUNK]}).all()
    return rows


def _read_old(session: Session, ids: Iterable[int]) -> None:
    """Take out the present figures of the seizures not read yet in this transaction; their new figures are added at
    the commit. Reading once is enough: the first flush that changes a seizure comes after this read."""
    new = set(ids) - session.info.get(READ, set()) - {None}
    if new:
        _accumulate(session.info.setdefault(DELTAS, {}), _contributions(session.connection(), new), -1)
        _known(session.info, new)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    """Read the old figures of the stored seizures this flush changes (or whose items it changes)."""
    stored = set()
    for obj in (*session.dirty, *session.deleted, *session.new):
        if isinstance(obj, Seizure) and obj not in session.new:
            stored.add(obj.id)
        elif isinstance(obj, SeizureItem) and obj.seizure_id is not None:
            stored.add(obj.seizure_id)
    if stored:
        _read_old(session, stored)


def _after_flush(session: Session, _context: Any) -> None:
    """Note the seizures this flush inserted, now that they have ids: they had no figures before."""
    _known(session.info, [obj.id for obj in session.new if isinstance(obj, Seizure)])


def _write(session: Session) -> None:
    session.flush()
    deltas: dict[Key, Amounts] = session.info.pop(DELTAS, {})
    changed = session.info.pop(CHANGED, set()) - {None}
    session.info.pop(READ, None)
    if not (deltas or changed):
        return
    connection = session.connection()
    _accumulate(deltas, _contributions(connection, changed), 1)
    daily = {key: amounts for key, amounts in deltas.items() if _changes(amounts)}
    window: dict[Key, Amounts] = {}
    for (operation, country, _day, *rest), amounts in daily.items():
        _accumulate(window, [(operation, country, *rest, *amounts)], 1)
    _upsert(connection, DailyFigure.__table__, daily)
    _upsert(connection, WindowFigure.__table__, {k: v for k, v in window.items() if _changes(v)})


def _changes(amounts: Amounts) -> bool:
    return any(amounts)  # None and zero change nothing


def _upsert(connection: Connection, table: Any, deltas: dict[Key, Amounts]) -> None:
    """Add the deltas to the kept rows, in key order; delete the rows left without seizures."""
    if not deltas:
        return
    names = [c for c in COLUMNS if c in table.c]
    ordered = sorted(deltas.items(), key=lambda item: tuple("" if v is None else v for v in item[0]))
    # Only a row some seizures leave, or one a change of amounts alone finds missing (rebuilt meanwhile), can be
    # left with none: the rows are read back only then (a new record's save adds a seizure to every row it touches,
    # and an INSERT that returns nothing is lighter on both ends).
    leaving = any(amounts[0] <= 0 for _key, amounts in ordered)
    statement = _upsert_statement(connection.dialect.name, table, leaving)
    emptied = []
    for start in range(0, len(ordered), CHUNK):
        rows = [dict(zip(names, (*key, *amounts), strict=True)) for key, amounts in ordered[start:start + CHUNK]]
        result = connection.execute(statement, rows)
        if leaving:
            emptied += [row.id for row in result if row.seizures == 0]
    if emptied:
        connection.execute(delete(table).where(table.c.id.in_(emptied), table.c.seizures == 0))


@cache
def _upsert_statement(dialect: str, table: Any, returning: bool) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    new = statement.excluded
    statement = statement.on_conflict_do_update(index_elements=figure_key(table), set_={
        "seizures": table.c.seizures + new.seizures,
        # quantity and arrested: None stays None (dimensions without them); otherwise they add up
        **{name: _coalesced_sum(table.c[name], new[name]) for name in ("quantity", "arrested")},
    })
    return statement.returning(table.c.id, table.c.seizures) if returning else statement


def _coalesced_sum(kept: Any, delta: Any) -> Any:
    return case((delta.is_(None), kept), else_=func.coalesce(kept, 0) + delta)


def _forget(session: Session) -> None:
    for key in (DELTAS, READ, CHANGED):
        session.info.pop(key, None)


LISTENERS = (("before_flush", _before_flush), ("after_flush", _after_flush), ("before_commit", _write),
             ("after_rollback", _forget))


def install() -> None:
    """Keep the figures exact on every commit of every ORM session (wiring.install calls this at start)."""
    for name, listener in LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)

