"""Generating a briefing from the documents page leaves the request: the request checks the choice and queues a task;
a worker generates it as the member who asked sees the operation (their access checked again when it runs), beating
at each step; the page shows it on its way, then in the list of documents, or why it was not generated."""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from opsplatform.auth.services import create_user
from opsplatform.background.schedule import BY_NAME, run_job
from opsplatform.background.task_kinds import TASKS
from opsplatform.briefings import tasks as generation
from opsplatform.database import make_engine, make_sessionmaker, utcnow
from opsplatform.jobs import tasks
from opsplatform.models.audit import AuditEvent
from opsplatform.models.documents import Artifact
from opsplatform.models.jobs import JobRun
from opsplatform.operations import team
from opsplatform.operations.team import TeamEntry
from tests.conftest import form_post, login, work_off
from tests.documents_support import known_operation
from tests.results_support import active_operation, member

BASE = "/operations/THUNDER-2026"
POLLING = 'hx-trigger="every 2s"'


@pytest.fixture
async def known(client, db, cast):
    return await known_operation(client, db, cast)


async def ask(client, **choice: str):
    response = await form_post(client, f"{BASE}/documents", {"kind": "post", "lang": "en", "format": "html",
                                                             "edition": "restricted", **choice})
    assert response.status_code in (302, 303), response.text
    return response


async def test_the_page_queues_the_generation_and_lists_the_document_once_a_worker_made_it(client, db, cast, known,
                                                                                           settings):
    await login(client, cast.coordinator)
    await ask(client, kind="pre", lang="fr", format="pdf", edition="shareable")
    await ask(client, kind="pre", lang="fr", format="pdf", edition="shareable")  # a second click starts nothing
    page = (await client.get(f"{BASE}/documents")).text
    assert "is being generated: it is listed below once ready." in page
    assert "Pre-operation briefing (shareable edition) · Français · PDF:" in page and "waiting for its turn…" in page
    assert POLLING in page and '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page
    polled = (await client.get(f"{BASE}/documents", headers={"hx-request": "true"})).text
    assert polled.lstrip().startswith('<div id="generated"') and POLLING in polled
    assert await db.scalar(select(func.count()).select_from(Artifact)) == 0
    [run] = await work_off(settings)
    assert (run.job, run.slot, run.outcome, run.done, run.error) == (
        "briefing", f"{known[0].id}:{cast.coordinator.id}:pre:pdf:fr:shareable", "ok", 3, None)
    artifact = await db.scalar(select(Artifact))
    assert (artifact.kind, artifact.edition, artifact.language, artifact.format, artifact.generated_by) == (
        "pre", "shareable", "fr", "pdf", "Corinne Coordinator <corinne@ops.test>")
    assert await db.scalar(select(AuditEvent.actor_id).where(AuditEvent.entity == "artifacts")) == cast.coordinator.id
    page = (await client.get(f"{BASE}/documents")).text
    assert f"/documents/{artifact.id}" in page and POLLING not in page and "http-equiv" not in page
    assert "waiting for its turn" not in page


async def test_a_refused_choice_queues_nothing(client, db, cast, known):
    await login(client, cast.coordinator)
    response = await form_post(client, f"{BASE}/documents", {"kind": "pre", "lang": "en", "format": "odt",
                                                             "edition": "public"})
    assert response.status_code == 400
    assert "choose one of html, pdf, docx" in response.text and "choose one of restricted, shareable" in response.text
    assert await db.scalar(select(func.count()).select_from(JobRun)) == 0


async def test_the_worker_generates_as_the_member_sees_the_operation_beating_at_each_step(db, settings, cast,
                                                                                         makers):
    asean = await create_user(db, email="anan@asean.test", name="Anan ASEAN", role="coordinator", network="ASEAN-WEN")
    operation = await active_operation(db, countries=[{"country": code, "publicity": "named"}
                                                      for code in ("KEN", "THA", "VNM")])
    await generation.ask(db, await member(db, asean, operation), kind="sitrep", fmt="docx", lang="es", edition=None)
    await db.commit()
    async with makers[0]() as session:
        claimed = await tasks.claim(session)
    beats = []

    async def watch(done: int, total: int) -> None:
        beats.append((done, total))

    run = await tasks.run(makers[0], settings, claimed.id, TASKS, watch=watch)
    assert (run.outcome, beats) == ("ok", [(1, 3), (2, 3), (3, 3)])  # gathered, rendered, converted
    artifact = await db.scalar(select(Artifact))
    assert (artifact.scope, artifact.generated_by_id, artifact.language) == ("network:ASEAN-WEN", asean.id, "es")
    assert "KEN" not in artifact.countries and "THA" in artifact.countries


