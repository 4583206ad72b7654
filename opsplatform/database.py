"""Engine, sessions and migrations for SQLite (embedded default) and PostgreSQL (asyncpg)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    JSON,
    Boolean,
    Integer,
    String,
    TypeDecorator,
    bindparam,
    event,
    func,
    insert,
    literal,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.functions import FunctionElement

from opsplatform import paths
from opsplatform.errors import Conflict

Sessionmaker = async_sessionmaker[AsyncSession]
LARGEST_ID = 2**31 - 1  # ids are INTEGER columns on both databases


def record_id(value: Any) -> int | None:
    """`value` if it is a whole number a record's id can be, else None (no such record can exist)."""
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 12:
        value = int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= LARGEST_ID else None


def utcnow() -> datetime:
    """Timestamps are always aware and in UTC (SQLModel refuses naive ones)."""
    return datetime.now(UTC)


def one_of(column: Any, values: Iterable[Any]) -> Any:
    """`column IN (…)` for values fixed in the code or its seed data (statuses, term codes), written into the
    statement's text: an IN of parameters is rewritten, and sent with a parameter each, every time its statement
    runs, where a statement holding only this is built once. Values are text (or a str enum)."""
    return column.in_([literal_column("'{}'".format(str(getattr(v, "value", v)).replace("'", "''")), String)
                       for v in values])


class _IdList(TypeDecorator[list[int]]):
    """A list of ids as one parameter: an INTEGER[] for PostgreSQL, JSON text for SQLite's json_each."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        return dialect.type_descriptor(ARRAY(Integer) if dialect.name == "postgresql" else String())

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return list(value) if dialect.name == "postgresql" else json.dumps(list(value))


class _Condition(FunctionElement[bool]):
    """A condition on its clauses written in each engine's own SQL: `SQL` (PostgreSQL) and `SQLITE` name them {0},
    {1}, … as compiled."""

    type = Boolean()
    inherit_cache = True
    _is_implicitly_boolean = True  # a condition as it stands: not compared with 1 where booleans are numbers (SQLite)
    SQL = SQLITE = ""


@compiles(_Condition)
def _condition(element: _Condition, compiler: Any, **kw: Any) -> str:
    return element.SQL.format(*(compiler.process(clause, **kw) for clause in element.clauses))


@compiles(_Condition, "sqlite")
def _condition_on_sqlite(element: _Condition, compiler: Any, **kw: Any) -> str:
    return element.SQLITE.format(*(compiler.process(clause, **kw) for clause in element.clauses))


class _AnyOf(_Condition):
    inherit_cache = True
    SQL, SQLITE = "({0} = ANY({1}))", "({0} IN (SELECT value FROM json_each({1})))"


def any_of(column: Any, name: str) -> Any:
    """`column` is one of the ids sent as the parameter `name` (a list): one parameter whatever their number, so the
    statement's text never changes, where an IN of an expanding parameter is rewritten every time it runs (1 ms
    for each save's figures statement)."""
    return _AnyOf(column, bindparam(name, type_=_IdList()))


class _Holds(_Condition):
    inherit_cache = True
    # SQLite's LIKE ignores ASCII case, as its lower() folds nothing else: the same matches without lowering every
    # value searched (a search of 100,000 records: 268 → 146 ms).
    SQL, SQLITE = "({0} ILIKE {1} ESCAPE '/')", "({0} LIKE {1} ESCAPE '/')"


def holds_text(column: Any, text: str) -> Any:
    """`column` holds `text` anywhere, in any case (`%` and `_` taken as typed)."""
    escaped = text.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return _Holds(column, literal(f"%{escaped}%"))


