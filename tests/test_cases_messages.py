"""Operation messages: a message and its attachments reach only the operation's members (or the region or network
it is narrowed to); the nominal section only cleared readers; a daily digest by e-mail; in-app notifications."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text, update

from opsplatform.auth.services import create_user
from opsplatform.background.schedule import BY_NAME, run_job
from opsplatform.database import make_engine, make_sessionmaker
from opsplatform.mail.outbox import deliver_due
from opsplatform.models.cases import MessageAttachment, OperationMessage
from opsplatform.models.notifications import Notification
from opsplatform.models.operations import Operation
from opsplatform.settings import replace
from tests.cases_support import logged
from tests.conftest import body_of, csrf_of, form_post, login, password_hash
from tests.results_support import ACTIVE, active_operation, bearer

API = "/api/v1/operations/THUNDER-2026/messages"
PAGES = "/operations/THUNDER-2026/messages"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ALERT = {"kind": "alert", "subject": "Ivory in cashew sacks via DXB", "body": "Watch air cargo NBO-DXB-HAN."}


def attached(name: str, content: bytes) -> dict:
    return {"filename": name, "content_base64": base64.b64encode(content).decode()}


@pytest.fixture
async def members(db, cast):
    """THUNDER-2026 with Kenya, Tanzania and Viet Nam; a Vietnamese focal point; a Brazilian one, not taking part."""
    await active_operation(db, countries=[*ACTIVE["countries"], {"country": "VNM", "publicity": "named"}])
    people = {}
    for key, email, country in (("vietnam", "lan@vn.test", "VNM"), ("brazil", "ana@br.test", "BRA")):
        people[key] = await create_user(db, email=email, name=key.title(), role="focal_point", country=country)
        people[key].password_hash = password_hash()
    await db.commit()
    return people


async def test_a_message_reaches_only_the_operations_members(client, db, cast, members):
    posted = await client.post(API, json=ALERT, headers=await bearer(db, cast.kenya))
    assert posted.status_code == 201, posted.text
    message_id = posted.json()["id"]
    for reader in (cast.tanzania, members["vietnam"], cast.coordinator, cast.analyst):
        listed = (await client.get(API, headers=await bearer(db, reader))).json()
        assert [m["id"] for m in listed] == [message_id], reader.email
    assert (await client.get(API, headers=await bearer(db, members["brazil"]))).status_code == 404
    assert (await client.get(f"{API}/{message_id}", headers=await bearer(db, cast.press))).status_code == 403
    assert (await client.get(f"{API}/{message_id}", headers=await bearer(db, cast.admin))).status_code == 404
    told = set((await db.scalars(select(Notification.user_id).where(Notification.kind == "message"))).all())
    assert told == {cast.tanzania.id, members["vietnam"].id, cast.coordinator.id, cast.analyst.id}


async def test_a_message_narrowed_to_a_region_and_its_attachments_reach_only_that_region(client, db, cast, members):
    posted = await client.post(API, headers=await bearer(db, cast.kenya), json={
        **ALERT, "audience": "region", "audience_code": "002", "attachments": [attached("sacks.png", PNG)]})
    assert posted.status_code == 201, posted.text
    message = posted.json()
    [file] = message["attachments"]
    assert (file["content_type"], file["size"]) == ("image/png", len(PNG))
    got = await client.get(file["url"], headers=await bearer(db, cast.tanzania))
    assert got.status_code == 200 and got.content == PNG
    assert got.headers["content-type"] == "image/png" and got.headers["content-disposition"].startswith("inline")
    vietnam = await bearer(db, members["vietnam"])  # Asia: a member of the operation, not of the region
    assert (await client.get(API, headers=vietnam)).json() == []
    assert (await client.get(f"{API}/{message['id']}", headers=vietnam)).status_code == 404
    assert (await client.get(file["url"], headers=vietnam)).status_code == 404
    assert (await client.get(file["url"], headers=await bearer(db, members["brazil"]))).status_code == 404
    await login(client, cast.tanzania)
    page_file = await client.get(f"{PAGES}/{message['id']}/attachments/{file['id']}")
    assert page_file.status_code == 200 and page_file.content == PNG
    # Feedback stays in the alert's audience.
    reply = await client.post(f"{API}/{message['id']}/replies", json={"body": "Seen the same at DAR."},
                              headers=await bearer(db, cast.tanzania))
    assert reply.status_code == 201 and reply.json()["replies"][0]["audience_code"] == "002"
    assert members["vietnam"].id not in set((await db.scalars(select(Notification.user_id))).all())


async def test_bad_messages_are_refused_by_field_and_nothing_is_stored(client, db, settings, cast, members):
    kenyan = await logged(db, settings, await db.scalar(select(Operation)), cast.kenya, "KE-1")  # not shared
    headers = await bearer(db, cast.tanzania)
    bad = await client.post(API, headers=headers, json={
        "kind": "seizure_notice", "subject": "", "body": "x", "audience": "region", "audience_code": "999",
        "seizure_id": kenyan.id, "nominal": "Tran Van A, passport C1234567",
        "attachments": [attached("tool.png", b"MZ\x90\x00 not an image"),
                        attached("big.pdf", b"%PDF-" + b"0" * (5 << 20))]})
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} == {"subject", "audience_code", "seizure_id", "nominal",
                                                          "attachments[0]", "attachments[1]"}
    assert await db.scalar(select(func.count()).select_from(OperationMessage)) == 0
    assert await db.scalar(select(func.count()).select_from(MessageAttachment)) == 0
    assert (await client.post(API, json=ALERT, headers=await bearer(db, cast.press))).status_code == 403
    assert (await client.post(f"{API}/999/replies", json={"body": "?"}, headers=headers)).status_code == 404


async def test_the_nominal_section_is_encrypted_and_shown_only_to_cleared_readers(client, db, cast, members):
    posted = await client.post(API, headers=await bearer(db, cast.kenya),
                               json={**ALERT, "nominal": "Courier: Tran Van A, passport C1234567"})
    message_id = posted.json()["id"]
    raw = " ".join(str(v) for row in (await db.execute(text("SELECT * FROM operation_messages"))).all() for v in row)
    assert "C1234567" not in raw and "Tran Van A" not in raw
    cleared = (await client.get(f"{API}/{message_id}", headers=await bearer(db, cast.coordinator))).json()
    assert cleared["nominal"] == "Courier: Tran Van A, passport C1234567"
    uncleared = (await client.get(f"{API}/{message_id}", headers=await bearer(db, cast.tanzania))).json()
    assert "nominal" not in uncleared
    await login(client, cast.tanzania)
    page = await client.get(f"{PAGES}/{message_id}")
    assert "A nominal section is withheld" in page.text and "Tran Van A" not in page.text
    notes = " ".join(n.text + str(n.params) for n in (await db.scalars(select(Notification))).all())
    assert "Tran Van A" not in notes


async def test_the_message_pages_post_with_csrf_and_reply_in_place(client, db, cast, members):
    await login(client, cast.kenya)
    refused = await form_post(client, f"{PAGES}/", {"kind": "alert", "subject": "Pangolin scales", "body": ""},
                              files={"attachments": ("scan.txt", b"plain text", "text/plain")})
    assert refused.status_code == 400 and 'value="Pangolin scales"' in refused.text \
        and "is not an allowed file" in refused.text
    posted = await form_post(client, f"{PAGES}/", {"kind": "alert", "subject": "Pangolin scales", "body": "Via LOS."},
                             files={"attachments": ("scales.png", PNG, "image/png")})
    assert posted.status_code in (302, 303)
    thread = posted.headers["location"]
    assert "scales.png" in (await client.get(thread)).text
    forged = await client.post(f"{thread}/replies", data={"body": "no token"})
    assert forged.status_code == 403
    client.cookies.clear()
    await login(client, cast.tanzania)
    await client.get(thread)
    swapped = await client.post(f"{thread}/replies", data={"body": "Also at DAR", "_csrf_token": await csrf_of(client)},
                                headers={"HX-Request": "true"})
    assert swapped.status_code == 200 and swapped.text.lstrip().startswith('<div id="thread">')
    assert "Also at DAR" in swapped.text


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment).replace(tzinfo=UTC)


async def test_each_member_gets_one_digest_a_day_of_what_they_may_read(client, db, settings, cast, members, smtp):
    await client.post(API, json=ALERT, headers=await bearer(db, cast.kenya))
    await client.post(API, headers=await bearer(db, cast.kenya), json={
        "kind": "alert", "subject": "East Africa only", "body": "…", "audience": "region", "audience_code": "002",
        "nominal": "Tran Van A"})
    await db.execute(update(OperationMessage).values(created_at=at("2026-11-02T10:00:00")))
    await db.commit()
    engine = make_engine(settings.database_url)
    maker, job = make_sessionmaker(engine), BY_NAME["message_digest"]
    try:
        assert (await run_job(maker, settings, job, at("2026-11-03T06:00:00"))).done == 4
        assert await run_job(maker, settings, job, at("2026-11-03T18:00:00")) is None  # one a day
        assert (await run_job(maker, settings, job, at("2026-11-04T06:00:00"))).done == 0  # nothing new since
    finally:
        await engine.dispose()
    await deliver_due(db, replace(settings, smtp_port=smtp.port), at("2026-11-04T06:01:00"))
    assert sorted(m["To"] for m in smtp.messages) == sorted(
        [cast.tanzania.email, members["vietnam"].email, cast.coordinator.email, cast.analyst.email])
    [vietnam] = smtp.to(members["vietnam"].email)
    assert "Ivory in cashew sacks" in body_of(vietnam) and "East Africa only" not in body_of(vietnam)
    [tanzania] = smtp.to(cast.tanzania.email)
    assert "East Africa only" in body_of(tanzania) and "Tran Van A" not in body_of(tanzania)
    assert "/operations/THUNDER-2026/messages/" in body_of(tanzania)
