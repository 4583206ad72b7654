"""The daily figures stay equal to what the records say, through every kind of write, on both databases."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from opsplatform.database import make_engine, make_sessionmaker, session_scope
from opsplatform.figures import rollup
from opsplatform.models.reporting import DailyFigure, WindowFigure
from opsplatform.models.seizures import Seizure, SeizureItem, counted
from opsplatform.models.vocabulary import TRANSPORT_MODES
from opsplatform.reporting.filters import ResultFilter
from opsplatform.reporting.summary import breakdowns, summary
from opsplatform.seizures import imports
from opsplatform.seizures.imports import import_sheet
from opsplatform.seizures.returns import completeness
from opsplatform.seizures.services import change_status, create_seizure, update_seizure
from opsplatform.seizures.shapes import seizure_fields
from tests.results_support import IVORY, active_operation, member, record_member, statements_run
from tests.test_summary import generate, load

# Every seizure, but through a filter the table cannot answer: the figures are computed from the records instead.
FROM_RECORDS = ResultFilter(modes=(*TRANSPORT_MODES, "unknown"))
NOW = datetime(2026, 10, 20, tzinfo=UTC)


def _plain(rows) -> list[tuple]:
    return sorted(((*row[:7], None if row[7] is None else round(row[7], 6), *row[8:]) for row in rows), key=repr)


async def stored(db, operation_id: int) -> list[tuple]:
    table = DailyFigure.__table__
    return _plain((await db.execute(select(*(table.c[c] for c in rollup.COLUMNS))
                                    .where(table.c.operation_id == operation_id))).all())


async def recomputed(db, operation_id: int) -> list[tuple]:
    records = select(Seizure).where(Seizure.operation_id == operation_id, counted()).subquery()
    return _plain((await db.execute(rollup.facts(records))).all())


async def assert_consistent(db, operation, cast) -> None:
    assert await stored(db, operation.id) == await recomputed(db, operation.id)
    assert await window_stored(db, operation.id) == await window_summed(db, operation.id)
    dated = ResultFilter(start=date(2026, 10, 2), end=date(2026, 10, 20))
    for user in (cast.coordinator, cast.kenya, cast.press):
        assert (await summary(db, await member(db, user, operation))
                == await summary(db, await member(db, user, operation), FROM_RECORDS))
        assert (await summary(db, await member(db, user, operation), dated)
                == await summary(db, await member(db, user, operation),
                                 replace(FROM_RECORDS, start=dated.start, end=dated.end)))
        assert (await breakdowns(db, await member(db, user, operation), ResultFilter(), NOW)
                == await breakdowns(db, await member(db, user, operation), FROM_RECORDS, NOW))


def sheet(rows: list[dict[str, str]]) -> bytes:
    header = list(rows[0])
    return "\n".join([",".join(header), *(",".join(r[h] for h in header) for r in rows)]).encode()


async def test_figures_follow_creates_corrections_status_changes_and_imports(db, settings, cast) -> None:
    operation = await active_operation(db)
    await load(db, settings, cast, operation, generate(seed=5, count=30))
    stored_rows = await stored(db, operation.id)
    assert {row[3] for row in stored_rows} >= {"total", "mode", "method", "group", "taxon", "term"}
    await assert_consistent(db, operation, cast)

    # A correction that moves the seizure to another day, changes its mode and replaces its items.
    seizure = await create_seizure(db, settings, await member(db, cast.kenya, operation), IVORY)
    await db.commit()
    fields = await seizure_fields(db, seizure)
    await update_seizure(db, settings, await member(db, cast.kenya, operation), seizure, {
        **fields, "seizure_date": "2026-10-09", "transport_mode": "road",
        "items": [{"taxon": "Manis javanica", "term": "SCA", "quantity": 3, "unit": "t"}]}, seizure.version)
    await db.commit()
    await assert_consistent(db, operation, cast)
    moved = await db.scalar(select(DailyFigure.seizures).where(
        DailyFigure.operation_id == operation.id, DailyFigure.country == "KEN", DailyFigure.dimension == "term",
        DailyFigure.key == "SCA", DailyFigure.unit == "kg", DailyFigure.day == datetime(2026, 10, 9).date()))
    assert moved is not None and moved >= 1

    # Withdrawn: it leaves the figures.
    await change_status(db, await record_member(db, cast.kenya, seizure), seizure, "withdraw", "entered twice")
    await db.commit()
    await assert_consistent(db, operation, cast)

    # An item removed on its own (the ORM sees only the item, not its seizure).
    other = await db.scalar(select(Seizure).where(Seizure.operation_id == operation.id,
                                                  Seizure.status == "submitted").order_by(Seizure.id))
    items = (await db.scalars(select(SeizureItem).where(SeizureItem.seizure_id == other.id))).all()
    if len(items) > 1:
        await db.delete(items[-1])
    else:
        items[0].term_code, items[0].normalised_unit = "BOD", "number"
    await db.commit()
    await assert_consistent(db, operation, cast)

    # A sheet: new seizures, then the same sheet with a changed date (an update through bulk statements).
    rows = [{"seizure_ref": f"KE-S-{n}", "seizure_date": f"2026-10-{10 + n}", "taxon": "Loxodonta africana",
             "term": "TUS", "quantity": str(n + 1), "unit": "kg", "transport_mode": "air_passenger"} for n in range(4)]
    await import_sheet(db, await member(db, cast.kenya, operation), "KEN", sheet(rows), "kenya.csv")
    await assert_consistent(db, operation, cast)
    rows[0]["seizure_date"], rows[1]["unit"] = "2026-10-02", ""
    report = await import_sheet(db, await member(db, cast.kenya, operation), "KEN", sheet(rows), "kenya.csv")
    assert report.updated == 2
    await assert_consistent(db, operation, cast)


async def test_a_new_record_adds_to_its_rows_without_reading_them_back_and_a_withdrawal_empties_them(db, settings,
                                                                                                   cast) -> None:
    """A row is read back after its upsert only to find one left with no seizures, which only a record leaving can
    do: a new record's save writes its figures and reads nothing back (the busiest write); its withdrawal reads the
    rows back and deletes those it empties."""
    operation = await active_operation(db)
    with statements_run() as saved:
        seizure = await create_seizure(db, settings, await member(db, cast.kenya, operation), IVORY)
        await db.commit()
    upserts = [s for s in saved if s.startswith(("INSERT INTO daily_figures", "INSERT INTO window_figures"))]
    assert len(upserts) == 2 and not any("RETURNING" in s for s in upserts), upserts
    assert await stored(db, operation.id) == await recomputed(db, operation.id) != []

    with statements_run() as withdrawn:
        await change_status(db, await record_member(db, cast.kenya, seizure), seizure, "withdraw", "entered twice")
        await db.commit()
    upserts = [s for s in withdrawn if s.startswith(("INSERT INTO daily_figures", "INSERT INTO window_figures"))]
    assert len(upserts) == 2 and all("RETURNING" in s for s in upserts), upserts
    assert [s for s in withdrawn if s.startswith(("DELETE FROM daily_figures", "DELETE FROM window_figures"))]
    assert await stored(db, operation.id) == [] and await window_stored(db, operation.id) == []
    await assert_consistent(db, operation, cast)


async def test_a_rolled_back_change_leaves_the_figures_alone(db, settings, cast) -> None:
    operation = await active_operation(db)
    await create_seizure(db, settings, await member(db, cast.kenya, operation), IVORY)
    await db.commit()
    before = await stored(db, operation.id)
    await create_seizure(db, settings, await member(db, cast.kenya, operation),
                         {**IVORY, "seizure_ref": "KE-2", "seizure_date": "2026-10-05"})
    await db.rollback()  # the third batch, interrupted before its commit
    await db.refresh(operation)
    for expired in (operation, cast.kenya):
        await db.refresh(expired)
    await create_seizure(db, settings, await member(db, cast.kenya, operation), {**IVORY, "seizure_ref": "KE-3"})
    await db.commit()
    after = await stored(db, operation.id)
    assert after != before and after == await recomputed(db, operation.id)
    assert "2026-10-05" not in repr(after)


async def test_rebuild_gives_the_figures_the_commits_kept(db, settings, cast) -> None:
    operation = await active_operation(db)
    await load(db, settings, cast, operation, generate(seed=9, count=20))
    kept = await stored(db, operation.id)
    await rollup.rebuild(db, operation.id)
    await db.commit()
    assert await stored(db, operation.id) == kept


async def test_two_writers_in_the_same_day_and_country_both_count(database_url, settings, db, cast) -> None:
    """Two transactions adding to one slice at once: the second recompute waits for the first, none is lost."""
    operation = await active_operation(db)
    engine = make_engine(database_url)
    makers = make_sessionmaker(engine)
    try:
        async with (session_scope(makers, actor=(None, "a")) as first,
                    session_scope(makers, actor=(None, "b")) as second):
            await create_seizure(first, settings, await member(first, cast.kenya, operation),
                                 {**IVORY, "seizure_ref": "KE-A"})
            if database_url.startswith("sqlite"):
                await first.commit()  # SQLite has one writer at a time: the second waits for this commit anyway
                await create_seizure(second, settings, await member(second, cast.kenya, operation),
                                     {**IVORY, "seizure_ref": "KE-B"})
                await second.commit()
            else:
                await create_seizure(second, settings, await member(second, cast.kenya, operation),
                                     {**IVORY, "seizure_ref": "KE-B"})
                await asyncio.gather(first.commit(), second.commit())
    finally:
        await engine.dispose()
    assert await stored(db, operation.id) == await recomputed(db, operation.id)
    figures = await summary(db, await member(db, cast.coordinator, operation))
    assert figures["seizures"] == 2 and figures["by_day"] == [{"date": "2026-10-03", "seizures": 2}]


async def test_many_writers_adding_and_correcting_in_one_country_at_once_all_count(database_url, settings, db,
                                                                                   cast) -> None:
    """Writers that add to and take from the same rows at once, in one country: each adds what it changed, none
    waits for a lock on the country, none deadlocks, and the figures are what the records say."""
    operation = await active_operation(db)
    kept = []
    for n in range(4):
        kept.append(await create_seizure(db, settings, await member(db, cast.kenya, operation),
                                         {**IVORY, "seizure_ref": f"KE-K{n}"}))
    await db.commit()
    versions = [(seizure.id, seizure.version) for seizure in kept]
    engine = make_engine(database_url)
    makers = make_sessionmaker(engine)

    async def write(n: int, session) -> None:
        kenya = await member(session, cast.kenya, operation)
        await create_seizure(session, settings, kenya, {**IVORY, "seizure_ref": f"KE-N{n}",
                                                        "seizure_date": f"2026-10-0{3 + n % 2}"})
        seizure_id, version = versions[n]
        seizure = await session.get(Seizure, seizure_id)
        await update_seizure(session, settings, kenya, seizure, {
            **await seizure_fields(session, seizure), "seizure_date": "2026-10-04", "transport_mode": "road",
            "items": [{"taxon": "Manis javanica", "term": "SCA", "quantity": n + 1, "unit": "kg"}]}, version)

    try:
        async with AsyncExitStack() as stack:
            opened = [await stack.enter_async_context(session_scope(makers, actor=(None, f"w{n}")))
                      for n in range(4)]
            for n, session in enumerate(opened):
                await write(n, session)
                if database_url.startswith("sqlite"):  # one writer at a time: each commits before the next writes
                    await session.commit()
            await asyncio.gather(*(session.commit() for session in opened))
    finally:
        await engine.dispose()
    await assert_consistent(db, operation, cast)
    figures = await summary(db, await member(db, cast.coordinator, operation))
    assert figures["seizures"] == 8


async def window_stored(db, operation_id: int) -> list[tuple]:
    table = WindowFigure.__table__
    return sorted(((r[0], r[1], r[2], r[3], r[4], int(r[5]), None if r[6] is None else round(r[6], 6),
                    None if r[7] is None else int(r[7]))
                   for r in (await db.execute(select(*(table.c[c] for c in rollup.WINDOW_COLUMNS))
                                              .where(table.c.operation_id == operation_id))).all()), key=repr)


async def window_summed(db, operation_id: int) -> list[tuple]:
    return folded([(*row[:2], *row[3:]) for row in await stored(db, operation_id)])


def folded(rows: list[tuple]) -> list[tuple]:
    """Rows of figures (key columns, then seizures, quantity, arrested) summed into one row per key; a key whose
    seizures sum to none (all taken out by an update) is not there."""
    sums = {}
    for *key, seizures, quantity, arrested in rows:
        entry = sums.setdefault(tuple(key), [0, None, None])
        entry[0] += seizures
        entry[1] = quantity if entry[1] is None else entry[1] + (quantity or 0)
        entry[2] = arrested if entry[2] is None else entry[2] + (arrested or 0)
    return sorted(((*k, n, None if q is None else round(q, 6), a) for k, (n, q, a) in sums.items() if n), key=repr)


class Interrupted(Exception):
    pass


async def test_an_import_cut_short_leaves_exact_figures(db, settings, cast, makers, monkeypatch) -> None:
    """Each batch's commit adds its new seizures' figures to the rows of their keys, so an import cut short leaves
    exact figures, one row per key, with nothing left to fold."""
    operation = await active_operation(db)
    await load(db, settings, cast, operation, generate(seed=3, count=12))
    monkeypatch.setattr(imports, "BATCH", 3)
    rows = [{"seizure_ref": f"KE-B-{n}", "seizure_date": f"2026-10-{3 + n % 3:02d}", "taxon": "Loxodonta africana",
             "term": "TUS", "quantity": str(n + 1), "unit": "kg", "transport_mode": "air_cargo"} for n in range(10)]

    class StopInTheThirdBatch:
        async def read(self, rows: int) -> None:
            pass

        async def saved(self, _session, done: int, _total: int, _report) -> None:
            if done > 6:  # before the third batch commits
                raise Interrupted

    async with makers[0]() as worker:  # closed with the third batch uncommitted, as a killed worker's
        with pytest.raises(Interrupted):
            await import_sheet(worker, await member(worker, cast.kenya, operation), "KEN", sheet(rows), "kenya.csv",
                               progress=StopInTheThirdBatch())
    assert await stored(db, operation.id) == await recomputed(db, operation.id)
    assert await window_stored(db, operation.id) == await window_summed(db, operation.id)
    for user in (cast.coordinator, cast.kenya, cast.press):
        assert (await summary(db, await member(db, user, operation))
                == await summary(db, await member(db, user, operation), FROM_RECORDS))
        assert (await breakdowns(db, await member(db, user, operation), ResultFilter(), NOW)
                == await breakdowns(db, await member(db, user, operation), FROM_RECORDS, NOW))

    report = await import_sheet(db, await member(db, cast.kenya, operation), "KEN", sheet(rows), "kenya.csv")
    assert (report.created, report.unchanged) == (4, 6)
    await assert_consistent(db, operation, cast)


async def test_an_interrupted_reimport_that_changes_records_leaves_exact_figures(db, settings, cast, makers,
                                                                                 monkeypatch) -> None:
    """Update batches take their seizures' old figures out and add the new ones, so a re-import cut short leaves
    exact figures without recomputing any day; a day left without seizures keeps no rows."""
    operation = await active_operation(db)
    await load(db, settings, cast, operation, generate(seed=4, count=12))
    monkeypatch.setattr(imports, "BATCH", 3)
    # The first batch holds all of the 3rd: once it has moved, that day has no figures left.
    rows = [{"seizure_ref": f"KE-U-{n}", "seizure_date": f"2026-10-{3 + (n > 2):02d}", "taxon": "Loxodonta africana",
             "term": "TUS", "quantity": str(n + 1), "unit": "kg", "transport_mode": "air_cargo"} for n in range(10)]
    await import_sheet(db, await member(db, cast.kenya, operation), "KEN", sheet(rows), "kenya.csv")
    # The same seizures moved to other days, other modes and taxa, other quantities.
    changed = [{**row, "seizure_date": f"2026-10-{9 + n % 2:02d}", "transport_mode": "road", "taxon": "Manis",
                "term": "SCA", "quantity": str(2 * n + 5)} for n, row in enumerate(rows)]

    class StopInTheThirdBatch:
        async def read(self, rows: int) -> None:
            pass

        async def saved(self, _session, done: int, _total: int, _report) -> None:
            if done > 6:
                raise Interrupted

    async with makers[0]() as worker:
        with pytest.raises(Interrupted):
            await import_sheet(worker, await member(worker, cast.kenya, operation), "KEN", sheet(changed), "k.csv",
                               progress=StopInTheThirdBatch())
    assert await stored(db, operation.id) == await recomputed(db, operation.id)
    assert await window_stored(db, operation.id) == await window_summed(db, operation.id)
    for user in (cast.coordinator, cast.kenya, cast.press):
        assert (await summary(db, await member(db, user, operation))
                == await summary(db, await member(db, user, operation), FROM_RECORDS))
        assert (await breakdowns(db, await member(db, user, operation), ResultFilter(), NOW)
                == await breakdowns(db, await member(db, user, operation), FROM_RECORDS, NOW))

    report = await import_sheet(db, await member(db, cast.kenya, operation), "KEN", sheet(changed), "k.csv")
    assert (report.updated, report.unchanged) == (4, 6)
    await assert_consistent(db, operation, cast)



async def test_a_day_is_on_time_by_the_records_it_still_holds_after_an_interrupted_move(db, settings, cast,
                                                                                      monkeypatch) -> None:
    """A re-import cut short after moving a day's only on-time record elsewhere: the day is late by what it still
    holds (a moment taken out of a day cannot be taken back from a kept minimum, so none is kept)."""
    operation = await active_operation(db)
    rows = [{"seizure_ref": ref, "seizure_date": day, "taxon": "Loxodonta africana", "term": "TUS", "quantity": "2",
             "unit": "kg", "transport_mode": "air_cargo"}
            for ref, day in (("KE-A", "2026-10-03"), ("KE-B", "2026-10-03"), ("KE-C", "2026-10-05"))]
    await import_sheet(db, await member(db, cast.kenya, operation), "KEN", sheet(rows), "kenya.csv")
    for ref, day in (("KE-A", 3), ("KE-B", 10), ("KE-C", 20)):  # A logged on time; B and C days late
        logged = datetime(2026, 10, day, 12, tzinfo=UTC)
        (await db.scalar(select(Seizure).where(Seizure.seizure_ref == ref))).created_at = logged
    await db.commit()
    kenya = next(row for row in (await completeness(db, operation, date(2026, 10, 31))).rows if row.code == "KEN")
    assert kenya.on_time == 1

    monkeypatch.setattr(imports, "BATCH", 1)

    class StopInTheSecondBatch:
        async def read(self, rows: int) -> None:
            pass

        async def saved(self, _session, done: int, _total: int, _report) -> None:
            if done > 1:
                raise Interrupted

    moved = [{**rows[0], "seizure_date": "2026-10-09"}, rows[1], {**rows[2], "seizure_date": "2026-10-06"}]
    with pytest.raises(Interrupted):
        await import_sheet(db, await member(db, cast.kenya, operation), "KEN", sheet(moved), "k.csv",
                           progress=StopInTheSecondBatch())
    grid = await completeness(db, operation, date(2026, 10, 31))
    kenya = next(row for row in grid.rows if row.code == "KEN")
    days = {day.isoformat(): cell for day, cell in zip(grid.days, kenya.cells, strict=True)}
    assert (days["2026-10-03"], days["2026-10-05"], days["2026-10-09"]) == ("seizures",) * 3
    assert kenya.on_time == 1  # the 9th, by A (logged before it); the 3rd holds only B, a week late
