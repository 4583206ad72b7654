"""Heavy work leaves the request: a sheet's check and import run as tasks in worker processes, measured before they
are read (zip bombs, row limits), one import at a time per country, and never left half-told when a worker dies."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import os
import zipfile
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import func, select, update

from opsplatform.background.schedule import BY_NAME, run_job
from opsplatform.background.task_kinds import TASKS
from opsplatform.database import make_engine, make_sessionmaker, read_large, utcnow
from opsplatform.jobs import tasks
from opsplatform.models.jobs import JobRun
from opsplatform.models.seizures import Seizure, SheetFile, SheetImport
from opsplatform.seizures import sheet_tasks
from opsplatform.seizures.sheets import SheetError, SheetLimits, read_rows
from tests.conftest import csrf_of, form_post, login, work_off
from tests.results_support import active_operation
from tests.test_imports import ROWS, semicolon_csv

BASE = "/operations/THUNDER-2026"


@pytest.fixture
async def thunder(db):
    return await active_operation(db)


async def upload(client, content: bytes, name: str = "kenya.csv") -> str:
    response = await client.post(f"{BASE}/imports", files={"file": (name, content, "text/csv")},
                                 data={"_csrf_token": await csrf_of(client)})
    assert response.status_code in (302, 303), response.text
    return response.headers["location"]


def workbook(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


GOOD_XLSX_ROWS = [["seizure_ref", "seizure_date", "taxon", "term", "quantity"],
                  *[[f"KE-{n}", "2026-10-02", "Loxodonta africana", "TUS", n + 1] for n in range(400)]]


def bomb(strings_mb: int = 40) -> bytes:
    """A valid workbook whose shared text unpacks to `strings_mb` MB from a few dozen kilobytes."""
    source = zipfile.ZipFile(io.BytesIO(workbook(GOOD_XLSX_ROWS[:2])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for part in source.infolist():
            target.writestr(part, source.read(part.filename))
        strings = b"<si><t>aaaaaaaa</t></si>" * (strings_mb * 2**20 // 24)
        target.writestr("xl/sharedStrings.xml", b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                        b'main">' + strings + b"</sst>")
    return out.getvalue()


async def test_a_kept_file_reads_back_exactly_a_chunk_at_a_time(db, cast, thunder):
    content = bytes(range(256)) * 41 + b"\x00end"  # every byte value, and a length no chunk divides
    upload = await sheet_tasks.keep(db, operation_id=thunder.id, country="KEN", filename="k.csv", content=content,
                                    user=cast.kenya)
    await db.commit()
    assert bytes(await sheet_tasks.content_of(db, upload)) == content
    for chunk in (7, 256, len(content), 4 << 20):
        assert bytes(await read_large(db, SheetFile.content, SheetFile.upload_id == upload.id, chunk)) == content


async def test_a_truncated_workbook_is_refused_with_a_sheet_error_not_a_server_error(client, db, cast, thunder,
                                                                                      settings):
    content = workbook(GOOD_XLSX_ROWS)
    await login(client, cast.kenya)
    page = await upload(client, content[:len(content) * 2 // 3], "kenya.xlsx")
    [run] = await work_off(settings)
    assert run.outcome == "ok"
    text = (await client.get(page)).text
    assert "This sheet cannot be imported" in text and "cannot be opened as an Excel workbook" in text
    assert "Run it again" not in text and "ParseError" not in text
    assert (await db.scalar(select(SheetImport.status))) == "refused"
    # Cut within a part that is read as a stream: the error comes while reading its rows.
    for cut in range(len(content) // 2, len(content) - 100, 997):
        with pytest.raises(SheetError, match="cannot be opened"):
            list(read_rows(content[:cut], "k.xlsx"))


async def test_a_zip_bomb_is_refused_from_its_declared_sizes_before_it_is_read(client, db, cast, thunder, settings):
    content = bomb()
    assert len(content) < 2**20
    with pytest.raises(SheetError, match=r"unpacks to 40 MB"):
        next(read_rows(content, "k.xlsx"))
    await login(client, cast.kenya)
    page = await upload(client, content, "bomb.xlsx")
    await work_off(settings)
    assert "unpacks to 40 MB, more than a seizure sheet holds" in (await client.get(page)).text


def test_a_workbook_beyond_the_unpacked_limit_is_refused_and_one_within_it_is_read() -> None:
    content = workbook(GOOD_XLSX_ROWS)
    assert len(list(read_rows(content, "k.xlsx", SheetLimits(unpacked_mb=1)))) == 400
    with pytest.raises(SheetError, match="at most 0 MB"):
        next(read_rows(content, "k.xlsx", SheetLimits(unpacked_mb=0)))


async def test_rows_beyond_the_settings_limit_are_refused_with_a_clear_message(client, db, cast, thunder, settings):
    limited = dataclasses.replace(settings, sheet_max_rows=5)
    await login(client, cast.kenya)
    page = await upload(client, semicolon_csv(ROWS))  # six rows
    await work_off(limited)
    text = (await client.get(page)).text
    assert "the sheet has more than 5 rows" in text and "split it into sheets of at most 5 rows" in text
    assert await db.scalar(select(func.count()).select_from(Seizure)) == 0


async def test_an_import_waits_for_the_other_sheet_of_its_country(client, db, cast, thunder, settings):
    await login(client, cast.kenya)
    first, second = (await upload(client, semicolon_csv(ROWS), "a.csv"),
                     await upload(client, semicolon_csv(ROWS), "b.csv"))
    await work_off(settings)
    await form_post(client, f"{first}/run")
    refused = await form_post(client, f"{second}/run")
    assert refused.status_code in (302, 303)
    page = (await client.get(second)).text
    assert "&#34;a.csv&#34; of KEN is being imported; run this one once it has finished" in page
    assert (await db.scalar(select(SheetImport.status).where(SheetImport.filename == "b.csv"))) == "previewed"
    await work_off(settings)
    await form_post(client, f"{second}/run")
    await work_off(settings)
    statuses = (await db.execute(select(SheetImport.filename, SheetImport.status, SheetImport.created,
                                        SheetImport.unchanged).order_by(SheetImport.id))).all()
    assert statuses == [("a.csv", "done", 2, 0), ("b.csv", "done", 0, 2)]


async def test_of_two_imports_let_through_at_once_the_second_fails_plainly_and_counts_nothing(client, db, cast,
                                                                                              thunder, settings):
    await login(client, cast.kenya)
    await upload(client, semicolon_csv(ROWS), "a.csv")
    await upload(client, semicolon_csv(ROWS), "b.csv")
    await work_off(settings)
    # Both were queued at the same moment (each saw the other not yet queued) and the first is being imported.
    await db.execute(update(SheetImport).where(SheetImport.filename == "a.csv").values(status="running"))
    await db.execute(update(SheetImport).where(SheetImport.filename == "b.csv").values(status="queued", created=0))
    second = await db.scalar(select(SheetImport).where(SheetImport.filename == "b.csv"))
    await tasks.queue(db, sheet_tasks.IMPORT.name, str(second.id))
    await db.commit()
    [run] = await work_off(settings)
    await db.refresh(second)
    assert (run.outcome, second.status, second.created, second.updated) == ("ok", "failed", 0, 0)
    assert second.report[-1] == ("another sheet of this country was being imported; run this one again once it has "
                                 "finished")
    assert not any("INSERT" in line or "UPDATE" in line or "IntegrityError" in line for line in second.report)
    assert await db.scalar(select(func.count()).select_from(Seizure)) == 0


async def test_a_run_whose_worker_stopped_beating_is_failed_by_the_reaper_and_runs_again(client, db, cast, thunder,
                                                                                       settings, makers):
    await login(client, cast.kenya)
    page = await upload(client, semicolon_csv(ROWS))
    await work_off(settings)
    await form_post(client, f"{page}/run")
    async with makers[0]() as session:
        claimed = await tasks.claim(session)  # a worker on another machine took it, then went silent
        await session.execute(update(JobRun).where(JobRun.id == claimed.id).values(
            worker="elsewhere:1", heartbeat_at=utcnow() - tasks.STALE - timedelta(seconds=1)))
        await session.execute(update(SheetImport).values(status="running"))
        await session.commit()
    text = (await client.get(page)).text
    assert "Importing…" in text and "hx-trigger" in text
    run = await run_job(makers[1], settings, BY_NAME["reap_tasks"])
    assert (run.outcome, run.done) == ("ok", 1)
    text = (await client.get(page)).text
    assert "The import stopped before its end" in text and "the work stopped before its end (stopped)" in text
    assert "Run it again" in text and "hx-trigger" not in text
    await form_post(client, f"{page}/run")
    [again] = await work_off(settings)
    assert again.outcome == "ok" and "Imported:" in (await client.get(page)).text
    assert await db.scalar(select(func.count()).select_from(Seizure)) == 2


async def test_the_dispatcher_runs_each_task_in_a_worker_process_of_its_own(client, db, cast, thunder, settings):
    await login(client, cast.kenya)
    page = await upload(client, semicolon_csv(ROWS))
    engine = make_engine(settings.database_url)
    dispatcher = asyncio.create_task(tasks.dispatch(make_sessionmaker(engine), settings, 1, TASKS))
    try:
        for _ in range(300):
            await asyncio.sleep(0.1)
            if "Checked, nothing saved yet" in (text := (await client.get(page)).text):
                break
        assert "Checked, nothing saved yet" in text
    finally:
        dispatcher.cancel()
        await engine.dispose()
    run = await db.scalar(select(JobRun).where(JobRun.job == "sheet_check"))
    worker = run.worker.rpartition(":")[2]
    assert run.outcome == "ok" and int(worker) != os.getpid() and 0 < run.memory_mb < 300
    client.cookies.clear()
    await login(client, cast.coordinator)
    jobs = (await client.get("/jobs")).text  # where an administrator sees the tasks and what they cost
    assert "<td>sheet_check</td>" in jobs and f'<td class="num">{run.memory_mb}</td>' in jobs


async def test_problem_lines_are_kept_up_to_a_limit_with_how_many_more(db, cast, thunder):
    from opsplatform.seizures.imports import MAX_PROBLEMS, import_sheet
    from tests.results_support import member

    rows = [f"KE-{n};1;2026-10-02;JKIA;;;road;KEN;;Loxodonta africana;TUS;-1;;;;0" for n in range(MAX_PROBLEMS + 7)]
    report = await import_sheet(db, await member(db, cast.kenya, thunder), "KEN", semicolon_csv(rows), "k.csv",
                                dry_run=True)
    told = report.told()
    assert report.rejected == MAX_PROBLEMS + 7 and len(told) == MAX_PROBLEMS + 1
    assert told[-1] == "…and 7 more rejected rows: correct these rows and check the sheet again to see them"


async def test_the_upgrade_moves_kept_files_apart_and_fails_imports_left_running(tmp_path):
    from sqlalchemy import text

    from opsplatform.database import session_scope, upgrade
    from opsplatform.models.seizures import SheetFile
    from tests.migration_support import operation_as_then, reference_as_then

    url = f"sqlite+aiosqlite:///{tmp_path}/old.db"
    await asyncio.to_thread(upgrade, url, "0010")
    engine = make_engine(url)
    async with session_scope(make_sessionmaker(engine)) as db:
        await reference_as_then(db)
        operation_id = await operation_as_then(db)
        for n, status in enumerate(("done", "running"), 1):  # "running": its in-process import died with the server
            await db.execute(text(
                "INSERT INTO sheet_imports (id, operation_id, country_code, filename, content, sha256, created_at, "
                "status, rows_total, rows_done, created, updated, unchanged, rejected, report) VALUES (:id, :op, "
                "'KEN', 'k.csv', :content, '', :now, :status, 6, 3, 2, 0, 0, 3, '[]')"),
                {"id": n, "op": operation_id, "content": semicolon_csv(ROWS), "now": utcnow(), "status": status})
        await db.commit()
    await engine.dispose()
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    async with session_scope(make_sessionmaker(engine)) as db:
        assert (await db.execute(select(SheetImport.id, SheetImport.status).order_by(SheetImport.id))).all() == [
            (1, "done"), (2, "failed")]
        assert set((await db.scalars(select(SheetFile.content))).all()) == {semicolon_csv(ROWS)}
    await engine.dispose()
