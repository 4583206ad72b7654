"""A workbook export too large to write while the browser waits leaves the request: the dashboard's XLSX export offers
it, a worker writes it as the member who asked sees the records (their access checked again when it runs), beating a
batch at a time, and keeps it in the operation's documents for that member alone, for a week."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import func, select, update

from opsplatform.background.schedule import BY_NAME, run_job
from opsplatform.database import make_engine, make_sessionmaker, utcnow
from opsplatform.models.audit import AuditEvent
from opsplatform.models.auth import User
from opsplatform.models.documents import Artifact
from opsplatform.models.jobs import JobRun
from opsplatform.models.seizures import Seizure
from opsplatform.reporting import workbooks
from tests.conftest import form_post, login, work_off
from tests.results_support import active_operation, items_for_all, many_records

BASE = "/operations/THUNDER-2026"
LARGE = 3 * workbooks.AT_ONCE + 300  # records of three countries, one item each: more than AT_ONCE for each reader
WANTED = {"end": "2026-10-29", "fields": ["seizure_ref", "reporting_country", "quantity"]}


@pytest.fixture
async def large(db, cast):
    operation = await active_operation(db)
    await many_records(db, operation, LARGE)
    await items_for_all(db, operation)
    return operation


def plain(value: object) -> str:
    """A cell as text, numbers as numbers (a workbook reads 1.0 back as 1, a CSV writes it as 1.0)."""
    text = "" if value is None else str(value)
    try:
        return repr(float(text))
    except ValueError:
        return text


def csv_rows(content: bytes) -> list[list[str]]:
    return [[plain(value) for value in row] for row in csv.reader(io.StringIO(content.decode("utf-8-sig")))]


def workbook_rows(content: bytes) -> list[list[str]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [[plain(value) for value in row] for row in sheet.iter_rows(values_only=True)]


async def ask_for_workbook(client) -> None:
    offer = await client.get(f"{BASE}/export.xlsx", params=WANTED)
    assert offer.status_code == 200 and "too many to write while you wait" in offer.text
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', offer.text))
    assert hidden["end"] == "2026-10-29"
    assert re.findall(r'name="fields" value="(\w+)"', offer.text) == WANTED["fields"]
    response = await form_post(client, f"{BASE}/export.xlsx", {"end": hidden["end"], "fields": WANTED["fields"]})
    assert response.status_code in (302, 303) and response.headers["location"].endswith(f"{BASE}/documents")


@pytest.mark.parametrize("role", ["coordinator", "kenya"])
async def test_a_large_workbook_is_written_by_a_worker_and_holds_what_the_csv_export_holds(client, db, cast, large,
                                                                                       settings, role):
    who = getattr(cast, role)
    await login(client, who)
    expected = csv_rows((await client.get(f"{BASE}/export.csv", params=WANTED)).content)
    await ask_for_workbook(client)
    await ask_for_workbook(client)  # asked again while on its way: nothing more starts
    page = (await client.get(f"{BASE}/documents")).text
    assert "The workbook is being written" in page and "Workbook of the filtered records · XLSX:" in page
    assert "waiting for its turn…" in page and 'hx-trigger="every 2s"' in page
    assert await db.scalar(select(func.count()).select_from(JobRun)) == 1

    [run] = await work_off(settings)
    assert (run.job, run.outcome, run.error) == ("workbook", "ok", None)
    assert run.done == run.total == len(expected) - 1  # every row, told as it went
    document = await db.scalar(select(Artifact))
    assert (document.kind, document.format, document.generated_by_id, document.record_counts) == (
        "export", "xlsx", who.id, {"rows": len(expected) - 1})
    page = (await client.get(f"{BASE}/documents")).text
    assert f"/documents/{document.id}" in page and 'hx-trigger="every 2s"' not in page
    download = await client.get(f"/documents/{document.id}")
    assert download.headers["content-type"] == workbooks.exports.FORMATS["xlsx"]
    assert workbook_rows(download.content) == expected
    if role == "kenya":  # its own records and those opened to all participants, not the rest
        shared = set((await db.scalars(select(Seizure.seizure_ref).where(Seizure.shared_with_participants))).all())
        assert all(row[1] == "KEN" or row[0] in shared for row in expected[1:]) and len(expected) - 1 < LARGE


async def test_a_workbook_is_opened_by_who_asked_for_it_alone(client, db, cast, large, settings):
    await login(client, cast.coordinator)
    await ask_for_workbook(client)
    await work_off(settings)
    document = await db.scalar(select(Artifact))
    for other in (cast.analyst, cast.kenya):
        await login(client, other)
        assert (await client.get(f"/documents/{document.id}")).status_code == 404
        assert f"/documents/{document.id}" not in (await client.get(f"{BASE}/documents")).text


async def test_a_member_who_lost_the_records_gets_no_workbook(client, db, cast, large, settings):
    await login(client, cast.kenya)
    await ask_for_workbook(client)
    await db.execute(update(User).where(User.id == cast.kenya.id).values(is_active=False))
    await db.commit()
    [run] = await work_off(settings)
    assert (run.outcome, run.error) == ("error", "you may no longer read the records of this operation")
    assert await db.scalar(select(func.count()).select_from(Artifact)) == 0


async def test_a_small_workbook_downloads_at_once(client, db, cast, large):
    await login(client, cast.coordinator)
    response = await client.get(f"{BASE}/export.xlsx", params={**WANTED, "end": "2026-10-01"})
    assert response.headers["content-type"] == workbooks.exports.FORMATS["xlsx"]
    rows = workbook_rows(response.content)
    assert 1 < len(rows) <= workbooks.AT_ONCE + 1 and rows[0] == WANTED["fields"]
    assert await db.scalar(select(func.count()).select_from(JobRun)) == 0


async def test_workbooks_are_removed_after_a_week_in_the_audit_log(client, db, cast, large, settings):
    await login(client, cast.coordinator)
    await ask_for_workbook(client)
    await work_off(settings)
    await db.execute(update(Artifact).values(created_at=utcnow() - workbooks.KEPT - timedelta(minutes=1)))
    await db.commit()
    engine = make_engine(settings.database_url)
    try:
        await run_job(make_sessionmaker(engine), settings, BY_NAME["purge_workbooks"])
    finally:
        await engine.dispose()
    assert await db.scalar(select(func.count()).select_from(Artifact)) == 0
    assert await db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.entity == "artifacts", AuditEvent.action == "delete")) == 1


async def test_a_member_has_at_most_three_workbooks_on_their_way(client, db, cast, large):
    await login(client, cast.analyst)
    for day in ("2026-10-27", "2026-10-28", "2026-10-29", "2026-10-29"):  # the last asked again: kept, not counted
        await form_post(client, f"{BASE}/export.xlsx", {"end": day, "fields": WANTED["fields"]})
    refused = await form_post(client, f"{BASE}/export.xlsx", {"end": "2026-10-26", "fields": WANTED["fields"]})
    assert refused.status_code in (302, 303)
    page = (await client.get(f"{BASE}/documents")).text
    assert "3 of your workbooks are still being written: ask for another once one is ready" in page
    assert await db.scalar(select(func.count()).select_from(JobRun)) == workbooks.ON_THEIR_WAY == 3


async def test_a_workbook_asked_with_bad_fields_or_dates_queues_nothing_and_says_which(client, db, cast, large):
    await login(client, cast.coordinator)
    for form, said in (({"fields": ["seizure_ref", "suspects"]}, "Fields: unknown fields suspects"),
                       ({"end": "2026-13-45", "fields": ["seizure_ref"]}, "End: ")):
        response = await form_post(client, f"{BASE}/export.xlsx", form)
        assert response.status_code in (302, 303)
        assert said in (await client.get(f"{BASE}/documents")).text, form
    assert await db.scalar(select(func.count()).select_from(JobRun)) == 0


@pytest.mark.parametrize("params", [WANTED, {}], ids=["filtered", "everything"])
async def test_the_offer_links_the_same_records_as_csv(client, db, cast, large, params):
    """The offer's CSV link asks for the same records and fields (it read "?&fields=…" with no filter set)."""
    await login(client, cast.coordinator)
    offer = await client.get(f"{BASE}/export.xlsx", params=params)
    link = html.unescape(re.search(r'href="([^"]*/export\.csv\?[^"]*)"', offer.text)[1])
    assert "?&" not in link
    assert (await client.get(link)).content == (await client.get(f"{BASE}/export.csv", params=params)).content
