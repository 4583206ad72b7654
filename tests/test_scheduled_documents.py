"""Scheduled documents: the daily sitrep goes out once a day to the coordinators who follow the operation, each in
their language; a scheduled release is published once, even by two schedulers at the same instant."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from opsplatform.auth.services import create_user
from opsplatform.background.schedule import BY_NAME, run_job
from opsplatform.database import utcnow
from opsplatform.mail.outbox import deliver_due
from opsplatform.models.documents import Artifact
from opsplatform.models.operations import Operation
from opsplatform.models.releases import Release
from opsplatform.releases.workflow import publish_due
from tests.conftest import body_of
from tests.documents_support import known_operation
from tests.results_support import join_everyone

SITREPS = BY_NAME["send_sitreps"]


async def test_the_sitrep_goes_once_a_day_to_each_coordinator_in_their_language(client, db, cast, settings, makers,
                                                                               smtp):
    operation, _sent = await known_operation(client, db, cast)
    french = await create_user(db, email="claire@ops.test", name="Claire", role="coordinator")
    french.language = "fr"
    outsider = await create_user(db, email="anan@ops.test", name="Anan", role="coordinator", network="ASEAN-WEN")
    await join_everyone(db, operation)  # Claire joins the team; no ASEAN-WEN country takes part, so Anan does not
    await db.commit()
    settings = replace(settings, sitrep_hour=0, smtp_port=smtp.port)
    now = utcnow()
    run = await run_job(makers[0], settings, SITREPS, now)
    assert run.done == 2  # the two global coordinators; no ASEAN-WEN country takes part
    assert await run_job(makers[1], settings, SITREPS, now + timedelta(minutes=15)) is None  # today's is done
    async with makers[0]() as session:
        assert await deliver_due(session, settings, now) == 2
    english, = smtp.to(cast.coordinator.email)
    assert english["Subject"] == f"Sitrep THUNDER-2026, {now.date().isoformat()}: 4 new seizures"
    assert "4 new seizures, 4 in all, 3 countries reporting" in body_of(english)
    assert english.get_body(("html",)).get_content().count("KE-1") == 1  # the sitrep itself, in the message
    french_mail, = smtp.to("claire@ops.test")
    assert french_mail["Subject"].startswith("Rapport de situation THUNDER-2026")
    assert not smtp.to(outsider.email)
    kept = (await db.execute(select(Artifact.kind, Artifact.language, Artifact.generated_by)
                             .order_by(Artifact.language))).all()
    assert kept == [("sitrep", "en", "scheduler"), ("sitrep", "fr", "scheduler")]


async def test_no_sitrep_before_the_hour_nor_for_an_operation_not_running(client, db, cast, settings, makers):
    operation, _sent = await known_operation(client, db, cast)
    settings = replace(settings, sitrep_hour=23)
    early = utcnow().replace(hour=22, minute=59)
    assert await run_job(makers[0], settings, SITREPS, early) is None
    operation = await db.get(Operation, operation.id)
    operation.phase = "closed"
    await db.commit()
    run = await run_job(makers[0], settings, SITREPS, early.replace(hour=23, minute=1))
    assert run.done == 0


async def test_two_schedulers_publish_a_release_once(client, db, cast, settings, makers):
    operation, _sent = await known_operation(client, db, cast)
    embargo = utcnow().replace(second=0, microsecond=0) + timedelta(hours=1)
    db.add(Release(operation_id=operation.id, status="scheduled", embargo=embargo, figures={"frozen": True}))
    await db.commit()

    async def instance(maker):  # type: ignore[no-untyped-def]
        async with maker() as session:
            return await publish_due(session, settings, embargo)

    published = await asyncio.gather(*(instance(maker) for maker in makers))
    assert sorted(published) == [0, 1]
    await db.commit()
    release = await db.scalar(select(Release))
    assert (release.status, release.published_at, release.published_by) == ("published", embargo, "scheduler")
