"""A sheet import killed mid-way (SIGKILL, as a power cut or the OOM killer would) leaves no half-written seizure,
and running it again imports everything exactly once."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time

from sqlalchemy import func, select

from opsplatform.background.task_kinds import TASKS
from opsplatform.database import bulk_insert, make_engine, make_sessionmaker, utcnow
from opsplatform.jobs import tasks
from opsplatform.models.jobs import JobRun
from opsplatform.models.seizures import Seizure, SeizureItem, SheetImport
from opsplatform.reporting.summary import summary
from tests.conftest import csrf_of, form_post, login, work_off
from tests.results_support import active_operation, member

SEIZURES = 10_000  # two items each: 20,000 rows, several seconds of writing in 500-seizure transactions
HEADER = "seizure_ref,item_no,seizure_date,location,transport_mode,taxon,term,quantity,unit"


def big_sheet() -> bytes:
    rows = [HEADER]
    for n in range(SEIZURES):
        day = f"2026-10-{n % 31 + 1:02d}"
        rows.append(f"KE-{n:05d},1,{day},JKIA,air_cargo,Loxodonta africana,TUS,{n % 90 + 1},kg")
        rows.append(f"KE-{n:05d},2,{day},JKIA,air_cargo,Manis,SCA,{n % 40 + 1},KIL")
    return ("\n".join(rows) + "\n").encode()


async def seizures_and_incomplete(db) -> tuple[int, int]:
    """(seizures stored, seizures that lack one of their two items)."""
    per_seizure = (select(SeizureItem.seizure_id, func.count().label("n")).group_by(SeizureItem.seizure_id)
                   .subquery())
    total = await db.scalar(select(func.count()).select_from(Seizure))
    incomplete = await db.scalar(select(func.count()).select_from(Seizure).outerjoin(
        per_seizure, per_seizure.c.seizure_id == Seizure.id).where(func.coalesce(per_seizure.c.n, 0) != 2))
    await db.commit()  # end the read transaction so the importer is never held up by it
    return total, incomplete


async def test_an_import_killed_mid_way_leaves_whole_seizures_and_a_rerun_completes_it(database_url, db, cast,
                                                                                     tmp_path):
    operation = await active_operation(db)
    sheet = tmp_path / "kenya.csv"
    sheet.write_bytes(big_sheet())
    command = [sys.executable, "-m", "opsplatform", "import", "seizures", "--database-url", database_url,
               "--operation", operation.code, "--country", "KEN", str(sheet)]

    process = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.PIPE)
    deadline = time.monotonic() + 120
    stored = 0
    while stored == 0 and time.monotonic() < deadline and process.returncode is None:
        await asyncio.sleep(0.05)
        stored, _ = await seizures_and_incomplete(db)
    process.kill()  # SIGKILL: no clean-up code runs
    await process.wait()
    stored, incomplete = await seizures_and_incomplete(db)
    assert 0 < stored < SEIZURES, f"the import was not caught mid-way ({stored} of {SEIZURES} stored)"
    assert incomplete == 0
    # Recorded like an upload: listed, running (until the next run or the reaper finds its process gone).
    killed = await db.scalar(select(SheetImport).execution_options(populate_existing=True))
    assert (killed.filename, killed.uploaded_by, killed.status, killed.created) == \
        ("kenya.csv", None, "running", stored)
    await db.commit()
    # The daily figures were written in the same transactions as the seizures they count.
    assert (await summary(db, await member(db, cast.coordinator, operation)))["seizures"] == stored
    await db.commit()

    rerun = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE,
                                                 stderr=asyncio.subprocess.PIPE)
    out, err = await rerun.communicate()
    assert rerun.returncode == 0, err.decode()
    created, updated, unchanged = map(int, re.search(
        r"\((\d+) seizures were created, (\d+) updated, (\d+) unchanged\)", out.decode()).groups())
    assert (created, updated, unchanged) == (SEIZURES - stored, 0, stored)
    assert await seizures_and_incomplete(db) == (SEIZURES, 0)
    uploads = (await db.execute(select(SheetImport.status, SheetImport.created).order_by(SheetImport.id))).all()
    assert uploads == [("failed", stored), ("done", SEIZURES - stored)]  # the killed one, failed with what it saved
    assert (await summary(db, await member(db, cast.coordinator, operation)))["seizures"] == SEIZURES


async def test_a_bulk_insert_right_after_a_commit_stays_in_the_callers_transaction(database_url, db, cast):
    """Regression: on PostgreSQL the COPY used to run before the transaction had begun, and so committed alone."""
    operation = await active_operation(db)  # ends with a commit: the next statement opens a new transaction
    now = utcnow()
    await bulk_insert(db, Seizure.__table__, [{
        "operation_id": operation.id, "reporting_country": "KEN", "seizure_ref": "KE-ROLLED-BACK",
        "seizure_date": operation.start_date, "transit_countries": [], "suspect_nationalities": [],
        "suspects_arrested": 0, "status": "submitted", "version": 1, "created_at": now, "updated_at": now,
        "shared_with_participants": False, "publicity_approved": False}], ids=True)
    await db.rollback()
    assert await db.scalar(select(func.count()).select_from(Seizure)) == 0


async def test_a_web_import_whose_worker_is_killed_fails_with_what_it_saved_and_runs_again(client, db, cast,
                                                                                          settings):
    operation = await active_operation(db)
    await login(client, cast.kenya)
    response = await client.post(f"/operations/{operation.code}/imports", data={"_csrf_token": await csrf_of(client)},
                                 files={"file": ("kenya.csv", big_sheet(), "text/csv")})
    page = response.headers["location"]
    await work_off(settings)
    await form_post(client, f"{page}/run")
    engine = make_engine(settings.database_url)
    dispatcher = asyncio.create_task(tasks.dispatch(make_sessionmaker(engine), settings, 1, TASKS))
    try:
        deadline, stored = time.monotonic() + 120, 0
        while stored == 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            stored, _ = await seizures_and_incomplete(db)
        worker = await db.scalar(select(JobRun.worker).where(JobRun.job == "sheet_import"))
        await db.commit()
        os.kill(int(worker.rpartition(":")[2]), signal.SIGKILL)
        for _ in range(100):  # the dispatcher sees its worker die
            await asyncio.sleep(0.1)
            upload = await db.scalar(select(SheetImport).execution_options(populate_existing=True))
            await db.commit()
            if upload.status == "failed":
                break
    finally:
        dispatcher.cancel()
        await engine.dispose()
    stored, incomplete = await seizures_and_incomplete(db)
    assert 0 < stored < SEIZURES and incomplete == 0
    assert (upload.status, upload.created) == ("failed", stored)  # the counts shown are the counts committed
    text = (await client.get(page)).text
    assert "The import stopped before its end" in text and "Run it again" in text
    again = await form_post(client, f"{page}/run")
    assert again.status_code in (302, 303), again.text
    await work_off(settings)
    upload = await db.scalar(select(SheetImport).execution_options(populate_existing=True))
    assert (upload.status, upload.created, upload.unchanged) == ("done", SEIZURES - stored, stored), upload.report
    assert await seizures_and_incomplete(db) == (SEIZURES, 0)
