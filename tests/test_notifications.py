"""In-app notifications: a query reaches the reporting country, an answer the coordinator who asked; the header
counts what is unread; opening one marks it read; nobody opens another's."""

from __future__ import annotations

import copy

from sqlalchemy import select

from opsplatform.models.notifications import Notification
from opsplatform.models.operations import FocalPoint
from tests.conftest import form_post, login
from tests.results_support import IVORY, active_operation, bearer

URL = "/api/v1/operations/THUNDER-2026/seizures"


async def queried_record(client, db, cast) -> int:
    operation = await active_operation(db)
    db.add(FocalPoint(operation_id=operation.id, country_code="KEN", user_id=cast.kenya.id))
    await db.commit()
    created = (await client.post(URL, json=copy.deepcopy(IVORY), headers=await bearer(db, cast.kenya))).json()
    queried = await client.post(f"{URL}/{created['id']}/status", json={"action": "query", "message": "Pieces?"},
                                headers=await bearer(db, cast.coordinator))
    assert queried.status_code == 200, queried.text
    return created["id"]


async def test_a_query_tells_the_reporting_country_and_an_answer_tells_who_asked(client, db, cast):
    seizure_id = await queried_record(client, db, cast)
    told = (await db.execute(select(Notification.user_id, Notification.kind, Notification.link))).all()
    assert told == [(cast.kenya.id, "query", f"/operations/THUNDER-2026/seizures/{seizure_id}")]
    await client.post(f"{URL}/{seizure_id}/status", json={"action": "answer", "message": "14 pieces"},
                      headers=await bearer(db, cast.kenya))
    answered = (await db.execute(select(Notification.user_id).where(Notification.kind == "answer"))).scalars().all()
    assert answered == [cast.coordinator.id]


async def test_the_header_counts_unread_and_opening_marks_read(client, db, cast):
    seizure_id = await queried_record(client, db, cast)
    await login(client, cast.kenya)
    page = await client.get("/notifications")
    assert "Corinne Coordinator queried your record KE-JKIA-001 in THUNDER-2026" in page.text
    assert '<span class="badge">1</span>' in page.text
    note_id = await db.scalar(select(Notification.id))
    opened = await form_post(client, f"/notifications/{note_id}/open")
    assert opened.headers["location"] == f"/operations/THUNDER-2026/seizures/{seizure_id}"
    assert 'class="badge"' not in (await client.get("/notifications")).text


async def test_nobody_opens_or_reads_another_users_notification(client, db, cast):
    await queried_record(client, db, cast)
    note_id = await db.scalar(select(Notification.id))
    await login(client, cast.tanzania)
    assert "KE-JKIA-001" not in (await client.get("/notifications")).text
    opened = await form_post(client, f"/notifications/{note_id}/open")
    assert opened.headers["location"] == "/notifications"
    await form_post(client, "/notifications/read")
    db.expire_all()
    assert await db.scalar(select(Notification.read_at).where(Notification.id == note_id)) is None


async def test_notifications_need_a_login(client, db, cast):
    response = await client.get("/notifications")
    assert response.status_code in (302, 303, 401)
