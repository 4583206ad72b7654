"""The shape of the hottest record queries, read from each engine's plan: each must be answerable from indexes at any
size (at 100,000 records, a scan of the operation's records cost 190 ms of the focal point's 540 ms list, 210 ms of
the release's preview for its twelve highlights, and sorting every readable record 460 ms of the search page's latest
records on PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import event, func, select, text
from sqlalchemy.engine import Engine

from opsplatform import policy
from opsplatform.figures import rollup, upkeep
from opsplatform.models.seizures import Seizure
from opsplatform.releases.figures import highlights_query, press_scope
from opsplatform.reporting.exports import visible_records
from opsplatform.reporting.filters import ResultFilter
from opsplatform.reporting.records import NEWEST, PAGE, matching
from tests.results_support import active_operation, many_records, member


async def plan(db, query) -> str:
    """The engine's plan for `query`; PostgreSQL told to avoid a sequential scan, as it would at scale (the few test
    rows would otherwise be read whole whatever the indexes)."""
    engine = db.bind.dialect.name
    sql = str(query.compile(db.bind, compile_kwargs={"literal_binds": True}))
    if engine == "sqlite":
        return "\n".join(row[-1] for row in (await db.execute(text(f"EXPLAIN QUERY PLAN {sql}"))).all())
    await db.execute(text("SET LOCAL enable_seqscan = off"))
    return "\n".join(row[0] for row in (await db.execute(text(f"EXPLAIN {sql}"))).all())


async def test_a_focal_points_records_are_found_through_its_country_and_the_shared_ones(db, cast):
    operation = await active_operation(db)
    await many_records(db, operation)
    records = visible_records(await member(db, cast.kenya, operation), ResultFilter())

    for query in (records.order_by(Seizure.seizure_date.desc(), Seizure.id.desc()).limit(50),
                  select(func.count()).select_from(records.subquery())):
        found = await plan(db, query)
        # The OR split in two index searches: the country's records (slice or unique index), and the shared ones.
        assert "ix_seizures_shared" in found, found


async def test_a_releases_highlights_are_read_through_the_approved_records_in_date_order(db, cast):
    operation = await active_operation(db)
    await many_records(db, operation)
    scope = press_scope(operation)
    named = (await db.scalars(policy.named_countries(operation.id))).all()

    assert "ix_seizures_publicity" in await plan(db, highlights_query(scope, named))


async def test_the_latest_records_across_operations_are_read_backwards_not_sorted(db, cast):
    operation = await active_operation(db)
    await many_records(db, operation)

    for user in (cast.coordinator, cast.analyst):
        found = await plan(db, matching(user, "").order_by(*NEWEST).limit(PAGE))
        assert "TEMP B-TREE" not in found and "Sort" not in found, found


async def test_an_operations_counted_records_are_read_from_the_index_alone(db, cast):
    """What makes a record count (its status, no link to another country's record of the shipment) is in the slice
    index: a release's commodity lines read 100,000 records' rows for it, 203 ms of their 430 on SQLite."""
    operation = await active_operation(db)
    await many_records(db, operation)

    if db.bind.dialect.name == "postgresql":  # its records marked visible to all, as autovacuum leaves a table
        await db.commit()
        async with db.bind.connect() as connection:
            await (await connection.execution_options(isolation_level="AUTOCOMMIT")).execute(text("VACUUM seizures"))
    found = await plan(db, press_scope(operation).seizures())
    assert "COVERING INDEX ix_seizures_slice" in found or "Index Only Scan using ix_seizures_slice" in found, found


async def test_a_saves_figures_are_read_by_one_statement_text_that_finds_its_seizures_by_key(db, cast):
    """Each save reads what its seizures add to the figures (figures/upkeep.py) with one large statement. With their
    ids as one parameter it is the same text for any number of them, which the engine prepares once; with an IN of
    a parameter per id, SQLAlchemy rewrote its 22 KB on every save, 1 ms of a submission's 10 on PostgreSQL."""
    operation = await active_operation(db)
    await many_records(db, operation)
    ids = (await db.scalars(select(Seizure.id).where(Seizure.operation_id == operation.id)
                            .order_by(Seizure.id))).all()
    sent = []

    def note(_connection, _cursor, statement, parameters, _context, _executemany) -> None:
        sent.append((statement, parameters))
    event.listen(Engine, "before_cursor_execute", note)
    try:
        one = await db.run_sync(lambda session: upkeep._contributions(session.connection(), ids[:1]))
        many = await db.run_sync(lambda session: upkeep._contributions(session.connection(), ids[:1500]))
    finally:
        event.remove(Engine, "before_cursor_execute", note)

    assert len(sent) == 3 and len({statement for statement, _ in sent}) == 1  # one, then 1,000 and 500
    for found, chosen in ((one, ids[:1]), (many, ids[:1500])):
        recounted = (await db.execute(rollup.facts(rollup._counted_records(Seizure.id.in_(chosen)).subquery()))).all()
        assert _summed(found) == _summed(recounted) and recounted
    statement, parameters = sent[0]
    if db.bind.dialect.name == "postgresql":
        await db.execute(text("SET LOCAL enable_seqscan = off"))
        found = "\n".join(row[0] for row in (await db.run_sync(lambda session: session.connection().exec_driver_sql(
            f"EXPLAIN {statement}", parameters).all())))
    else:
        found = "\n".join(row[-1] for row in (await db.run_sync(lambda session: session.connection().exec_driver_sql(
            f"EXPLAIN QUERY PLAN {statement}", parameters).all())))
    assert "seizures_pkey" in found or "SEARCH seizures USING INTEGER PRIMARY KEY" in found, found


def _summed(rows) -> dict:
    deltas: dict = {}
    upkeep._accumulate(deltas, rows, 1)
    return deltas