def make_engine(url: str, *, pool_size: int = 10, pool_timeout: float = 30, read_only: bool = False) -> AsyncEngine:
    """An engine with `pool_size` connections kept (twice as many more at peaks); a request that finds them all busy
    waits up to `pool_timeout` seconds, then is answered 503 (web/errors.py). A `read_only` one (a read replica's,
    PostgreSQL) refuses every write, so that no write can go where it would be lost or refused later."""
    pool: dict[str, Any] = {"pool_size": pool_size, "max_overflow": 2 * pool_size, "pool_timeout": pool_timeout}
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **pool)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            # WAL lets readers go on while one writer writes; foreign keys are off by default in SQLite.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    if read_only:
        pool["connect_args"] = {"server_settings": {"default_transaction_read_only": "on"}}
    engine = create_async_engine(url, **pool)
    # Many rows without RETURNING (the audit events of a commit, figures) go as multi-row INSERTs, a page of rows per
    # statement, rather than asyncpg's executemany, which runs the statement once per row.
    engine.sync_engine.dialect.use_insertmanyvalues_wo_returning = True
    _ping_when_idle(engine)
    return engine


IDLE_PING_SECONDS = 10.0
_RETURNED = "returned_at"  # when the connection went back to the pool, in its record's info


def _ping_when_idle(engine: AsyncEngine) -> None:
    """A pooled connection is tried before use only when it sat idle IDLE_PING_SECONDS or more, when the server may
    have ended it (a restart, an idle timeout on the way); one the pool hands out again at once is not, as a ping is
    three round trips of asyncpg's (begin, ping, roll back). A dead one is replaced before the request uses it; a
    connection lost in use is answered 503 by web/errors.py, and the pool drops every connection older than the loss."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _try_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get(_RETURNED)
        if returned is not None and time.monotonic() - returned >= IDLE_PING_SECONDS:
            try:
                dbapi_connection.ping()
            except Exception as exc:  # which error a dead connection raises depends on how it died
                raise DisconnectionError from exc


def make_sessionmaker(engine: AsyncEngine) -> Sessionmaker:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def session_scope(sessionmaker: Sessionmaker,
                        actor: tuple[int | None, str] | None = None) -> AsyncIterator[AsyncSession]:
    """A session whose changes are attributed to `actor` (user id, label) in the audit log."""
    async with sessionmaker() as session:
        if actor is not None:
            session.sync_session.info["actor"] = actor
        yield session


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(paths.MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations (synchronous; Alembic's env runs its own event loop)."""
    command.upgrade(alembic_config(url), revision)


async def upgrade_async(url: str) -> None:
    await asyncio.to_thread(upgrade, url)