async def test_a_member_who_lost_the_right_to_generate_meanwhile_gets_nothing_and_is_told_why(client, db, cast, known,
                                                                                            settings):
    await login(client, cast.coordinator)
    await ask(client)
    await team.add(db, known[0], TeamEntry(cast.coordinator, "analyst"), None)  # now reads the documents only
    await db.commit()
    [run] = await work_off(settings)
    assert (run.outcome, run.error) == ("error", "you may no longer generate documents in this operation")
    assert await db.scalar(select(func.count()).select_from(Artifact)) == 0
    page = (await client.get(f"{BASE}/documents")).text
    assert ("Post-operation briefing · English · HTML was not generated: you may no longer generate documents in this "
            "operation") in page
    assert POLLING not in page


async def test_a_generation_that_fails_names_its_error_and_asks_to_try_again(client, db, cast, known, settings):
    await login(client, cast.coordinator)
    await tasks.queue(db, "briefing", f"{known[0].id}:{cast.coordinator.id}:post:odt:en")  # no page asks for it
    await db.commit()
    [run] = await work_off(settings)
    assert (run.outcome, run.error) == ("error", "InvalidInput")
    assert ("Post-operation briefing · English · ODT was not generated: an error (InvalidInput); ask for it again, "
            "and tell an administrator if it happens again") in (await client.get(f"{BASE}/documents")).text


async def silenced(maker) -> JobRun:
    """The queued run, taken by a worker on another machine that then went silent."""
    async with maker() as session:
        claimed = await tasks.claim(session)
        await session.execute(update(JobRun).where(JobRun.id == claimed.id).values(
            worker="elsewhere:1", heartbeat_at=utcnow() - tasks.STALE - timedelta(seconds=1)))
        await session.commit()
    return claimed


async def test_a_generation_whose_worker_stopped_says_so_and_can_be_asked_again(client, db, cast, known, settings,
                                                                               makers):
    await login(client, cast.coordinator)
    await ask(client)
    claimed = await silenced(makers[0])
    page = (await client.get(f"{BASE}/documents")).text
    assert "gathering the data and drawing the charts and maps…" in page and POLLING in page
    await run_job(makers[1], settings, BY_NAME["reap_tasks"])
    page = (await client.get(f"{BASE}/documents")).text
    assert "Post-operation briefing · English · HTML was not generated: its worker stopped before the end" in page
    await ask(client)
    await silenced(makers[0])
    await ask(client)  # before the reaper's next round: asking again fails the silent run and queues it anew
    assert "waiting for its turn…" in (await client.get(f"{BASE}/documents")).text
    [again] = await work_off(settings)
    assert again.id == claimed.id and again.outcome == "ok"
    assert "was not generated" not in (await client.get(f"{BASE}/documents")).text


async def test_the_dispatcher_generates_in_a_worker_process_of_its_own(client, db, cast, known, settings):
    await login(client, cast.coordinator)
    await ask(client, format="pdf")
    engine = make_engine(settings.database_url)
    dispatcher = asyncio.create_task(tasks.dispatch(make_sessionmaker(engine), settings, 1, TASKS))
    try:
        for _ in range(600):  # until the worker has told how the run ended and its process is gone
            await asyncio.sleep(0.1)
            await db.commit()  # a fresh read each time
            run = await db.scalar(select(JobRun).where(JobRun.job == "briefing"), execution_options={
                "populate_existing": True})
            if run.outcome == "ok" and ended(int(run.worker.rpartition(":")[2])):
                break
    finally:
        dispatcher.cancel()
        await engine.dispose()
    assert run.outcome == "ok" and int(run.worker.rpartition(":")[2]) != os.getpid()
    [artifact] = (await db.scalars(select(Artifact))).all()
    page = (await client.get(f"{BASE}/documents")).text
    assert artifact.format == "pdf" and f"/documents/{artifact.id}" in page and POLLING not in page


def ended(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False