async def current_revision(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    async with engine.connect() as conn:
        return await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() or ""


async def refresh_statistics(session: AsyncSession, _settings: Any, _now: datetime) -> int:
    """SQLite plans queries from statistics only ANALYZE gathers (0.5 s at 100,000 seizures); without them, after a
    large import, the dashboard's queries can take seconds. PostgreSQL's autovacuum does this itself."""
    connection = await session.connection()
    if connection.dialect.name != "sqlite":
        return 0
    await session.execute(text("ANALYZE"))
    await session.commit()
    return 1


async def analyze(session: AsyncSession, *tables: str) -> None:
    """Fresh PostgreSQL planner statistics for tables a bulk write is growing fast: until autovacuum catches up, it
    may plan for the few rows it last counted and read every record where an index would find a few. (SQLite's
    statistics do not scale with the table: taken early in an import they mislead it, so it keeps its defaults.)"""
    if (await session.connection()).dialect.name != "postgresql":
        return
    for table in tables:
        await session.execute(text(f"ANALYZE {table}"))


async def advance_version(session: AsyncSession, record: Any, read: int) -> None:
    """Move a record from the version its writer read to the next in one conditional UPDATE (… WHERE version =
    :read): of two writers who read the same version exactly one goes on, the other gets Conflict. Called before
    the record's other changes are flushed, which then hold its row until commit."""
    table = type(record).__table__
    moved = await session.execute(update(table).where(table.c.id == record.id, table.c.version == read)
                                  .values(version=read + 1))
    if moved.rowcount != 1:
        raise Conflict(record)
    set_committed_value(record, "version", read + 1)


def _insert(session: AsyncSession) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT (both databases speak it alike)."""
    return postgresql_insert if session.bind.dialect.name == "postgresql" else sqlite_insert


def upsert(session: AsyncSession, table: Any, values: dict[str, Any], keys: list[str], changes: dict[str, Any]) -> Any:
    """INSERT … ON CONFLICT (keys) DO UPDATE SET changes: one atomic statement (the conflicting row is locked, so
    concurrent writers each see the other's change). Returned unexecuted, to add RETURNING."""
    return _insert(session)(table).values(**values).on_conflict_do_update(index_elements=keys, set_=changes)


async def claim(session: AsyncSession, table: Any, values: dict[str, Any]) -> int | None:
    """Insert a row unless its unique key is taken; the new id, or None when another writer has it already.

    ON CONFLICT DO NOTHING on both databases: on PostgreSQL a concurrent writer waits for the first to commit and
    then inserts nothing, so of several instances exactly one gets the id.
    """
    return await session.scalar(_insert(session)(table).values(**values).on_conflict_do_nothing()
                                .returning(table.c.id))


async def bulk_insert(session: AsyncSession, table: Any, rows: list[dict[str, Any]], *, ids: bool = False) -> list[int]:
    """Insert many rows in the session's transaction; with `ids`, return the new primary keys in row order.

    PostgreSQL gets COPY (several times faster than INSERT for sheet imports), with ids drawn from the table's
    sequence first; SQLite gets one executemany INSERT.
    """
    if not rows:
        return []
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        if not ids:
            await session.execute(insert(table), rows)
            return []
        # SQLite does not promise the order of a multi-row RETURNING, so SQLAlchemy would send one INSERT per row
        # (6 of the 10 s of a 50,000-row import). The first row's INSERT takes the database's one write lock, held
        # to the commit, and the id after the largest; the ids after it are free and stay so until then.
        first = (await session.execute(insert(table).values(rows[0]).returning(table.c.id))).scalar_one()
        new_ids = list(range(first, first + len(rows)))
        if len(rows) > 1:
            await session.execute(insert(table), [{**row, "id": new_id}
                                                  for row, new_id in zip(rows[1:], new_ids[1:], strict=True)])
        return new_ids
    # Through SQLAlchemy first: its asyncpg adapter opens the transaction lazily, at the first statement it runs,
    # and a COPY sent on the raw connection before that would commit on its own, outside the caller's transaction.
    sequence = await session.execute(text(
        f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) FROM generate_series(1, :n)"),
        {"n": len(rows) if ids else 0})
    raw = (await connection.get_raw_connection()).driver_connection
    new_ids: list[int] = []
    if ids:
        new_ids = [r[0] for r in sequence]
        rows = [{**row, "id": new_id} for row, new_id in zip(rows, new_ids, strict=True)]
    columns = [c.name for c in table.columns if c.name in rows[0]]
    json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
    records = [tuple(json.dumps(row[c]) if c in json_columns and row[c] is not None else row[c] for c in columns)
               for row in rows]
    await raw.copy_records_to_table(table.name, records=records, columns=columns)
    return new_ids


async def read_large(session: AsyncSession, column: Any, where: Any, chunk: int = 4 << 20) -> bytes:
    """A large binary value (a kept sheet of up to 60 MB) with as few copies as each driver allows. asyncpg reads a
    value whole into a read buffer that grows to about twice its size (a 60 MB sheet took a worker to 306 MB), so on
    PostgreSQL it comes 4 MB at a time into a buffer allocated once; SQLite's substr reads the whole value for each
    piece, so there it comes at once (measured with benchmarks/heavy_uploads.py)."""
    if session.bind.dialect.name != "postgresql":
        return await session.scalar(select(column).where(where))
    size = await session.scalar(select(func.octet_length(column)).where(where)) or 0
    content = bytearray(size)
    for start in range(0, size, chunk):
        part = await session.scalar(select(func.substr(column, start + 1, chunk)).where(where))  # SQL counts from 1
        content[start:start + len(part)] = part
    # As bytes: readers wrap it in BytesIO, which shares a bytes object but copies a bytearray.
    return bytes(content)
